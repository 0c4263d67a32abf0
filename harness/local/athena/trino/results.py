"""Trino's JSON results as Athena returns them: ColumnInfo from the type signature, values as text.

Athena renders a value the way Trino's CLI does: numbers as Java prints them, varbinary as spaced hex,
arrays `[a, b]`, maps `{k=v}`, rows `{name=value}`, NULL inside a structure as `null`.
"""

from __future__ import annotations

import base64
from typing import Any

from ..results import ResultSet
from ..types import athena_column

# (Athena's ColumnInfo.Type, Precision) for Trino's base types without parameters of their own.
_SCALARS = {
    "boolean": ("boolean", 0),
    "tinyint": ("tinyint", 3),
    "smallint": ("smallint", 5),
    "integer": ("integer", 10),
    "bigint": ("bigint", 19),
    "real": ("float", 17),  # Athena reports real columns with precision 17, as double
    "double": ("double", 17),
    "date": ("date", 0),
    "varbinary": ("varbinary", 2147483647),
    "json": ("json", 0),
    "uuid": ("uuid", 0),
    "ipaddress": ("ipaddress", 0),
    "unknown": ("unknown", 0),
    "interval day to second": ("interval day to second", 0),
    "interval year to month": ("interval year to month", 0),
}


def _args(sig: dict[str, Any]) -> list[dict[str, Any]]:
    return list(sig.get("arguments") or [])


def _long_args(sig: dict[str, Any]) -> list[int]:
    return [int(a["value"]) for a in _args(sig) if a.get("kind") == "LONG"]


def column_info(name: str, type_text: str, sig: dict[str, Any]) -> dict[str, object]:
    raw = str(sig.get("rawType", type_text)).lower()
    nums = _long_args(sig)
    scale = 0
    if raw in _SCALARS:
        athena, precision = _SCALARS[raw]
    elif raw in ("varchar", "char"):
        athena, precision = raw, nums[0] if nums else 2147483647
    elif raw == "decimal":
        athena, precision = "decimal", nums[0] if nums else 38
        scale = nums[1] if len(nums) > 1 else 0
    elif raw in ("timestamp", "time", "timestamp with time zone", "time with time zone"):
        athena, precision = raw, nums[0] if nums else 3
    elif raw in ("array", "map", "row"):
        athena, precision = raw, 0
    else:
        athena, precision = raw, 0
    return athena_column(name, athena, precision, scale)


def render(value: Any, sig: dict[str, Any]) -> str:
    """A non-NULL value as Athena's text."""
    raw = str(sig.get("rawType", "")).lower()
    if isinstance(value, bool):
        return "true" if value else "false"
    if raw == "varbinary":
        return " ".join(f"{b:02x}" for b in base64.b64decode(value))
    if raw == "array":
        elem = _args(sig)[0]["value"]
        return "[" + ", ".join(_nested(v, elem) for v in value) + "]"
    if raw == "map":
        key, val = (a["value"] for a in _args(sig)[:2])
        return "{" + ", ".join(f"{_nested(k, key)}={_nested(v, val)}" for k, v in value.items()) + "}"
    if raw == "row":
        fields = []
        for i, a in enumerate(_args(sig)):
            named = a["value"]
            fname = (named.get("fieldName") or {}).get("name") or f"field{i}"
            fields.append((fname, named["typeSignature"]))
        return "{" + ", ".join(f"{n}={_nested(v, t)}" for (n, t), v in zip(fields, value, strict=True)) + "}"
    return str(value)


def _nested(value: Any, sig: dict[str, Any]) -> str:
    return "null" if value is None else render(value, sig)


def build(columns: list[dict[str, Any]], rows: list[list[Any]]) -> ResultSet:
    sigs = [c.get("typeSignature") or {"rawType": c.get("type", "varchar")} for c in columns]
    infos = [
        column_info(str(c["name"]).lower(), str(c.get("type", "")), s)
        for c, s in zip(columns, sigs, strict=True)
    ]
    out = [[None if v is None else render(v, s) for v, s in zip(row, sigs, strict=True)] for row in rows]
    return ResultSet(infos, out)

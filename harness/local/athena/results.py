"""Query results as Athena returns them: Trino's text rendering of values, ColumnInfo, the result CSV."""

from __future__ import annotations

import io
import json
import math
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from .types import carried_text, children, column_info, type_id

Formatter = Callable[[object], str]


@dataclass
class ResultSet:
    column_info: list[dict[str, object]]
    rows: list[list[str | None]] = field(default_factory=list)
    header: bool = True  # SELECT results carry the column names as their first row
    update_count: int | None = None

    @property
    def names(self) -> list[str]:
        return [str(c["Name"]) for c in self.column_info]

    def api_rows(self) -> list[dict[str, list[dict[str, str]]]]:
        rows = [[*self.names]] if self.header else []
        out = [{"Data": [{"VarCharValue": v} for v in row]} for row in rows]
        out += [{"Data": [{} if v is None else {"VarCharValue": v} for v in row]} for row in self.rows]
        return out

    def csv(self) -> bytes:
        """Athena's result CSV: every value quoted, NULL as an empty unquoted field."""
        buf = io.StringIO()

        def line(values: list[str | None]) -> None:
            buf.write(",".join("" if v is None else '"' + v.replace('"', '""') + '"' for v in values) + "\n")

        line(list(self.names))
        for row in self.rows:
            line(row)
        return buf.getvalue().encode()

    def text(self) -> bytes:
        """A DDL/utility result file (.txt): one line per row, fields separated by tabs."""
        return "".join("\t".join("" if v is None else v for v in row) + "\n" for row in self.rows).encode()

    def metadata(self) -> bytes:
        # Athena's .metadata is a binary protobuf; this JSON carries the same facts for local readers.
        return json.dumps({"ColumnInfo": self.column_info, "UpdateCount": self.update_count}).encode()


def build(names: list[str], types: list[object], rows: list[tuple[object, ...]]) -> ResultSet:
    formatters = [formatter(t) for t in types]
    infos = [column_info(n.lower(), t) for n, t in zip(names, types, strict=True)]
    out = [[None if v is None else f(v) for f, v in zip(formatters, row, strict=True)] for row in rows]
    return ResultSet(infos, out)


def _double(v: object) -> str:
    x = float(v)  # type: ignore[arg-type]
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    # Java's Double.toString: plain notation in [1e-3, 1e7), scientific (1.0E7) outside.
    if x == 0 or 1e-3 <= abs(x) < 1e7:
        text = repr(x)
        return text if ("." in text or "e" in text) else text + ".0"
    sign, digits, exponent = Decimal(repr(x)).normalize().as_tuple()
    text = "".join(map(str, digits))
    exp10 = exponent + len(text) - 1  # type: ignore[operator]
    return f"{'-' if sign else ''}{text[0]}.{text[1:] or '0'}E{exp10}"


def _real(v: object) -> str:
    """Java's Float.toString: the shortest decimal that reads back as the same 32-bit float."""
    x = float(v)  # type: ignore[arg-type]
    if math.isnan(x) or math.isinf(x):
        return _double(x)
    single = struct.unpack("f", struct.pack("f", x))[0]
    for digits in range(1, 10):
        text = f"{single:.{digits}g}"
        if struct.unpack("f", struct.pack("f", float(text)))[0] == single:
            return _double(float(text))
    return _double(single)


def _timestamp(v: object) -> str:
    if isinstance(v, datetime):
        return v.strftime("%Y-%m-%d %H:%M:%S.") + f"{v.microsecond // 1000:03d}"
    return str(v)


def _timestamptz(v: object) -> str:
    if isinstance(v, datetime):
        zone = "UTC" if v.utcoffset() in (None, timedelta(0)) else v.strftime("%z")
        return _timestamp(v) + " " + zone
    return str(v)


def _time(v: object) -> str:
    if isinstance(v, time):
        return v.strftime("%H:%M:%S.") + f"{v.microsecond // 1000:03d}"
    return str(v)


def _interval(v: object) -> str:
    if isinstance(v, timedelta):
        total_ms = int(v.total_seconds() * 1000)
        sign = "-" if total_ms < 0 else ""
        total_ms = abs(total_ms)
        days, rem = divmod(total_ms, 86_400_000)
        h, rem = divmod(rem, 3_600_000)
        m, rem = divmod(rem, 60_000)
        s, ms = divmod(rem, 1000)
        return f"{sign}{days} {h:02d}:{m:02d}:{s:02d}.{ms:03d}"
    return str(v)


def formatter(t: object) -> Formatter:
    """How Trino renders a value of this (DuckDB) type as text in GetQueryResults."""
    tid = type_id(t)
    if tid == "boolean":
        return lambda v: "true" if v else "false"
    if tid == "double":
        return _double
    if tid == "float":
        return _real
    if tid == "decimal":
        return lambda v: format(v, "f") if isinstance(v, Decimal) else str(v)
    if tid in ("timestamp", "timestamp_ms", "timestamp_s", "timestamp_ns"):
        return _timestamp
    if tid == "timestamp with time zone":
        return _timestamptz
    field = carried_text(t)
    if field is not None:
        return lambda v: str(v[field])  # type: ignore[index]
    if tid == "date":
        return lambda v: v.isoformat() if isinstance(v, date) else str(v)
    if tid == "time":
        return _time
    if tid == "interval":
        return _interval
    if tid == "blob":
        return lambda v: " ".join(f"{b:02x}" for b in bytes(v))  # type: ignore[arg-type]
    if tid in ("list", "array"):
        elem = _nested(children(t)[0][1])
        return lambda v: "[" + ", ".join(elem(x) for x in v) + "]"  # type: ignore[attr-defined]
    if tid == "map":
        kids = children(t)
        key, value = _nested(kids[0][1]), _nested(kids[1][1])
        return lambda v: "{" + ", ".join(f"{key(k)}={value(x)}" for k, x in _map_items(v)) + "}"
    if tid == "struct":
        fields = [(name, _nested(ct)) for name, ct in children(t)]
        return lambda v: "{" + ", ".join(f"{n}={f(v.get(n))}" for n, f in fields) + "}"  # type: ignore[attr-defined]
    return str


def _nested(t: object) -> Formatter:
    inner = formatter(t)
    return lambda v: "null" if v is None else inner(v)


def _map_items(v: object) -> list[tuple[object, object]]:
    if isinstance(v, dict):
        if set(v) == {"key", "value"} and isinstance(v["key"], list):
            return list(zip(v["key"], v["value"], strict=True))
        return list(v.items())
    return list(v)  # type: ignore[call-overload]

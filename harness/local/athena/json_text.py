"""JSON as Trino 476 reads and prints it, for JSON text the query itself spells out (a literal).

DuckDB re-prints JSON numbers (`1.50` becomes `1.5`, `1E2` becomes `100.0`) and keeps an object's keys
as written, while Trino:

- `json_extract_scalar` of JSON text returns a number's token as written (`1.50`, `-1.5e+3`), the first
  of duplicate keys, a string unescaped, NULL for null, objects and arrays;
- `json_parse` makes JSON canonical (Jackson's printing): keys sorted (UTF-16 order), no whitespace,
  integers as written, other numbers as Java's `Double.toString` (`1.5`, `100.0`, `1.0E-7`), strings
  escaped as Jackson escapes them (`\\"`, `\\\\`, `\\n`, `\\u0001`; `/` and non-ASCII as they are);
- `CAST(varchar AS json)` is a JSON string of the text.

Where the JSON is a literal, the translation computes these here, exactly; JSON text known only at run
time keeps the engine's macros, which refuse what they cannot keep.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from .results import _double


@dataclass(frozen=True)
class Number:
    token: str  # as written

    @property
    def integral(self) -> bool:
        return not any(c in self.token for c in ".eE")


@dataclass(frozen=True)
class Obj:
    pairs: tuple[tuple[str, Any], ...]  # in the order written, duplicates kept


class Unsupported(ValueError):
    """JSON whose canonical form Trino's printing would not make certain (duplicate keys, overflow)."""


def _bad_constant(name: str) -> Any:
    raise ValueError(f"not JSON: {name}")


INVALID = object()  # parse()'s answer for text that is not JSON (None is JSON's null)


def parse(text: str) -> Any:
    """The JSON value of `text` with numbers as written (null is None), or INVALID."""
    try:
        return json.loads(
            text,
            parse_float=Number,
            parse_int=Number,
            parse_constant=_bad_constant,
            object_pairs_hook=lambda pairs: Obj(tuple(pairs)),
        )
    except ValueError:
        return INVALID


_SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def quote(text: str) -> str:
    """A JSON string as Jackson writes it."""
    out = []
    for ch in text:
        if ch in _SHORT_ESCAPES:
            out.append(_SHORT_ESCAPES[ch])
        elif ord(ch) < 0x20:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _utf16(key: str) -> bytes:
    return key.encode("utf-16-be", "surrogatepass")


def canonical(value: Any) -> str:
    """Trino's json_parse output: Jackson's printing of the value with map keys sorted."""
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, Number):
        if value.integral:
            return str(int(value.token))
        x = float(value.token)
        if math.isinf(x):
            raise Unsupported("a JSON number beyond a double")
        return _double(x)
    if isinstance(value, str):
        return quote(value)
    if isinstance(value, list):
        return "[" + ",".join(canonical(v) for v in value) + "]"
    keys = [k for k, _ in value.pairs]
    if len(set(keys)) != len(keys):
        raise Unsupported("a JSON object with duplicate keys")
    items = sorted(value.pairs, key=lambda kv: _utf16(kv[0]))
    return "{" + ",".join(f"{quote(k)}:{canonical(v)}" for k, v in items) + "}"


def extract_scalar(value: Any, path: list[str | int]) -> str | None:
    """json_extract_scalar: the scalar at `path` (keys and array indexes) as text, else None."""
    for step in path:
        if isinstance(step, str) and isinstance(value, Obj):
            found = [v for k, v in value.pairs if k == step]
            if not found:
                return None
            value = found[0]  # Trino's streaming reader stops at the first
        elif isinstance(step, int) and isinstance(value, list):
            if not 0 <= step < len(value):
                return None
            value = value[step]
        else:
            return None
    if value is None or isinstance(value, Obj | list):
        return None
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, Number):
        return value.token
    return str(value)

"""JSON as Trino 476 reads and prints it, for JSON text the query itself spells out (a literal).

DuckDB re-prints JSON numbers (`1.50` becomes `1.5`, `1E2` becomes `100.0`) and keeps an object's keys
as written, while Trino:

- `json_extract_scalar` of JSON text returns a number's token as written (`1.50`, `-1.5e+3`), the first
  of duplicate keys, a string unescaped, NULL for null, objects and arrays;
- `json_parse` makes JSON canonical: keys sorted (UTF-16 order; the last of duplicate keys), no whitespace,
  integers as written, other numbers as Java's `Double.toString` (`1.5`, `100.0`, `1.0E-7`), strings
  escaped as Trino writes them (`\\"`, `\\\\`, `\\n`, `\\u0001`, a character beyond the BMP as its
  escaped surrogate pair; `/` and other characters as they are);
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
    """JSON whose canonical form is not certain (a number beyond a double)."""


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
        elif ord(ch) > 0xFFFF:  # Trino writes a character beyond the BMP as its escaped surrogate pair
            high, low = divmod(ord(ch) - 0x10000, 0x400)
            out.append(f"\\u{0xD800 + high:04X}\\u{0xDC00 + low:04X}")
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
    last = dict(value.pairs)  # Jackson's map keeps the last of duplicate keys
    items = sorted(last.items(), key=lambda kv: _utf16(kv[0]))
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


# --- SQL/JSON path functions (json_exists, json_value, json_query) in lax mode -------------------------

_LAX_STEP = r"(\.[A-Za-z_][A-Za-z0-9_]*|\[\d+\])"


def lax_path(text: str) -> list[str | int] | None:
    """The steps of a `lax $.key[0]...` path, or None for any other path (strict mode, wildcards, ...)."""
    import re

    m = re.fullmatch(rf"\s*lax\s+\$({_LAX_STEP}*)\s*", text)
    if m is None:
        return None
    return [int(s[1:-1]) if s.startswith("[") else s[1:] for s in re.findall(_LAX_STEP, m.group(1))]


def lax_items(value: Any, steps: list[str | int]) -> list[Any] | None:
    """The SQL/JSON sequence a lax path selects: a member of an array's objects (arrays unwrapped), an
    index of a non-array is the item itself at 0. None where duplicate keys make it unclear."""
    items = [value]
    for step in steps:
        found: list[Any] = []
        for item in items:
            if isinstance(step, str):
                for obj in item if isinstance(item, list) else [item]:
                    if isinstance(obj, Obj):
                        matches = [v for k, v in obj.pairs if k == step]
                        if len(matches) > 1:
                            return None
                        found += matches
            else:
                seq = item if isinstance(item, list) else [item]
                if step < len(seq):
                    found.append(seq[step])
        items = found
    return items


def _plain(value: Any) -> bool:
    """Whether a value holds no non-integral number and no duplicate key (its printing is certain)."""
    if isinstance(value, Number):
        return value.integral
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    if isinstance(value, Obj):
        keys = [k for k, _ in value.pairs]
        return len(set(keys)) == len(keys) and all(_plain(v) for _, v in value.pairs)
    return True


def written(value: Any) -> str:
    """Jackson's printing of a parsed JSON value, keys in the order written (json_query's output)."""
    if isinstance(value, Obj):
        return "{" + ",".join(f"{quote(k)}:{written(v)}" for k, v in value.pairs) + "}"
    if isinstance(value, list):
        return "[" + ",".join(written(v) for v in value) + "]"
    return canonical(value)


def sql_json(function: str, value: Any, steps: list[str | int]) -> tuple[bool, str | bool | None]:
    """(decided, answer) of json_exists / json_value / json_query with Trino's defaults (NULL ON EMPTY,
    NULL ON ERROR, WITHOUT ARRAY WRAPPER); not decided where the answer's form is not certain."""
    items = lax_items(value, steps)
    if items is None:
        return False, None
    if function == "json_exists":
        return True, bool(items)
    if not items:
        return True, None
    if len(items) > 1:
        return True, None  # more than one item is an error, NULL ON ERROR
    item = items[0]
    if function == "json_value":
        if isinstance(item, Obj | list):
            return True, None
        if isinstance(item, Number) and not (item.integral and abs(int(item.token)) < 2**63):
            return False, None
        return True, extract_scalar(item, [])
    if _plain(item):  # a scalar prints as JSON too: '5', '"x"', 'true', 'null'
        return True, written(item)
    return False, None

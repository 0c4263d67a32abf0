"""UNLOAD (SELECT ...) TO 's3://...' WITH (format = ..., compression = ..., partitioned_by = ARRAY[...]).

Athena's UNLOAD is not Trino SQL: it is split here into the query, the target folder and its
properties, checked as Athena checks them, and handed to the engine's writer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .errors import QueryFailed
from .hive import strip_leading_comments

FORMATS = ("PARQUET", "ORC", "AVRO", "JSON", "TEXTFILE")
COMPRESSIONS = {
    "PARQUET": ("SNAPPY", "GZIP", "ZSTD", "LZ4", "NONE"),
    "ORC": ("SNAPPY", "ZLIB", "ZSTD", "LZ4", "NONE"),
    "AVRO": ("SNAPPY", "DEFLATE", "ZSTD", "NONE"),
    "JSON": ("GZIP", "BZIP2", "ZSTD", "LZ4", "SNAPPY", "DEFLATE", "NONE"),
    "TEXTFILE": ("GZIP", "BZIP2", "ZSTD", "LZ4", "SNAPPY", "DEFLATE", "NONE"),
}
_PROPERTIES = ("format", "compression", "compression_level", "field_delimiter", "partitioned_by")


@dataclass
class Unload:
    query: str
    location: str
    format: str
    compression: str | None
    field_delimiter: str | None
    partitioned_by: list[str] = field(default_factory=list)


def is_unload(sql: str) -> bool:
    return re.match(r"UNLOAD\b", strip_leading_comments(sql), re.I) is not None


def _matching_paren(text: str, start: int) -> int:
    depth, i, n = 0, start, len(text)
    while i < n:
        ch = text[i]
        if ch == "'":
            i += 1
            while i < n and not (text[i] == "'" and (i + 1 >= n or text[i + 1] != "'")):
                i += 2 if text[i] == "'" else 1
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise QueryFailed("SYNTAX_ERROR: line 1:1: mismatched input '<EOF>'. Expecting: ')'")


def parse_unload(sql: str) -> Unload:
    text = strip_leading_comments(sql).strip().rstrip(";").strip()
    m = re.match(r"UNLOAD\s*\(", text, re.I)
    if not m:
        raise QueryFailed("SYNTAX_ERROR: line 1:1: UNLOAD must be followed by a parenthesised query")
    close = _matching_paren(text, m.end() - 1)
    query = text[m.end() : close].strip()
    rest = text[close + 1 :]
    m2 = re.match(r"\s*TO\s*'((?:[^']|'')*)'\s*(?:WITH\s*\((.*)\))?\s*$", rest, re.I | re.S)
    if not m2:
        raise QueryFailed("SYNTAX_ERROR: line 1:1: UNLOAD needs TO 's3://...' and WITH (format = ...)")
    location = m2.group(1).replace("''", "'")
    props = _properties(m2.group(2) or "")
    if "format" not in props:
        raise QueryFailed("INVALID_UNLOAD_PROPERTY: Missing required property 'format'")
    fmt = str(props["format"]).upper()
    if fmt not in FORMATS:
        raise QueryFailed(f"INVALID_UNLOAD_PROPERTY: Unsupported format: {fmt}")
    compression = str(props["compression"]).upper() if "compression" in props else None
    if compression and compression not in COMPRESSIONS[fmt]:
        raise QueryFailed(f"INVALID_UNLOAD_PROPERTY: Unsupported compression {compression} for format {fmt}")
    if not location.lower().startswith("s3://"):
        raise QueryFailed(f"INVALID_UNLOAD_PROPERTY: '{location}' is not a valid S3 location")
    parts = props.get("partitioned_by", [])
    return Unload(
        query=query,
        location=location if location.endswith("/") else location + "/",
        format=fmt,
        compression=compression,
        field_delimiter=props.get("field_delimiter"),  # type: ignore[arg-type]
        partitioned_by=[p.lower() for p in parts] if isinstance(parts, list) else [str(parts).lower()],
    )


_PROP = re.compile(r"\s*(\w+)\s*=\s*(?:'((?:[^']|'')*)'|ARRAY\s*\[([^\]]*)\]|(\w+))\s*(?:,|$)", re.I | re.S)


def _properties(text: str) -> dict[str, str | list[str]]:
    out: dict[str, str | list[str]] = {}
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _PROP.match(text, pos)
        if not m:
            raise QueryFailed(
                f"SYNTAX_ERROR: line 1:1: cannot parse UNLOAD property near '{text[pos : pos + 30]}'"
            )
        key = m.group(1).lower()
        if key not in _PROPERTIES:
            raise QueryFailed(f"INVALID_UNLOAD_PROPERTY: Unknown UNLOAD property: {key}")
        if m.group(3) is not None:
            out[key] = [v.strip().strip("'\"") for v in m.group(3).split(",") if v.strip()]
        elif m.group(2) is not None:
            out[key] = m.group(2).replace("''", "'")
        else:
            out[key] = m.group(4)
        pos = m.end()
    return out

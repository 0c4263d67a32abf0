"""Writing query results as table files on the DuckDB engine: UNLOAD, and CTAS/INSERT in text formats.

Parquet goes through the engine's Arrow writer. TEXTFILE is Hive's LazySimpleSerDe encoding (fields
split by the delimiter, `\\N` for NULL, nested values split by \\x02, \\x03, ...; binary as base64),
JSON one object per line as Hive's JSON SerDe reads it.
"""

from __future__ import annotations

import base64
import bz2
import gzip
import json
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import pyarrow as pa
from sqlglot import exp

from . import sql as sqlmod
from .errors import QueryFailed, not_supported
from .results import _double, _real, _timestamp
from .types import hive_type_of, parse_hive_type, type_id

if TYPE_CHECKING:
    from .engine import Outcome, _Session
    from .unload import Unload

DEFAULT_COMPRESSION = {
    "PARQUET": "GZIP",
    "ORC": "ZLIB",
    "AVRO": "DEFLATE",
    "JSON": "GZIP",
    "TEXTFILE": "GZIP",
}
_EXTENSIONS = {"GZIP": ".gz", "BZIP2": ".bz2", "NONE": "", "ZSTD": ".zst"}
ROWS_PER_FETCH = 10_000


def run(session: _Session, spec: Unload) -> Outcome:
    from .engine import HiveColumn

    if not spec.partitioned_by and session.s3.has_objects(spec.location):
        raise QueryFailed(
            f"HIVE_PATH_ALREADY_EXISTS: Target directory for UNLOAD already exists: {spec.location}. "
            "UNLOAD requires an empty location."
        )
    text = sqlmod.bind_parameters(spec.query, session.req.parameters)
    ast = sqlmod.parse_statement(text)
    if not isinstance(ast, exp.Query):
        raise QueryFailed("SYNTAX_ERROR: line 1:1: UNLOAD takes a SELECT query")
    sqlmod.name_outputs(ast)
    qtext, names, types = session._query_relation(ast)
    names = [n.lower() for n in names]
    keys = spec.partitioned_by
    if keys and names[-len(keys) :] != keys:
        raise QueryFailed(
            "HIVE_COLUMN_ORDER_MISMATCH: Partition keys must be the last columns in the table and in the "
            f"same order as the table properties: {keys}"
        )
    aliases = ", ".join(f'"__c{i}"' for i in range(len(names)))
    select = ", ".join(f'"__c{i}" AS "{n}"' for i, n in enumerate(names))
    final = f"SELECT {select} FROM ({qtext}) AS __q({aliases})"
    key_defs = [
        HiveColumn(n, parse_hive_type(hive_type_of(t)))
        for n, t in zip(names, types, strict=True)
        if n in keys
    ]
    compression = spec.compression or DEFAULT_COMPRESSION[spec.format]
    if spec.format == "PARQUET":
        rows, files, _ = session._write(
            spec.location, key_defs, final, {"parquet.compression": compression}, hive_layout=True
        )
    elif spec.format in ("TEXTFILE", "JSON"):
        rows, files, _ = write_text(
            session, spec.location, keys, final, spec.format, compression, spec.field_delimiter or "\x01"
        )
    else:
        raise not_supported(f"UNLOAD with format '{spec.format}'")
    return session._write_outcome(rows, files)


def _hive_arrow_type(t: pa.DataType) -> pa.DataType:
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return pa.list_(pa.field("array_element", _hive_arrow_type(t.value_type)))
    if pa.types.is_map(t):
        return pa.map_(_hive_arrow_type(t.key_type), _hive_arrow_type(t.item_type))
    if pa.types.is_struct(t):
        return pa.struct([pa.field(f.name, _hive_arrow_type(f.type)) for f in t])
    return t


def hive_parquet_layout(reader: pa.RecordBatchReader) -> pa.RecordBatchReader:
    """Batches renamed to the nesting names Trino's Hive Parquet writer uses (list item `array_element`)."""
    schema = pa.schema([pa.field(f.name, _hive_arrow_type(f.type)) for f in reader.schema])
    return pa.RecordBatchReader.from_batches(schema, (batch.cast(schema) for batch in reader))


def write_text(
    session: _Session,
    location: str,
    keys: list[str],
    select_sql: str,
    fmt: str,
    compression: str,
    delimiter: str,
) -> tuple[int, list[str], list[tuple[list[str], str]]]:
    """Streams a query into TEXTFILE or JSON files, one per partition; returns rows, files, partitions."""
    base = location if location.endswith("/") else location + "/"
    cur = session.con.execute(select_sql)
    desc = cur.description or []
    names = [d[0] for d in desc]
    types = [d[1] for d in desc]
    key_idx = [names.index(k) for k in keys]
    data_idx = [i for i in range(len(names)) if i not in key_idx]
    encode = _json_line if fmt == "JSON" else _text_line
    buffers: dict[tuple[str, ...], list[str]] = {}
    total = 0
    while True:
        batch = cur.fetchmany(ROWS_PER_FETCH)
        if not batch:
            break
        for row in batch:
            part = tuple(_partition_value(row[i]) for i in key_idx)
            cols = [(names[i], types[i], row[i]) for i in data_idx]
            buffers.setdefault(part, []).append(encode(cols, delimiter))
            total += 1
    files: list[str] = []
    partitions: list[tuple[list[str], str]] = []
    suffix = _EXTENSIONS.get(compression)
    if suffix is None:
        raise not_supported(f"Writing {fmt} with compression {compression}")
    for part, lines in buffers.items():
        folder = base + "".join(f"{k}={quote(v, safe='')}/" for k, v in zip(keys, part, strict=True))
        body = "".join(line + "\n" for line in lines).encode()
        if compression == "GZIP":
            body = gzip.compress(body)
        elif compression == "BZIP2":
            body = bz2.compress(body)
        elif compression == "ZSTD":
            import zstandard  # type: ignore[import-not-found]

            body = zstandard.ZstdCompressor().compress(body)
        uri = f"{folder}{session.req.query_id}_{uuid.uuid4().hex[:8]}{suffix}"
        session.s3.put(uri, body, None, "application/octet-stream")
        files.append(uri)
        if keys:
            partitions.append((list(part), folder))
    return total, files, partitions


def _partition_value(v: Any) -> str:
    if v is None:
        return "__HIVE_DEFAULT_PARTITION__"
    return _scalar_text(v)


def _scalar_text(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return _double(v)
    if isinstance(v, Decimal):
        return format(v, "f")
    if isinstance(v, datetime):
        return _timestamp(v)
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(v)).decode()
    return str(v)


def _text_value(v: Any, t: Any, level: int) -> str:
    """LazySimpleSerDe text of a value; nested separators are \\x02, \\x03, ... by depth."""
    if v is None:
        return "\\N"
    tid = type_id(t)
    sep = chr(level + 2)
    if tid in ("list", "array"):
        elem = t.children[0][1]
        return sep.join(_text_value(x, elem, level + 1) for x in v)
    if tid == "map":
        kt, vt = t.children[0][1], t.children[1][1]
        items = v.items() if isinstance(v, dict) else v
        kv = chr(level + 3)
        return sep.join(
            f"{_text_value(k, kt, level + 2)}{kv}{_text_value(x, vt, level + 2)}" for k, x in items
        )
    if tid == "struct":
        return sep.join(_text_value(v.get(n), ct, level + 1) for n, ct in t.children)
    if tid == "float":
        return _real(v)
    return _scalar_text(v)


def _text_line(cols: list[tuple[str, Any, Any]], delimiter: str) -> str:
    return delimiter.join(_text_value(v, t, 0) for _, t, v in cols)


def _json_value(v: Any, t: Any) -> Any:
    if v is None:
        return None
    tid = type_id(t)
    if tid in ("list", "array"):
        return [_json_value(x, t.children[0][1]) for x in v]
    if tid == "map":
        items = v.items() if isinstance(v, dict) else v
        return {_scalar_text(k): _json_value(x, t.children[1][1]) for k, x in items}
    if tid == "struct":
        return {n: _json_value(v.get(n), ct) for n, ct in t.children}
    if isinstance(v, bool | int | float):
        return v
    if isinstance(v, Decimal):
        return float(v) if v != v.to_integral_value() else int(v)
    return _scalar_text(v)


def _json_line(cols: list[tuple[str, Any, Any]], _: str) -> str:
    return json.dumps({n: _json_value(v, t) for n, t, v in cols}, separators=(",", ":"))

"""Type systems side by side: Hive/Glue column types, DuckDB types, and Athena's result types."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .errors import QueryFailed


@dataclass(frozen=True)
class HiveType:
    """A parsed Glue column type such as `struct<id:bigint,tags:array<string>>`."""

    name: str  # lower-case base name: string, bigint, struct, array, map, decimal, ...
    params: tuple[int, ...] = ()  # decimal(p,s), varchar(n), char(n)
    fields: tuple[tuple[str, HiveType], ...] = field(default=())  # struct fields; array: (elem); map: (k, v)

    def duckdb(self) -> str:
        n = self.name
        if n == "struct":
            inner = ", ".join(f'"{fname}" {ftype.duckdb()}' for fname, ftype in self.fields)
            return f"STRUCT({inner})"
        if n == "array":
            return f"{self.fields[0][1].duckdb()}[]"
        if n == "map":
            return f"MAP({self.fields[0][1].duckdb()}, {self.fields[1][1].duckdb()})"
        if n == "decimal":
            p, s = (*self.params, 10, 0)[:2] if len(self.params) == 0 else (*self.params, 0)[:2]
            return f"DECIMAL({p},{s})"
        try:
            return _HIVE_TO_DUCKDB[n]
        except KeyError:
            raise QueryFailed(
                f"NOT_SUPPORTED: column type '{n}' is not supported by the local Athena engine"
            ) from None

    def __str__(self) -> str:
        if self.name == "struct":
            return "struct<" + ",".join(f"{k}:{v}" for k, v in self.fields) + ">"
        if self.name == "array":
            return f"array<{self.fields[0][1]}>"
        if self.name == "map":
            return f"map<{self.fields[0][1]},{self.fields[1][1]}>"
        if self.params:
            return f"{self.name}({','.join(map(str, self.params))})"
        return self.name


_HIVE_TO_DUCKDB = {
    "string": "VARCHAR",
    "varchar": "VARCHAR",
    "char": "VARCHAR",
    "tinyint": "TINYINT",
    "smallint": "SMALLINT",
    "int": "INTEGER",
    "integer": "INTEGER",
    "bigint": "BIGINT",
    "float": "FLOAT",
    "real": "FLOAT",
    "double": "DOUBLE",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "binary": "BLOB",
}

_TOKEN = re.compile(r"[<>(),:]|[^<>(),:\s]+")


def parse_hive_type(text: str) -> HiveType:
    tokens = _TOKEN.findall(text)
    pos = 0

    def peek() -> str:
        return tokens[pos] if pos < len(tokens) else ""

    def take(expected: str | None = None) -> str:
        nonlocal pos
        tok = peek()
        if expected is not None and tok != expected:
            raise QueryFailed(f"HIVE_INVALID_METADATA: cannot parse column type '{text}'")
        pos += 1
        return tok

    def parse() -> HiveType:
        name = take().strip().lower()
        if name == "struct":
            take("<")
            fields: list[tuple[str, HiveType]] = []
            while peek() != ">":
                fname = take().strip().lower()
                take(":")
                fields.append((fname, parse()))
                if peek() == ",":
                    take(",")
            take(">")
            return HiveType("struct", fields=tuple(fields))
        if name == "array":
            take("<")
            elem = parse()
            take(">")
            return HiveType("array", fields=(("element", elem),))
        if name == "map":
            take("<")
            key = parse()
            take(",")
            value = parse()
            take(">")
            return HiveType("map", fields=(("key", key), ("value", value)))
        params: list[int] = []
        if peek() == "(":
            take("(")
            while peek() != ")":
                params.append(int(take()))
                if peek() == ",":
                    take(",")
            take(")")
        if name == "integer":
            name = "int"
        return HiveType(name, tuple(params))

    result = parse()
    if pos != len(tokens):
        raise QueryFailed(f"HIVE_INVALID_METADATA: cannot parse column type '{text}'")
    return result


# --- DuckDB result types -> Athena's (Trino's) names -------------------------------------------------

_SCALAR_ATHENA = {
    "varchar": ("varchar", 2147483647),
    "json": ("json", 0),
    "uuid": ("varchar", 2147483647),
    "bigint": ("bigint", 19),
    "hugeint": ("bigint", 19),  # DuckDB widens sum(bigint); Trino keeps bigint
    "ubigint": ("bigint", 19),
    "integer": ("integer", 10),
    "uinteger": ("bigint", 19),
    "smallint": ("smallint", 5),
    "usmallint": ("integer", 10),
    "tinyint": ("tinyint", 3),
    "utinyint": ("smallint", 5),
    "double": ("double", 17),
    "float": ("float", 17),  # Athena reports real columns with precision 17
    "boolean": ("boolean", 0),
    "date": ("date", 0),
    "timestamp": ("timestamp", 3),
    "timestamp_ms": ("timestamp", 3),
    "timestamp_s": ("timestamp", 3),
    "timestamp_ns": ("timestamp", 3),
    "timestamp with time zone": ("timestamp with time zone", 3),
    "timestamp with time zone (text)": ("timestamp with time zone", 3),
    "interval year to month (text)": ("interval year to month", 0),
    "time": ("time", 3),
    "interval": ("interval day to second", 0),
    "blob": ("varbinary", 2147483647),
    "sqlnull": ("unknown", 0),
    "null": ("unknown", 0),
}


# Values DuckDB cannot hold as Trino types them travel as a one-field struct holding their Trino text,
# the field's name saying the type: a timestamp with a time zone other than UTC (DuckDB's keeps no zone;
# harness/local/athena/zoned.py), an interval year to month (DuckDB's INTERVAL mixes months and days).
ZONED_FIELD = "__la_tstz"
YEAR_MONTH_FIELD = "__la_iym"
TEXT_CARRIERS = {
    ZONED_FIELD: "timestamp with time zone (text)",
    YEAR_MONTH_FIELD: "interval year to month (text)",
}


def carried_text(t: object) -> str | None:
    """The field of a text-carrying struct type (TEXT_CARRIERS), else None."""
    if str(getattr(t, "id", "")).lower() != "struct":
        return None
    names = [name for name, _ in children(t)]
    return names[0] if len(names) == 1 and names[0] in TEXT_CARRIERS else None


def type_id(t: object) -> str:
    tid = str(getattr(t, "id", str(t))).lower()
    if tid == "varchar" and str(t).upper() == "JSON":
        return "json"
    field = carried_text(t)
    return TEXT_CARRIERS[field] if field else tid


def children(t: object) -> list[tuple[str, object]]:
    return list(t.children)  # type: ignore[attr-defined]


def athena_type_name(t: object) -> str:
    """Trino's name for a DuckDB type, as Athena shows it in ColumnInfo.Type."""
    tid = type_id(t)
    if tid in ("list", "array"):
        return "array"
    if tid == "map":
        return "map"
    if tid == "struct":
        return "row"
    if tid == "decimal":
        return "decimal"
    return _SCALAR_ATHENA.get(tid, ("varchar", 0))[0]


def athena_column(name: str, athena: str, precision: int, scale: int = 0) -> dict[str, object]:
    """One column of Athena's ResultSetMetadata, as both engines report it."""
    return {
        "CatalogName": "hive",
        "SchemaName": "",
        "TableName": "",
        "Name": name,
        "Label": name,
        "Type": athena,
        "Precision": precision,
        "Scale": scale,
        "Nullable": "UNKNOWN",
        "CaseSensitive": athena in ("varchar", "char", "json"),
    }


# The one column Athena reports for an INSERT / CTAS: the number of rows written.
ROWS_COLUMN = athena_column("rows", "bigint", 19)


def column_info(name: str, t: object) -> dict[str, object]:
    tid = type_id(t)
    athena = athena_type_name(t)
    precision, scale = _SCALAR_ATHENA.get(tid, (athena, 0))[1], 0
    if tid == "decimal":
        m = re.match(r"DECIMAL\((\d+),\s*(\d+)\)", str(t))
        precision, scale = (int(m.group(1)), int(m.group(2))) if m else (38, 0)
    return athena_column(name, athena, precision, scale)


def hive_type_of(t: object) -> str:
    """The Glue column type a CTAS declares for a DuckDB result type."""
    tid = type_id(t)
    if tid in ("list", "array"):
        return f"array<{hive_type_of(children(t)[0][1])}>"
    if tid == "map":
        kids = children(t)
        return f"map<{hive_type_of(kids[0][1])},{hive_type_of(kids[1][1])}>"
    if tid == "struct":
        return "struct<" + ",".join(f"{n}:{hive_type_of(c)}" for n, c in children(t)) + ">"
    if tid == "decimal":
        return str(t).lower()
    mapping = {
        "varchar": "string",
        "json": "string",
        "uuid": "string",
        "hugeint": "bigint",
        "ubigint": "bigint",
        "uinteger": "bigint",
        "integer": "int",
        "timestamp with time zone": "timestamp",
        "timestamp_ms": "timestamp",
        "timestamp_s": "timestamp",
        "timestamp_ns": "timestamp",
        "blob": "binary",
        "sqlnull": "string",
        "null": "string",
    }
    return mapping.get(tid, tid)


# --- INSERT type checking: Trino's implicit coercions -------------------------------------------------

_INTEGRAL_RANK = {"tinyint": 1, "smallint": 2, "int": 3, "bigint": 4}


def can_coerce(source: object, target: HiveType) -> bool:
    """Whether Trino would accept a query column of DuckDB type `source` for a table column `target`."""
    sid = type_id(source)
    tname = target.name
    if sid in ("sqlnull", "null"):
        return True
    src_hive = parse_hive_type(hive_type_of(source)) if sid != "timestamp with time zone" else None
    if src_hive is None:
        return False  # Trino has no implicit timestamp with time zone -> timestamp coercion on INSERT
    sname = src_hive.name
    if tname in ("string", "varchar", "char"):
        return sname in ("string", "varchar", "char")
    if tname in _INTEGRAL_RANK:
        return sname in _INTEGRAL_RANK and _INTEGRAL_RANK[sname] <= _INTEGRAL_RANK[tname]
    if tname in ("float", "double"):
        if sname in _INTEGRAL_RANK or sname == "decimal":
            return True
        return sname == tname or (sname == "float" and tname == "double")
    if tname == "decimal":
        return sname == "decimal" or sname in _INTEGRAL_RANK
    if tname == "timestamp":
        return sname in ("timestamp", "date")
    if tname in ("array", "map", "struct"):
        if sname != tname:
            return False
        kids = children(source)
        if len(kids) != len(target.fields):
            return False
        return all(can_coerce(k[1], f[1]) for k, f in zip(kids, target.fields, strict=True))
    return sname == tname


def trino_type_text(t: object) -> str:
    """A Trino-like spelling of a query column's type for mismatch messages."""
    tid = type_id(t)
    if tid in ("list", "array"):
        return f"array({trino_type_text(children(t)[0][1])})"
    if tid == "map":
        kids = children(t)
        return f"map({trino_type_text(kids[0][1])}, {trino_type_text(kids[1][1])})"
    if tid == "struct":
        return "row(" + ", ".join(f"{n} {trino_type_text(c)}" for n, c in children(t)) + ")"
    if tid == "decimal":
        return str(t).lower()
    name = athena_type_name(t)
    return {"timestamp": "timestamp(3)", "timestamp with time zone": "timestamp(3) with time zone"}.get(
        name, name
    )


def hive_to_trino_text(t: HiveType) -> str:
    if t.name == "array":
        return f"array({hive_to_trino_text(t.fields[0][1])})"
    if t.name == "map":
        return f"map({hive_to_trino_text(t.fields[0][1])}, {hive_to_trino_text(t.fields[1][1])})"
    if t.name == "struct":
        return "row(" + ", ".join(f"{n} {hive_to_trino_text(c)}" for n, c in t.fields) + ")"
    return {"string": "varchar", "int": "integer", "float": "real", "timestamp": "timestamp(3)"}.get(
        t.name, str(t)
    )

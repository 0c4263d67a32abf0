"""`information_schema` over Glue as Trino shows it (served by the DuckDB engine; Trino has its own)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .errors import QueryFailed
from .types import hive_to_trino_text, parse_hive_type
from .views import CATALOG, decode_view, is_view


def _tables(glue: Any, db: str) -> Iterator[dict[str, Any]]:
    for page in glue.get_paginator("get_tables").paginate(DatabaseName=db):
        yield from page.get("TableList", [])


INFORMATION_SCHEMA = "information_schema"
# table -> [(column, DuckDB type)] as Trino's information_schema declares them
SCHEMA_TABLES: dict[str, list[tuple[str, str]]] = {
    "schemata": [("catalog_name", "VARCHAR"), ("schema_name", "VARCHAR")],
    "tables": [
        ("table_catalog", "VARCHAR"),
        ("table_schema", "VARCHAR"),
        ("table_name", "VARCHAR"),
        ("table_type", "VARCHAR"),
    ],
    "views": [
        ("table_catalog", "VARCHAR"),
        ("table_schema", "VARCHAR"),
        ("table_name", "VARCHAR"),
        ("view_definition", "VARCHAR"),
    ],
    "columns": [
        ("table_catalog", "VARCHAR"),
        ("table_schema", "VARCHAR"),
        ("table_name", "VARCHAR"),
        ("column_name", "VARCHAR"),
        ("ordinal_position", "BIGINT"),
        ("column_default", "VARCHAR"),
        ("is_nullable", "VARCHAR"),
        ("data_type", "VARCHAR"),
        ("comment", "VARCHAR"),
        ("extra_info", "VARCHAR"),
    ],
}


def information_schema_rows(glue: Any, table: str) -> list[tuple[Any, ...]]:
    """Rows of information_schema.<table> over every Glue database."""
    if table not in SCHEMA_TABLES:
        raise QueryFailed(f"TABLE_NOT_FOUND: Table '{CATALOG}.{INFORMATION_SCHEMA}.{table}' does not exist")
    dbs = sorted(
        d["Name"] for page in glue.get_paginator("get_databases").paginate() for d in page["DatabaseList"]
    )
    if table == "schemata":
        return [(CATALOG, s) for s in sorted([*dbs, INFORMATION_SCHEMA])]
    rows: list[tuple[Any, ...]] = []
    for db in dbs:
        for t in sorted(_tables(glue, db), key=lambda t: t["Name"]):
            name = t["Name"]
            if table == "tables":
                rows.append((CATALOG, db, name, "VIEW" if is_view(t) else "BASE TABLE"))
            elif table == "views":
                if is_view(t):
                    rows.append((CATALOG, db, name, decode_view(t)["originalSql"]))
            else:
                cols = [*t.get("StorageDescriptor", {}).get("Columns", []), *t.get("PartitionKeys", [])]
                for i, c in enumerate(cols, start=1):
                    try:
                        dtype = hive_to_trino_text(parse_hive_type(c["Type"]))
                    except Exception:
                        dtype = c["Type"]
                    extra = "partition key" if c in t.get("PartitionKeys", []) else None
                    rows.append(
                        (CATALOG, db, name, c["Name"], i, None, "YES", dtype, c.get("Comment"), extra)
                    )
    if table == "tables":
        rows += [(CATALOG, INFORMATION_SCHEMA, n, "BASE TABLE") for n in sorted(SCHEMA_TABLES)]
    return rows

"""Athena's stored view format (the Presto view format), shared by both engines.

Athena keeps a view in Glue as a table of type VIRTUAL_VIEW whose `ViewOriginalText` is
`/* Presto View: <base64 of a JSON document> */`; the JSON carries the SQL text, the catalog and
schema it resolves names in, and the output columns with Trino types. Trino's Hive connector reads
and writes exactly this form, so a view created on one engine is readable on the other.
"""

from __future__ import annotations

import base64
import json
import re
import time
from typing import Any

from .errors import QueryFailed

PREFIX = "/* Presto View: "
SUFFIX = " */"
CATALOG = "awsdatacatalog"


def is_view(table: dict[str, Any]) -> bool:
    return table.get("TableType") == "VIRTUAL_VIEW"


def encode_view(sql: str, schema: str, columns: list[tuple[str, str]]) -> str:
    """ViewOriginalText for `sql` with output `columns` as (name, Trino type)."""
    doc = {
        "originalSql": sql,
        "catalog": CATALOG,
        "schema": schema,
        "columns": [{"name": n, "type": t} for n, t in columns],
        "owner": "local-athena",
        "runAsInvoker": False,
    }
    return PREFIX + base64.b64encode(json.dumps(doc).encode()).decode() + SUFFIX


def decode_view(table: dict[str, Any]) -> dict[str, Any]:
    text = table.get("ViewOriginalText") or ""
    m = re.fullmatch(re.escape(PREFIX) + r"(.*)" + re.escape(SUFFIX), text.strip(), re.S)
    if not m:
        raise QueryFailed(
            f"HIVE_INVALID_VIEW_DATA: View '{table.get('Name')}' is not stored in Athena's view format"
        )
    try:
        return json.loads(base64.b64decode(m.group(1)))  # type: ignore[no-any-return]
    except ValueError:
        raise QueryFailed(
            f"HIVE_INVALID_VIEW_DATA: View '{table.get('Name')}' has invalid view data"
        ) from None


def view_table_input(name: str, sql: str, schema: str, columns: list[tuple[str, str, str]]) -> dict[str, Any]:
    """Glue TableInput of a view; `columns` are (name, Trino type, Hive type)."""
    return {
        "Name": name,
        "TableType": "VIRTUAL_VIEW",
        "Parameters": {"presto_view": "true", "comment": "Presto View"},
        "ViewOriginalText": encode_view(sql, schema, [(n, t) for n, t, _ in columns]),
        "ViewExpandedText": "/* Presto View */",
        "PartitionKeys": [],
        "StorageDescriptor": {
            "Columns": [{"Name": n, "Type": h} for n, _, h in columns],
            "Location": "",
            "SerdeInfo": {},
            "Parameters": {},
        },
        "Retention": 0,
        "Owner": "local-athena",
        "LastAccessTime": time.time(),
    }

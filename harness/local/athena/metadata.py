"""Athena's metadata over Glue: the data catalog APIs and `information_schema` rows.

`ListDataCatalogs`, `GetDataCatalog`, `ListDatabases`, `GetDatabase`, `ListTableMetadata` and
`GetTableMetadata` answer in Athena's JSON shapes (a table's storage facts flattened into
`Parameters` as `location`, `inputformat`, `serde.param.*`, ...). The `information_schema` rows are
are in information_schema.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from .errors import AthenaApiError
from .responses import _page, operation
from .views import is_view

DEFAULT_CATALOG = "AwsDataCatalog"


def _glue(b: Any) -> Any:
    return b.layer.glue


def _check_catalog(name: str | None) -> None:
    if (name or DEFAULT_CATALOG).lower() != DEFAULT_CATALOG.lower():
        raise AthenaApiError(f"Catalog {name} not found.", code="MetadataException")


def _database(glue: Any, name: str) -> dict[str, Any]:
    try:
        return glue.get_database(Name=name.lower())["Database"]  # type: ignore[no-any-return]
    except glue.exceptions.EntityNotFoundException:
        raise AthenaApiError(f"Database {name} not found.", code="MetadataException") from None


def _database_api(db: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"Name": db["Name"], "Parameters": dict(db.get("Parameters", {}))}
    if db.get("Description"):
        out["Description"] = db["Description"]
    if db.get("LocationUri"):
        out["Parameters"]["location"] = db["LocationUri"]
    return out


def table_metadata(table: dict[str, Any]) -> dict[str, Any]:
    """Athena's TableMetadata for a Glue table."""
    sd = table.get("StorageDescriptor", {})
    serde = sd.get("SerdeInfo", {})
    params = dict(table.get("Parameters", {}))
    if not is_view(table):
        for key, value in (
            ("location", sd.get("Location")),
            ("inputformat", sd.get("InputFormat")),
            ("outputformat", sd.get("OutputFormat")),
            ("serde.serialization.lib", serde.get("SerializationLibrary")),
        ):
            if value:
                params[key] = value
        for key, value in serde.get("Parameters", {}).items():
            params[f"serde.param.{key}"] = value

    def cols(items: list[dict[str, str]]) -> list[dict[str, str]]:
        return [
            {"Name": c["Name"], "Type": c["Type"], **({"Comment": c["Comment"]} if c.get("Comment") else {})}
            for c in items
        ]

    out: dict[str, Any] = {
        "Name": table["Name"],
        "TableType": table.get("TableType", "EXTERNAL_TABLE"),
        "Columns": cols(sd.get("Columns", [])),
        "PartitionKeys": cols(table.get("PartitionKeys", [])),
        "Parameters": params,
    }
    if table.get("CreateTime"):
        out["CreateTime"] = table["CreateTime"]
    if table.get("LastAccessTime"):
        out["LastAccessTime"] = table["LastAccessTime"]
    return out


@operation("ListDataCatalogs")
def list_data_catalogs(b: Any, p: dict[str, Any]) -> dict[str, Any]:
    items, token = _page([{"CatalogName": DEFAULT_CATALOG, "Type": "GLUE"}], p, 50, 50)
    return {"DataCatalogsSummary": items, **({"NextToken": token} if token else {})}


@operation("GetDataCatalog")
def get_data_catalog(b: Any, p: dict[str, Any]) -> dict[str, Any]:
    _check_catalog(p["Name"])
    return {
        "DataCatalog": {
            "Name": DEFAULT_CATALOG,
            "Description": "AWS Glue Data Catalog",
            "Type": "GLUE",
            "Parameters": {"catalog-id": b.account_id},
        }
    }


@operation("ListDatabases")
def list_databases(b: Any, p: dict[str, Any]) -> dict[str, Any]:
    _check_catalog(p["CatalogName"])
    glue = _glue(b)
    dbs = [
        _database_api(d)
        for page in glue.get_paginator("get_databases").paginate()
        for d in page["DatabaseList"]
    ]
    items, token = _page(sorted(dbs, key=lambda d: d["Name"]), p, 50, 50)
    return {"DatabaseList": items, **({"NextToken": token} if token else {})}


@operation("GetDatabase")
def get_database(b: Any, p: dict[str, Any]) -> dict[str, Any]:
    _check_catalog(p["CatalogName"])
    return {"Database": _database_api(_database(_glue(b), p["DatabaseName"]))}


def _tables(glue: Any, db: str) -> Iterator[dict[str, Any]]:
    for page in glue.get_paginator("get_tables").paginate(DatabaseName=db):
        yield from page.get("TableList", [])


@operation("ListTableMetadata")
def list_table_metadata(b: Any, p: dict[str, Any]) -> dict[str, Any]:
    _check_catalog(p["CatalogName"])
    glue = _glue(b)
    db = _database(glue, p["DatabaseName"])["Name"]
    tables = sorted(_tables(glue, db), key=lambda t: t["Name"])
    expression = p.get("Expression")
    if expression:
        try:
            regex = re.compile(
                expression.replace("*", ".*") if "*" in expression and ".*" not in expression else expression,
                re.I,
            )
        except re.error:
            raise AthenaApiError(f"Invalid expression: {expression}") from None
        tables = [t for t in tables if regex.fullmatch(t["Name"])]
    items, token = _page([table_metadata(t) for t in tables], p, 50, 50)
    return {"TableMetadataList": items, **({"NextToken": token} if token else {})}


@operation("GetTableMetadata")
def get_table_metadata(b: Any, p: dict[str, Any]) -> dict[str, Any]:
    _check_catalog(p["CatalogName"])
    glue = _glue(b)
    db = _database(glue, p["DatabaseName"])["Name"]
    try:
        table = glue.get_table(DatabaseName=db, Name=p["TableName"].lower())["Table"]
    except glue.exceptions.EntityNotFoundException:
        raise AthenaApiError(f"Table {p['TableName']} not found.", code="MetadataException") from None
    return {"TableMetadata": table_metadata(table)}

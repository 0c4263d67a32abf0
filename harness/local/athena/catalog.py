"""Table definitions from the local AWS's Glue Data Catalog."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .errors import QueryFailed
from .types import HiveType, parse_hive_type

JSON_SERDES = ("org.openx.data.jsonserde.JsonSerDe", "org.apache.hive.hcatalog.data.JsonSerDe")
PARQUET_SERDE = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
LAZY_SIMPLE_SERDE = "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"
OPEN_CSV_SERDE = "org.apache.hadoop.hive.serde2.OpenCSVSerde"
PARQUET_INPUT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
PARQUET_OUTPUT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"


@dataclass(frozen=True)
class Column:
    name: str
    type: HiveType
    type_text: str


@dataclass
class TableDef:
    database: str
    name: str
    location: str
    columns: list[Column]
    partition_keys: list[Column]
    serde: str
    serde_params: dict[str, str]
    input_format: str
    parameters: dict[str, str]
    raw: dict[str, Any] = field(repr=False, default_factory=dict)

    @property
    def qualified(self) -> str:
        return f"awsdatacatalog.{self.database}.{self.name}"

    @property
    def format(self) -> str:
        """json, parquet, csv, text, or the SerDe name when the engine cannot read it."""
        serde = self.serde
        if serde in JSON_SERDES:
            return "json"
        if serde == PARQUET_SERDE or "parquet" in self.input_format.lower():
            return "parquet"
        if serde == OPEN_CSV_SERDE:
            return "csv"
        if serde == LAZY_SIMPLE_SERDE or "TextInputFormat" in self.input_format:
            return "text"
        return serde or self.input_format or "unknown"

    @property
    def projection_enabled(self) -> bool:
        return self.parameters.get("projection.enabled", "").lower() == "true"

    def column(self, name: str) -> Column | None:
        for col in [*self.columns, *self.partition_keys]:
            if col.name == name.lower():
                return col
        return None


class GlueCatalog:
    """Reads (and for INSERT/CTAS, writes) table metadata in the local AWS's Glue."""

    def __init__(self, glue_client: Any):
        self.glue = glue_client

    def get_table(self, database: str, name: str) -> TableDef:
        database, name = database.lower(), name.lower()
        try:
            table = self.glue.get_table(DatabaseName=database, Name=name)["Table"]
        except self.glue.exceptions.EntityNotFoundException:
            if not self.database_exists(database):
                raise QueryFailed(f"SCHEMA_NOT_FOUND: Schema '{database}' does not exist") from None
            raise QueryFailed(
                f"TABLE_NOT_FOUND: Table 'awsdatacatalog.{database}.{name}' does not exist"
            ) from None
        return table_from_glue(database, table)

    def database_exists(self, database: str) -> bool:
        try:
            self.glue.get_database(Name=database)
        except self.glue.exceptions.EntityNotFoundException:
            return False
        return True

    def table_exists(self, database: str, name: str) -> bool:
        try:
            self.glue.get_table(DatabaseName=database, Name=name)
        except self.glue.exceptions.EntityNotFoundException:
            return False
        return True

    def partitions(self, table: TableDef) -> list[tuple[list[str], str]]:
        """Registered partitions as (values, location)."""
        out: list[tuple[list[str], str]] = []
        paginator = self.glue.get_paginator("get_partitions")
        for page in paginator.paginate(DatabaseName=table.database, TableName=table.name):
            for part in page.get("Partitions", []):
                out.append((list(part["Values"]), part.get("StorageDescriptor", {}).get("Location", "")))
        return out

    def add_partitions(self, table: TableDef, partitions: list[tuple[list[str], str]]) -> None:
        """Registers partitions an INSERT wrote; existing ones are left as they are."""
        known = {tuple(values) for values, _ in self.partitions(table)}
        fresh = [(v, loc) for v, loc in partitions if tuple(v) not in known]
        sd = dict(table.raw.get("StorageDescriptor", {}))
        for i in range(0, len(fresh), 100):
            inputs = []
            for values, location in fresh[i : i + 100]:
                part_sd = {**sd, "Location": location}
                inputs.append({"Values": values, "StorageDescriptor": part_sd})
            resp = self.glue.batch_create_partition(
                DatabaseName=table.database, TableName=table.name, PartitionInputList=inputs
            )
            errors = [
                e for e in resp.get("Errors", []) if e["ErrorDetail"]["ErrorCode"] != "AlreadyExistsException"
            ]
            if errors:
                detail = errors[0]["ErrorDetail"]
                raise QueryFailed(
                    f"HIVE_METASTORE_ERROR: {detail['ErrorCode']}: {detail.get('ErrorMessage', '')}"
                )

    def create_table(self, database: str, table_input: dict[str, Any]) -> None:
        self.glue.create_table(DatabaseName=database, TableInput=table_input)

    def drop_table(self, database: str, name: str) -> None:
        self.glue.delete_table(DatabaseName=database, Name=name)


def table_from_glue(database: str, table: dict[str, Any]) -> TableDef:
    sd = table.get("StorageDescriptor", {})
    serde = sd.get("SerdeInfo", {})

    def cols(items: list[dict[str, str]]) -> list[Column]:
        return [Column(c["Name"].lower(), parse_hive_type(c["Type"]), c["Type"]) for c in items]

    return TableDef(
        database=database,
        name=table["Name"].lower(),
        location=sd.get("Location", ""),
        columns=cols(sd.get("Columns", [])),
        partition_keys=cols(table.get("PartitionKeys", [])),
        serde=serde.get("SerializationLibrary", ""),
        serde_params=dict(serde.get("Parameters", {})),
        input_format=sd.get("InputFormat", ""),
        parameters=dict(table.get("Parameters", {})),
        raw=table,
    )

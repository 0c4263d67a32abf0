"""Athena's Hive DDL engine, locally: DDL and SHOW/DESCRIBE statements executed against Glue and S3.

Athena runs these outside Trino, so they behave the same whichever engine answers queries. Tables are
written into Glue the way Athena writes them (SerDe, input/output formats, `EXTERNAL`, the Hive
`colelction.delim` spelling included), so both engines, `SHOW CREATE TABLE` and the metadata APIs
read them back alike. A statement either completes or changes nothing in Glue: it is validated
before the first write.
"""

from __future__ import annotations

import fnmatch
import re
import time
from collections.abc import Iterator
from typing import Any

from . import hive
from .catalog import (
    JSON_SERDES,
    LAZY_SIMPLE_SERDE,
    PARQUET_INPUT,
    PARQUET_OUTPUT,
    PARQUET_SERDE,
)
from .errors import QueryFailed
from .results import ResultSet
from .s3io import S3Io, split_uri
from .types import parse_hive_type

TEXT_INPUT = "org.apache.hadoop.mapred.TextInputFormat"
TEXT_OUTPUT = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
ORC = (
    "org.apache.hadoop.hive.ql.io.orc.OrcInputFormat",
    "org.apache.hadoop.hive.ql.io.orc.OrcOutputFormat",
    "org.apache.hadoop.hive.ql.io.orc.OrcSerde",
)
AVRO = (
    "org.apache.hadoop.hive.ql.io.avro.AvroContainerInputFormat",
    "org.apache.hadoop.hive.ql.io.avro.AvroContainerOutputFormat",
    "org.apache.hadoop.hive.serde2.avro.AvroSerDe",
)
# STORED AS <name> -> (InputFormat, OutputFormat, default SerDe), as Hive (and so Athena) expands them.
STORED_AS = {
    "TEXTFILE": (TEXT_INPUT, TEXT_OUTPUT, LAZY_SIMPLE_SERDE),
    "PARQUET": (PARQUET_INPUT, PARQUET_OUTPUT, PARQUET_SERDE),
    "ORC": ORC,
    "AVRO": AVRO,
    "JSONFILE": (TEXT_INPUT, TEXT_OUTPUT, "org.apache.hive.hcatalog.data.JsonSerDe"),
    "SEQUENCEFILE": (
        "org.apache.hadoop.mapred.SequenceFileInputFormat",
        "org.apache.hadoop.hive.ql.io.HiveSequenceFileOutputFormat",
        LAZY_SIMPLE_SERDE,
    ),
    "RCFILE": (
        "org.apache.hadoop.hive.ql.io.RCFileInputFormat",
        "org.apache.hadoop.hive.ql.io.RCFileOutputFormat",
        "org.apache.hadoop.hive.serde2.columnar.LazyBinaryColumnarSerDe",
    ),
}
OPENX_JSON_SERDE = "org.openx.data.jsonserde.JsonSerDe"
_DELIMITED_CLAUSES = (
    ("field.delim", "FIELDS TERMINATED BY"),
    ("escape.delim", "ESCAPED BY"),
    ("colelction.delim", "COLLECTION ITEMS TERMINATED BY"),
    ("mapkey.delim", "MAP KEYS TERMINATED BY"),
    ("line.delim", "LINES TERMINATED BY"),
    ("serialization.null.format", "NULL DEFINED AS"),
)
ALIGNMENT = 20  # Hive pads DESCRIBE / SHOW COLUMNS fields to this width
_ICEBERG = re.compile(r"'table_type'\s*=\s*'iceberg'", re.I)


def text_result(column: str, rows: list[str]) -> ResultSet:
    """A DDL result as Athena returns it: one string column, no header row, a .txt result file."""
    info = {
        "CatalogName": "hive",
        "SchemaName": "",
        "TableName": "",
        "Name": column,
        "Label": column,
        "Type": "string",
        "Precision": 0,
        "Scale": 0,
        "Nullable": "UNKNOWN",
        "CaseSensitive": False,
    }
    return ResultSet([info], [[r] for r in rows], header=False)


def _no_result() -> ResultSet:
    """CREATE/DROP/ALTER: Athena returns no columns and an empty .txt result."""
    return ResultSet([], [], header=False)


def hive_pattern(pattern: str) -> re.Pattern[str]:
    """SHOW TABLES/DATABASES patterns: `*` any characters, `|` alternatives, case-insensitive."""
    parts = [fnmatch.translate(p.strip()).replace(".*", ".*") for p in pattern.split("|")]
    return re.compile("|".join(f"(?:{p})" for p in parts), re.I)


class HiveDdl:
    """Executes one parsed Hive statement against the local AWS's Glue (and S3 for MSCK)."""

    def __init__(self, glue: Any, s3: S3Io):
        self.glue = glue
        self.s3 = s3

    def execute(self, sql: str, database: str | None) -> ResultSet:
        if _ICEBERG.search(sql):
            raise QueryFailed("NOT_SUPPORTED: Iceberg tables are not supported by the local Athena engine")
        stmt = hive.parse(sql)
        handler = getattr(self, "_" + type(stmt).__name__)
        return handler(stmt, database)  # type: ignore[no-any-return]

    # --- lookups -------------------------------------------------------------------------------------

    def _db(self, given: str | None, default: str | None) -> str:
        db = (given or default or "default").lower()
        return db

    def database(self, name: str) -> dict[str, Any]:
        try:
            return self.glue.get_database(Name=name)["Database"]  # type: ignore[no-any-return]
        except self.glue.exceptions.EntityNotFoundException:
            raise QueryFailed(
                f"FAILED: SemanticException [Error 10072]: Database does not exist: {name}"
            ) from None

    def table(self, db: str, name: str) -> dict[str, Any]:
        self.database(db)
        try:
            return self.glue.get_table(DatabaseName=db, Name=name)["Table"]  # type: ignore[no-any-return]
        except self.glue.exceptions.EntityNotFoundException:
            raise QueryFailed(
                f"FAILED: SemanticException [Error 10001]: Table not found {db}.{name}"
            ) from None

    def tables(self, db: str) -> Iterator[dict[str, Any]]:
        for page in self.glue.get_paginator("get_tables").paginate(DatabaseName=db):
            yield from page.get("TableList", [])

    def databases(self) -> Iterator[dict[str, Any]]:
        for page in self.glue.get_paginator("get_databases").paginate():
            yield from page.get("DatabaseList", [])

    def partitions(self, db: str, name: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for page in self.glue.get_paginator("get_partitions").paginate(DatabaseName=db, TableName=name):
            out.extend(page.get("Partitions", []))
        return out

    # --- databases -----------------------------------------------------------------------------------

    def _CreateDatabase(self, s: hive.CreateDatabase, _: str | None) -> ResultSet:
        db_input: dict[str, Any] = {"Name": s.name, "Parameters": dict(s.properties)}
        if s.comment is not None:
            db_input["Description"] = s.comment
        if s.location is not None:
            _check_location(s.location)
            db_input["LocationUri"] = hive_path(s.location)
        try:
            self.glue.create_database(DatabaseInput=db_input)
        except self.glue.exceptions.AlreadyExistsException:
            if not s.if_not_exists:
                raise QueryFailed(
                    "FAILED: Execution Error, return code 1 from org.apache.hadoop.hive.ql.exec.DDLTask. "
                    f"Database {s.name} already exists"
                ) from None
        return _no_result()

    def _DropDatabase(self, s: hive.DropDatabase, _: str | None) -> ResultSet:
        try:
            self.glue.get_database(Name=s.name)
        except self.glue.exceptions.EntityNotFoundException:
            if s.if_exists:
                return _no_result()
            raise QueryFailed(
                f"FAILED: SemanticException [Error 10072]: Database does not exist: {s.name}"
            ) from None
        names = [t["Name"] for t in self.tables(s.name)]
        if names and not s.cascade:
            raise QueryFailed(
                "FAILED: Execution Error, return code 1 from org.apache.hadoop.hive.ql.exec.DDLTask. "
                f"InvalidOperationException(message:Database {s.name} is not empty. "
                "One or more tables exist.)"
            )
        for i in range(0, len(names), 100):
            self.glue.batch_delete_table(DatabaseName=s.name, TablesToDelete=names[i : i + 100])
        self.glue.delete_database(Name=s.name)
        return _no_result()

    # --- tables --------------------------------------------------------------------------------------

    def _CreateTable(self, s: hive.CreateTable, default: str | None) -> ResultSet:
        db = self._db(s.database, default)
        self.database(db)
        table_input = table_input_for(s)
        try:
            self.glue.create_table(DatabaseName=db, TableInput=table_input)
        except self.glue.exceptions.AlreadyExistsException:
            if not s.if_not_exists:
                raise QueryFailed(
                    "FAILED: Execution Error, return code 1 from org.apache.hadoop.hive.ql.exec.DDLTask. "
                    f"AlreadyExistsException(message:Table {s.name} already exists)"
                ) from None
        return _no_result()

    def _DropTable(self, s: hive.DropTable, default: str | None) -> ResultSet:
        db = self._db(s.database, default)
        try:
            self.glue.get_table(DatabaseName=db, Name=s.name)
        except self.glue.exceptions.EntityNotFoundException:
            if s.if_exists:
                return _no_result()
            self.database(db)
            raise QueryFailed(
                f"FAILED: SemanticException [Error 10001]: Table not found {db}.{s.name}"
            ) from None
        self.glue.delete_table(DatabaseName=db, Name=s.name)  # external: the data stays in S3
        return _no_result()

    def _SetTableProperties(self, s: hive.SetTableProperties, default: str | None) -> ResultSet:
        db = self._db(s.database, default)
        table = self.table(db, s.name)
        params = {**table.get("Parameters", {}), **s.properties}
        self.glue.update_table(DatabaseName=db, TableInput={**_table_input(table), "Parameters": params})
        return _no_result()

    # --- partitions ----------------------------------------------------------------------------------

    def _partition_values(self, table: dict[str, Any], spec: hive.PartitionSpec, full: bool) -> list[str]:
        keys = [k["Name"].lower() for k in table.get("PartitionKeys", [])]
        unknown = [k for k in spec.values if k not in keys]
        if unknown or not keys:
            raise QueryFailed(
                "FAILED: SemanticException [Error 10098]: Partition spec is invalid; field "
                f"{unknown[0] if unknown else next(iter(spec.values))} does not exist or is empty"
            )
        if full and len(spec.values) != len(keys):
            raise QueryFailed(
                "FAILED: SemanticException [Error 10006]: Partition not found "
                + ", ".join(f"{k}={v}" for k, v in spec.values.items())
            )
        for k in table.get("PartitionKeys", []):
            value = spec.values.get(k["Name"].lower())
            if value is not None:
                _check_partition_value(k["Type"], value)
        return [spec.values.get(k, "") for k in keys]

    def _AddPartitions(self, s: hive.AddPartitions, default: str | None) -> ResultSet:
        db = self._db(s.database, default)
        table = self.table(db, s.name)
        existing = {tuple(p["Values"]) for p in self.partitions(db, s.name)}
        sd = table.get("StorageDescriptor", {})
        keys = [k["Name"].lower() for k in table.get("PartitionKeys", [])]
        inputs: list[dict[str, Any]] = []
        seen: set[tuple[str, ...]] = set()
        for spec in s.partitions:
            values = self._partition_values(table, spec, full=True)
            if tuple(values) in existing or tuple(values) in seen:
                if s.if_not_exists:
                    continue
                raise QueryFailed(
                    "FAILED: Execution Error, return code 1 from org.apache.hadoop.hive.ql.exec.DDLTask. "
                    "AlreadyExistsException(message:Partition already exists: "
                    + ", ".join(f"{k}={v}" for k, v in zip(keys, values, strict=True))
                    + ")"
                )
            seen.add(tuple(values))
            location = hive_path(
                spec.location
                or _slash(sd.get("Location", ""))
                + "/".join(f"{k}={v}" for k, v in zip(keys, values, strict=True))
            )
            if spec.location:
                _check_location(spec.location)
            inputs.append({"Values": values, "StorageDescriptor": {**_sd_input(sd), "Location": location}})
        for i in range(0, len(inputs), 100):
            resp = self.glue.batch_create_partition(
                DatabaseName=db, TableName=s.name, PartitionInputList=inputs[i : i + 100]
            )
            if resp.get("Errors"):
                detail = resp["Errors"][0]["ErrorDetail"]
                raise QueryFailed(f"FAILED: {detail['ErrorCode']}: {detail.get('ErrorMessage', '')}")
        return _no_result()

    def _DropPartitions(self, s: hive.DropPartitions, default: str | None) -> ResultSet:
        db = self._db(s.database, default)
        table = self.table(db, s.name)
        keys = [k["Name"].lower() for k in table.get("PartitionKeys", [])]
        existing = [tuple(p["Values"]) for p in self.partitions(db, s.name)]
        doomed: list[tuple[str, ...]] = []
        for spec in s.partitions:
            self._partition_values(table, spec, full=False)
            matches = [
                v
                for v in existing
                if all(v[keys.index(k)] == _normalise(table, k, val) for k, val in spec.values.items())
            ]
            if not matches and not s.if_exists:
                raise QueryFailed(
                    "FAILED: SemanticException [Error 10006]: Partition not found ("
                    + " and ".join(f"{k} = {_sql_value(v)}" for k, v in spec.values.items())
                    + ")"
                )
            doomed.extend(m for m in matches if m not in doomed)
        for i in range(0, len(doomed), 25):
            self.glue.batch_delete_partition(
                DatabaseName=db,
                TableName=s.name,
                PartitionsToDelete=[{"Values": list(v)} for v in doomed[i : i + 25]],
            )
        return _no_result()

    def _RepairTable(self, s: hive.RepairTable, default: str | None) -> ResultSet:
        """MSCK REPAIR TABLE: registers the Hive-style partition folders found under the table."""
        db = self._db(s.database, default)
        table = self.table(db, s.name)
        keys = [k["Name"].lower() for k in table.get("PartitionKeys", [])]
        if not keys:
            raise QueryFailed(
                f"FAILED: SemanticException [Error 10001]: Table {s.name} is not a partitioned table"
            )
        location = _slash(table.get("StorageDescriptor", {}).get("Location", ""))
        pattern = re.compile(
            re.escape(location) + "/".join(f"{re.escape(k)}=([^/]+)" for k in keys) + "/", re.I
        )
        found: dict[tuple[str, ...], str] = {}
        for obj in self.s3.list_files(location):
            m = pattern.match(obj.uri)
            if m:
                from urllib.parse import unquote

                found.setdefault(tuple(unquote(v) for v in m.groups()), m.group(0))
        existing = {tuple(p["Values"]) for p in self.partitions(db, s.name)}
        fresh = sorted(v for v in found if v not in existing)
        sd = table.get("StorageDescriptor", {})
        lines: list[str] = []
        if fresh:
            names = ["/".join(f"{k}={v}" for k, v in zip(keys, values, strict=True)) for values in fresh]
            lines.append("Partitions not in metastore:\t" + "\t".join(f"{s.name}:{n}" for n in names))
            inputs = [
                {"Values": list(v), "StorageDescriptor": {**_sd_input(sd), "Location": hive_path(found[v])}}
                for v in fresh
            ]
            for i in range(0, len(inputs), 100):
                self.glue.batch_create_partition(
                    DatabaseName=db, TableName=s.name, PartitionInputList=inputs[i : i + 100]
                )
            lines.extend(f"Repair: Added partition to metastore {s.name}:{n}" for n in names)
        return text_result("result", lines)

    # --- SHOW / DESCRIBE -----------------------------------------------------------------------------

    def _Show(self, s: hive.Show, default: str | None) -> ResultSet:
        if s.what == "DATABASES":
            names = sorted(d["Name"] for d in self.databases())
            if s.pattern:
                names = [n for n in names if hive_pattern(s.pattern).fullmatch(n)]
            return text_result("database_name", names)
        db = self._db(s.database, default)
        if s.what in ("TABLES", "VIEWS"):
            self.database(db)
            tables = list(self.tables(db))
            if s.what == "VIEWS":
                tables = [t for t in tables if t.get("TableType") == "VIRTUAL_VIEW"]
            names = sorted(t["Name"] for t in tables)
            if s.pattern:
                names = [n for n in names if hive_pattern(s.pattern).fullmatch(n)]
            return text_result("tab_name" if s.what == "TABLES" else "views", names)
        assert s.name is not None
        table = self.table(db, s.name)
        if s.what == "COLUMNS":
            cols = [*table.get("StorageDescriptor", {}).get("Columns", []), *table.get("PartitionKeys", [])]
            return text_result("field", [c["Name"].ljust(ALIGNMENT) for c in cols])
        if s.what == "PARTITIONS":
            keys = [k["Name"] for k in table.get("PartitionKeys", [])]
            if not keys:
                raise QueryFailed(
                    f"FAILED: SemanticException [Error 10241]: Table {s.name} is not a partitioned table"
                )
            if table.get("Parameters", {}).get("projection.enabled", "").lower() == "true":
                return text_result("partition", [])  # projected partitions are not in the catalog
            rows = sorted(
                "/".join(f"{k}={v}" for k, v in zip(keys, p["Values"], strict=True))
                for p in self.partitions(db, s.name)
            )
            return text_result("partition", rows)
        if s.what == "TBLPROPERTIES":
            params = table.get("Parameters", {})
            if s.property is not None:
                if s.property not in params:
                    return text_result(
                        "prpt_name", [f"Table {db}.{s.name} does not have property: {s.property}"]
                    )
                return text_result("prpt_name", [params[s.property]])
            return text_result("prpt_name", [f"{k}\t{v}" for k, v in sorted(params.items())])
        if s.what in ("CREATE_TABLE", "CREATE_VIEW"):
            if table.get("TableType") == "VIRTUAL_VIEW":
                from .views import decode_view

                view = decode_view(table)
                text = f"CREATE VIEW {db}.{s.name} AS\n{view['originalSql']}"
                return text_result("createtab_stmt", text.split("\n"))
            if s.what == "CREATE_VIEW":
                raise QueryFailed(f"FAILED: SemanticException {db}.{s.name} is not a view")
            return text_result("createtab_stmt", show_create_table(db, table).split("\n"))
        raise QueryFailed(f"NOT_SUPPORTED: SHOW {s.what} is not supported by the local Athena engine")

    def _Describe(self, s: hive.Describe, default: str | None) -> ResultSet:
        db = self._db(s.database, default)
        table = self.table(db, s.name)
        cols = table.get("StorageDescriptor", {}).get("Columns", [])
        keys = table.get("PartitionKeys", [])

        def row(name: str, ctype: str, comment: str | None) -> str:
            return f"{name.ljust(ALIGNMENT)}\t{ctype.ljust(ALIGNMENT)}\t{(comment or '').ljust(ALIGNMENT)}"

        if s.column:
            match = [c for c in [*cols, *keys] if c["Name"].lower() == s.column]
            if not match:
                raise QueryFailed(
                    f"FAILED: SemanticException [Error 10002]: Invalid column reference {s.column}"
                )
            return text_result("col_name", [row(c["Name"], c["Type"], c.get("Comment")) for c in match])
        lines: list[str] = []
        if s.mode == "FORMATTED":
            lines += [row("# col_name", "data_type", "comment"), ""]
        lines += [row(c["Name"], c["Type"], c.get("Comment")) for c in [*cols, *keys]]
        if keys:
            lines += ["", "# Partition Information", row("# col_name", "data_type", "comment"), ""]
            lines += [row(c["Name"], c["Type"], c.get("Comment")) for c in keys]
        if s.mode == "FORMATTED":
            sd = table.get("StorageDescriptor", {})
            serde = sd.get("SerdeInfo", {})
            lines += [
                "",
                "# Detailed Table Information",
                f"Database:           \t{db}",
                f"Owner:              \t{table.get('Owner', 'hadoop')}",
                f"Table Type:         \t{table.get('TableType', 'EXTERNAL_TABLE')}",
                f"Location:           \t{sd.get('Location', '')}",
                "Table Parameters:",
            ]
            lines += [f"\t{k.ljust(ALIGNMENT)}\t{v}" for k, v in sorted(table.get("Parameters", {}).items())]
            lines += [
                "",
                "# Storage Information",
                f"SerDe Library:      \t{serde.get('SerializationLibrary', '')}",
                f"InputFormat:        \t{sd.get('InputFormat', '')}",
                f"OutputFormat:       \t{sd.get('OutputFormat', '')}",
                "Storage Desc Params:",
            ]
            lines += [f"\t{k.ljust(ALIGNMENT)}\t{v}" for k, v in sorted(serde.get("Parameters", {}).items())]
        return text_result("col_name", lines)


# --- Glue shapes ---------------------------------------------------------------------------------------


def table_input_for(s: hive.CreateTable) -> dict[str, Any]:
    """The Glue TableInput Athena writes for a CREATE EXTERNAL TABLE."""
    is_iceberg = s.properties.get("table_type", "").upper() == "ICEBERG"
    if is_iceberg:
        raise QueryFailed("NOT_SUPPORTED: Iceberg tables are not supported by the local Athena engine")
    if not s.external:
        raise QueryFailed(
            "FAILED: SemanticException Only external tables are supported: use CREATE EXTERNAL TABLE "
            "(or TBLPROPERTIES ('table_type'='ICEBERG'))"
        )
    if not s.columns:
        raise QueryFailed(
            "FAILED: SemanticException [Error 10043]: "
            "Either list of columns or a custom serializer should be specified"
        )
    if s.location is None:
        raise QueryFailed(
            "FAILED: SemanticException Athena requires a LOCATION for an external table (s3://bucket/folder/)"
        )
    _check_location(s.location)
    names = [c.name for c in [*s.columns, *s.partitions]]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise QueryFailed(f"FAILED: SemanticException [Error 10036]: Duplicate column name: {dupes[0]}")
    for c in [*s.columns, *s.partitions]:
        parse_hive_type(c.type)
    if s.stored_as and s.stored_as not in STORED_AS:
        raise QueryFailed(
            f"FAILED: SemanticException Unrecognized file format in STORED AS clause: '{s.stored_as}'"
        )
    in_fmt, out_fmt, default_serde = STORED_AS[s.stored_as or "TEXTFILE"]
    if not s.stored_as and not s.input_format and s.serde == OPENX_JSON_SERDE:
        # What Athena records for the OpenX JSON SerDe without STORED AS (PyAthena's tests read it back).
        out_fmt = "org.apache.hadoop.hive.ql.io.IgnoreKeyTextOutputFormat"
    if s.input_format:
        in_fmt, out_fmt = s.input_format, s.output_format or out_fmt
        default_serde = LAZY_SIMPLE_SERDE
    serde = s.serde or default_serde
    serde_params: dict[str, str]
    if s.delimited:
        serde = LAZY_SIMPLE_SERDE
        serde_params = {_collection_key(k): v for k, v in s.delimited.items()}
        if "field.delim" in serde_params:
            serde_params["serialization.format"] = serde_params["field.delim"]
    elif s.serde:
        serde_params = dict(s.serde_properties)
    else:
        serde_params = {"serialization.format": "1", **s.serde_properties}
    params = {"EXTERNAL": "TRUE", **s.properties, "transient_lastDdlTime": str(int(time.time()))}
    if s.comment is not None:
        params["comment"] = " ".join(s.comment.split())  # Athena keeps comments with whitespace squashed

    def col(c: hive.ColumnSpec) -> dict[str, str]:
        out = {"Name": c.name, "Type": c.type}
        if c.comment is not None:
            out["Comment"] = c.comment
        return out

    sd: dict[str, Any] = {
        "Columns": [col(c) for c in s.columns],
        "Location": hive_path(s.location),
        "InputFormat": in_fmt,
        "OutputFormat": out_fmt,
        "Compressed": False,
        "NumberOfBuckets": s.buckets[1] if s.buckets else -1,
        "SerdeInfo": {"SerializationLibrary": serde, "Parameters": serde_params},
        "BucketColumns": s.buckets[0] if s.buckets else [],
        "SortColumns": [],
        "StoredAsSubDirectories": False,
    }
    return {
        "Name": s.name,
        "Owner": "hadoop",
        "Retention": 0,
        "TableType": "EXTERNAL_TABLE",
        "PartitionKeys": [col(c) for c in s.partitions],
        "Parameters": params,
        "StorageDescriptor": sd,
    }


def _collection_key(key: str) -> str:
    return "colelction.delim" if key == "collection.delim" else key


_TABLE_INPUT_KEYS = (
    "Name",
    "Description",
    "Owner",
    "Retention",
    "StorageDescriptor",
    "PartitionKeys",
    "ViewOriginalText",
    "ViewExpandedText",
    "TableType",
    "Parameters",
)
_SD_INPUT_KEYS = (
    "Columns",
    "Location",
    "InputFormat",
    "OutputFormat",
    "Compressed",
    "NumberOfBuckets",
    "SerdeInfo",
    "BucketColumns",
    "SortColumns",
    "Parameters",
    "StoredAsSubDirectories",
)


def _table_input(table: dict[str, Any]) -> dict[str, Any]:
    out = {k: table[k] for k in _TABLE_INPUT_KEYS if k in table}
    if "StorageDescriptor" in out:
        out["StorageDescriptor"] = _sd_input(out["StorageDescriptor"])
    return out


def _sd_input(sd: dict[str, Any]) -> dict[str, Any]:
    return {k: sd[k] for k in _SD_INPUT_KEYS if k in sd}


def hive_path(uri: str) -> str:
    """Hive keeps locations as normalised paths: without the trailing slash."""
    return uri.rstrip("/") if uri.count("/") > 2 else uri


def _slash(uri: str) -> str:
    return uri if uri.endswith("/") else uri + "/"


def _check_location(location: str) -> None:
    try:
        split_uri(location)
    except ValueError:
        raise QueryFailed(
            f"FAILED: SemanticException Location '{location}' is not a valid S3 location "
            "(expected s3://bucket/folder/)"
        ) from None


def _check_partition_value(hive_type: str, value: str) -> None:
    t = parse_hive_type(hive_type).name
    ok = True
    if t in ("tinyint", "smallint", "int", "bigint"):
        ok = re.fullmatch(r"-?\d+", value) is not None
    elif t in ("float", "double", "decimal"):
        ok = re.fullmatch(r"-?\d+(\.\d*)?([eE][-+]?\d+)?", value) is not None
    elif t == "date":
        ok = re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) is not None
    if not ok:
        raise QueryFailed(
            f"FAILED: SemanticException [Error 10248]: Cannot add partition column of type {hive_type} "
            f"with value '{value}'"
        )


def _normalise(table: dict[str, Any], key: str, value: str) -> str:
    return value


def _sql_value(value: str) -> str:
    return value if re.fullmatch(r"-?\d+(\.\d+)?", value) else f"'{value}'"


def _quote(text: str) -> str:
    out = text.replace("\\", "\\\\").replace("'", "\\'")
    out = out.replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return "'" + re.sub(r"[\x00-\x1f]", lambda m: f"\\u{ord(m.group(0)):04x}", out) + "'"


def show_create_table(db: str, table: dict[str, Any]) -> str:
    """SHOW CREATE TABLE as Athena prints it; it parses back into the same table."""
    sd = table.get("StorageDescriptor", {})
    serde = sd.get("SerdeInfo", {})
    params = dict(table.get("Parameters", {}))

    def cols(items: list[dict[str, str]]) -> str:
        return ", \n".join(
            f"  `{c['Name']}` {c['Type']}" + (f" COMMENT {_quote(c['Comment'])}" if c.get("Comment") else "")
            for c in items
        )

    kind = "EXTERNAL TABLE" if table.get("TableType", "EXTERNAL_TABLE") == "EXTERNAL_TABLE" else "TABLE"
    lines = [f"CREATE {kind} `{db}.{table['Name']}`(", cols(sd.get("Columns", [])) + ")"]
    comment = params.pop("comment", None)
    if comment is not None:
        lines.append(f"COMMENT {_quote(comment)}")
    if table.get("PartitionKeys"):
        lines += ["PARTITIONED BY ( ", cols(table["PartitionKeys"]) + ")"]
    if sd.get("BucketColumns"):
        lines += [
            "CLUSTERED BY ( ",
            ", \n".join(f"  {c}" for c in sd["BucketColumns"]) + ") ",
            f"INTO {sd.get('NumberOfBuckets')} BUCKETS",
        ]
    lib = serde.get("SerializationLibrary", "")
    sparams = dict(serde.get("Parameters", {}))
    delimited = lib == LAZY_SIMPLE_SERDE and any(k for k, _ in _DELIMITED_CLAUSES if k in sparams)
    if delimited:
        lines.append("ROW FORMAT DELIMITED ")
        for key, clause in _DELIMITED_CLAUSES:
            if key in sparams:
                lines.append(f"  {clause} {_quote(sparams[key])} ")
        extra = {
            k: v
            for k, v in sparams.items()
            if k not in dict(_DELIMITED_CLAUSES)
            and not (k == "serialization.format" and v == sparams.get("field.delim"))
        }
        if extra:
            lines += ["WITH SERDEPROPERTIES ( ", _props(extra) + ") "]
    else:
        lines += ["ROW FORMAT SERDE ", f"  {_quote(lib)} "]
        if sparams:
            lines += ["WITH SERDEPROPERTIES ( ", _props(sparams) + ") "]
    lines += [
        "STORED AS INPUTFORMAT ",
        f"  {_quote(sd.get('InputFormat', ''))} ",
        "OUTPUTFORMAT ",
        f"  {_quote(sd.get('OutputFormat', ''))}",
        "LOCATION",
        f"  {_quote(sd.get('Location', ''))}",
    ]
    params.pop("EXTERNAL", None)
    if params:
        lines += ["TBLPROPERTIES (", _props(params) + ")"]
    return "\n".join(lines)


def _props(items: dict[str, str]) -> str:
    return ", \n".join(f"  {_quote(k)}={_quote(v)}" for k, v in sorted(items.items()))


def is_json_serde(serde: str) -> bool:
    return serde in JSON_SERDES

"""Views in Athena's stored format, UNLOAD, information_schema, the metadata APIs, statistics, reuse."""

from __future__ import annotations

import base64
import io
import json
import time
from typing import Any

import botocore.exceptions
import pyarrow.parquet as pq
import pytest

from .conftest import Lake, fetch_rows, wait


def ok(lake: Lake, sql: str) -> dict[str, Any]:
    qe = lake.query(sql)
    assert qe["Status"]["State"] == "SUCCEEDED", qe["Status"]
    return qe


def failed(lake: Lake, sql: str) -> str:
    qe = lake.query(sql)
    assert qe["Status"]["State"] == "FAILED", qe["Status"]
    return str(qe["Status"]["StateChangeReason"])


def text_table(lake: Lake, name: str, columns: str, body: bytes) -> None:
    lake.s3.put_object(Bucket=lake.raw, Key=f"{name}/data.tsv", Body=body)
    ok(
        lake,
        f"CREATE EXTERNAL TABLE {name} ({columns}) ROW FORMAT DELIMITED FIELDS TERMINATED BY '\\t' "
        f"STORED AS TEXTFILE LOCATION 's3://{lake.raw}/{name}/'",
    )


def test_view_is_stored_in_athenas_format_and_read_back(lake: Lake) -> None:
    text_table(lake, "base", "n INT, s STRING", b"1\ta\n2\tb\n")
    created = ok(
        lake, f"CREATE OR REPLACE VIEW {lake.database}.v AS SELECT n * 10 AS m, s FROM base WHERE n > 1"
    )
    assert (created["StatementType"], created["SubstatementType"]) == ("DDL", "CREATE_VIEW")
    table = lake.glue.get_table(DatabaseName=lake.database, Name="v")["Table"]
    assert table["TableType"] == "VIRTUAL_VIEW"
    assert table["Parameters"]["presto_view"] == "true"
    text = table["ViewOriginalText"]
    assert text.startswith("/* Presto View: ") and text.endswith(" */")
    doc = json.loads(base64.b64decode(text[len("/* Presto View: ") : -3]))
    assert doc["originalSql"] == "SELECT n * 10 AS m, s FROM base WHERE n > 1"
    assert doc["catalog"] == "awsdatacatalog" and doc["schema"] == lake.database
    assert doc["columns"] == [{"name": "m", "type": "integer"}, {"name": "s", "type": "varchar"}]
    assert [(c["Name"], c["Type"]) for c in table["StorageDescriptor"]["Columns"]] == [
        ("m", "int"),
        ("s", "string"),
    ]
    assert lake.rows("SELECT m, s FROM v") == [["20", "b"]]
    # A view resolves names in its own schema, whatever the query's default database is.
    qid = lake.athena.start_query_execution(
        QueryString=f"SELECT count(*) AS c FROM {lake.database}.v", WorkGroup=lake.workgroup
    )["QueryExecutionId"]
    assert wait(lake.athena, qid)["Status"]["State"] == "SUCCEEDED"
    assert fetch_rows(lake.athena, qid) == [["1"]]
    assert "already exists" in failed(lake, "CREATE VIEW v AS SELECT 1 AS x")
    ok(lake, "CREATE OR REPLACE VIEW v AS SELECT 1 AS x")
    assert lake.rows("SELECT x FROM v") == [["1"]]
    assert "Column name not specified at position 1" in failed(lake, "CREATE VIEW w AS SELECT 1")
    ok(lake, "DROP VIEW v")
    assert "does not exist" in failed(lake, "DROP VIEW v")
    ok(lake, "DROP VIEW IF EXISTS v")


def test_unload_writes_parquet_and_a_manifest(lake: Lake) -> None:
    target = f"s3://{lake.gold}/unload/run1/"
    qe = ok(
        lake,
        f"UNLOAD (SELECT x, x % 2 AS odd FROM UNNEST(sequence(1, 5)) AS t(x)) TO '{target}' "
        "WITH (format = 'PARQUET', compression = 'SNAPPY', partitioned_by = ARRAY['odd'])",
    )
    assert (qe["StatementType"], qe["SubstatementType"]) == ("DML", "UNLOAD")
    manifest = qe["Statistics"]["DataManifestLocation"]
    bucket, key = manifest[len("s3://") :].split("/", 1)
    files = lake.s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode().split()
    assert len(files) == 2 and all(f.startswith(target + "odd=") for f in files)
    values = []
    for f in files:
        b, k = f[len("s3://") :].split("/", 1)
        values += pq.read_table(io.BytesIO(lake.s3.get_object(Bucket=b, Key=k)["Body"].read()))[
            "x"
        ].to_pylist()
    assert sorted(values) == [1, 2, 3, 4, 5]
    rows = lake.athena.get_query_results(QueryExecutionId=qe["QueryExecutionId"])
    assert rows["UpdateCount"] == 5
    # The target of an unpartitioned UNLOAD must be empty.
    assert "HIVE_PATH_ALREADY_EXISTS" in failed(
        lake, f"UNLOAD (SELECT 1 AS a) TO '{target}' WITH (format='PARQUET')"
    )
    assert "format" in failed(
        lake, f"UNLOAD (SELECT 1 AS a) TO 's3://{lake.gold}/u2/' WITH (compression='GZIP')"
    )


def test_unload_json_and_textfile(lake: Lake) -> None:
    ok(
        lake,
        f"UNLOAD (SELECT 1 AS a, 'x' AS b) TO 's3://{lake.gold}/uj/' "
        "WITH (format = 'JSON', compression = 'NONE')",
    )
    keys = [o["Key"] for o in lake.s3.list_objects_v2(Bucket=lake.gold, Prefix="uj/")["Contents"]]
    body = lake.s3.get_object(Bucket=lake.gold, Key=keys[0])["Body"].read()
    assert json.loads(body) == {"a": 1, "b": "x"}
    ok(
        lake,
        f"UNLOAD (SELECT 1 AS a, CAST(NULL AS varchar) AS b) TO 's3://{lake.gold}/ut/' "
        "WITH (format = 'TEXTFILE', field_delimiter = ',', compression = 'NONE')",
    )
    keys = [o["Key"] for o in lake.s3.list_objects_v2(Bucket=lake.gold, Prefix="ut/")["Contents"]]
    assert lake.s3.get_object(Bucket=lake.gold, Key=keys[0])["Body"].read() == b"1,\\N\n"


def test_information_schema_over_glue(lake: Lake) -> None:
    ok(lake, "CREATE OR REPLACE VIEW iv AS SELECT event_id FROM github_events_silver")
    tables = lake.rows(
        "SELECT table_name, table_type FROM information_schema.tables "
        f"WHERE table_schema = '{lake.database}' "
        "ORDER BY table_name"
    )
    assert ["iv", "VIEW"] in tables and ["github_events_silver", "BASE TABLE"] in tables
    cols = lake.rows(
        "SELECT column_name, data_type, ordinal_position FROM information_schema.columns "
        f"WHERE table_schema = '{lake.database}' AND table_name = 'github_events_gold_daily' "
        "ORDER BY ordinal_position"
    )
    assert cols[0] == ["event_type", "varchar", "1"]
    assert ["first_event_at", "timestamp(3)", "5"] in cols and cols[-1] == ["ingest_dt", "varchar", "7"]
    assert [lake.database] in lake.rows(
        f"SELECT schema_name FROM information_schema.schemata WHERE schema_name = '{lake.database}'"
    )


def test_metadata_apis_in_athenas_shapes(shared_lake: Lake) -> None:
    athena = shared_lake.athena
    assert athena.list_data_catalogs()["DataCatalogsSummary"] == [
        {"CatalogName": "AwsDataCatalog", "Type": "GLUE"}
    ]
    assert athena.get_data_catalog(Name="AwsDataCatalog")["DataCatalog"]["Type"] == "GLUE"
    with pytest.raises(botocore.exceptions.ClientError, match="MetadataException"):
        athena.get_data_catalog(Name="other")
    names = [
        d["Name"]
        for p in athena.get_paginator("list_databases").paginate(CatalogName="AwsDataCatalog")
        for d in p["DatabaseList"]
    ]
    assert shared_lake.database in names
    assert (
        athena.get_database(CatalogName="AwsDataCatalog", DatabaseName=shared_lake.database)["Database"][
            "Name"
        ]
        == shared_lake.database
    )
    with pytest.raises(botocore.exceptions.ClientError, match="Database nope not found"):
        athena.get_database(CatalogName="AwsDataCatalog", DatabaseName="nope")
    listed = athena.list_table_metadata(
        CatalogName="AwsDataCatalog", DatabaseName=shared_lake.database, MaxResults=2
    )
    assert len(listed["TableMetadataList"]) == 2 and "NextToken" in listed
    silver = athena.get_table_metadata(
        CatalogName="AwsDataCatalog", DatabaseName=shared_lake.database, TableName="github_events_silver"
    )["TableMetadata"]
    assert silver["TableType"] == "EXTERNAL_TABLE"
    assert silver["Columns"][0] == {"Name": "event_id", "Type": "string"}
    assert [k["Name"] for k in silver["PartitionKeys"]] == ["year", "month"]
    params = silver["Parameters"]
    assert params["location"] == f"s3://{shared_lake.silver}/github/events_silver/"
    assert params["inputformat"] == "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
    assert params["serde.serialization.lib"] == "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
    filtered = athena.list_table_metadata(
        CatalogName="AwsDataCatalog", DatabaseName=shared_lake.database, Expression="github_events_g*"
    )["TableMetadataList"]
    assert [t["Name"] for t in filtered] == ["github_events_gold_daily"]
    with pytest.raises(botocore.exceptions.ClientError, match="MetadataException"):
        athena.get_table_metadata(
            CatalogName="AwsDataCatalog", DatabaseName=shared_lake.database, TableName="nope"
        )


def test_statistics_are_measured(shared_lake: Lake) -> None:
    qe = ok(shared_lake, "SELECT count(*) AS c FROM github_events_silver")
    stats = qe["Statistics"]
    assert stats["QueryQueueTimeInMillis"] >= 1
    assert stats["EngineExecutionTimeInMillis"] >= 1
    assert stats["ServiceProcessingTimeInMillis"] >= 1
    assert stats["QueryPlanningTimeInMillis"] <= stats["EngineExecutionTimeInMillis"]
    assert stats["TotalExecutionTimeInMillis"] >= stats["EngineExecutionTimeInMillis"]


def test_result_reuse_as_athena_reports_it(shared_lake: Lake) -> None:
    reuse = {"ResultReuseByAgeConfiguration": {"Enabled": True, "MaxAgeInMinutes": 5}}
    marker = f"reuse-{time.time()}"

    def run(sql: str, config: dict[str, Any] | None) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"QueryString": sql, "WorkGroup": shared_lake.workgroup}
        if config:
            kwargs["ResultReuseConfiguration"] = config
        return wait(
            shared_lake.athena, shared_lake.athena.start_query_execution(**kwargs)["QueryExecutionId"]
        )

    first = run(f"SELECT '{marker}' AS m", reuse)
    second = run(f"SELECT '{marker}' AS m", reuse)
    assert first["Statistics"]["ResultReuseInformation"]["ReusedPreviousResult"] is False
    assert second["Statistics"]["ResultReuseInformation"]["ReusedPreviousResult"] is True
    assert second["ResultConfiguration"]["OutputLocation"] == first["ResultConfiguration"]["OutputLocation"]
    assert second["ResultReuseConfiguration"]["ResultReuseByAgeConfiguration"]["Enabled"] is True
    assert fetch_rows(shared_lake.athena, second["QueryExecutionId"]) == [[marker]]
    third = run(f"SELECT '{marker}' AS m", None)
    other = run(f"SELECT '{marker}x' AS m", reuse)
    assert third["Statistics"]["ResultReuseInformation"]["ReusedPreviousResult"] is False
    assert other["Statistics"]["ResultReuseInformation"]["ReusedPreviousResult"] is False


def test_text_table_complex_types_blank_lines_and_real(lake: Lake) -> None:
    row = (
        b"true\t0.1\tMTIz\t1\x022\t1\x032\x023\x034\t1\x02\\N\t2017-01-01 00:00:00\n"
        b"\n"
        b"false\t\\N\tnot base64!\t\t\t\\N\tgarbage\n"
    )
    text_table(
        lake,
        "cx",
        "b BOOLEAN, r FLOAT, bin BINARY, arr ARRAY<int>, m MAP<int,int>, "
        "st STRUCT<a:int,b:int>, ts TIMESTAMP",
        row,
    )
    assert lake.rows("SELECT * FROM cx") == [
        ["true", "0.1", "31 32 33", "[1, 2]", "{1=2, 3=4}", "{a=1, b=null}", "2017-01-01 00:00:00.000"],
        [None, None, None, None, None, None, None],  # a blank line is a row, every field NULL
        ["false", None, "6e 6f 74 20 62 61 73 65 36 34 21", "[]", "{}", None, None],
    ]


def test_insert_into_text_table_round_trips(lake: Lake) -> None:
    text_table(lake, "ins", "a INT, b STRING, c ARRAY<int>", b"")
    lake.s3.delete_object(Bucket=lake.raw, Key="ins/data.tsv")
    qe = ok(lake, "INSERT INTO ins VALUES (1, 'x', ARRAY[1, 2]), (2, NULL, NULL)")
    assert lake.athena.get_query_results(QueryExecutionId=qe["QueryExecutionId"])["UpdateCount"] == 2
    assert lake.rows("SELECT a, b, c FROM ins ORDER BY a") == [["1", "x", "[1, 2]"], ["2", None, None]]


def test_ctas_text_formats(lake: Lake) -> None:
    ok(
        lake,
        f"CREATE TABLE ct WITH (format = 'TEXTFILE', field_delimiter = ',', external_location = "
        f"'s3://{lake.gold}/ct/', partitioned_by = ARRAY['p']) AS SELECT 1 AS a, 'k' AS p",
    )
    table = lake.glue.get_table(DatabaseName=lake.database, Name="ct")["Table"]
    assert table["StorageDescriptor"]["SerdeInfo"]["Parameters"]["field.delim"] == ","
    assert lake.rows("SELECT a, p FROM ct") == [["1", "k"]]
    ok(
        lake,
        f"CREATE TABLE cj WITH (format = 'JSON', external_location = 's3://{lake.gold}/cj/') "
        "AS SELECT 2 AS a",
    )
    assert lake.rows("SELECT a FROM cj") == [["2"]]
    assert "NOT_SUPPORTED" in failed(lake, "CREATE TABLE co WITH (format = 'AVRO') AS SELECT 2 AS a")


def test_unload_through_ctas_on_an_engine_without_its_own_writer(lake: Lake, athena_server: Any) -> None:
    """The path Trino takes (it has no UNLOAD): a CTAS into the target, the scratch table removed."""
    layer = athena_server.backend.layer

    class WithoutUnload:
        def __init__(self, engine: Any) -> None:
            self._engine = engine

        def execute(self, req: Any, on_connection: Any) -> Any:
            return self._engine.execute(req, on_connection)

    original = layer.engine
    layer.engine = WithoutUnload(original)
    try:
        target = f"s3://{lake.gold}/unload-ctas/"
        qe = ok(
            lake,
            f"UNLOAD (SELECT 7 AS x, 'a' AS p) TO '{target}' "
            "WITH (format = 'PARQUET', partitioned_by = ARRAY['p'])",
        )
    finally:
        layer.engine = original
    keys = [o["Key"] for o in lake.s3.list_objects_v2(Bucket=lake.gold, Prefix="unload-ctas/")["Contents"]]
    assert keys and all(k.startswith("unload-ctas/p=a/") for k in keys)
    assert lake.glue.get_tables(DatabaseName="local_athena_unload_scratch")["TableList"] == []
    assert qe["Statistics"]["DataManifestLocation"]


def test_unload_parquet_has_the_hive_writer_layout(lake: Lake) -> None:
    """What readers of Athena's UNLOAD files see: INT96 timestamps (read as ns), `array_element` items."""
    ok(
        lake,
        "UNLOAD (SELECT TIMESTAMP '2017-01-01 00:00:00' AS ts, ARRAY[1, 2] AS arr) "
        f"TO 's3://{lake.gold}/layout/' WITH (format = 'PARQUET')",
    )
    key = lake.s3.list_objects_v2(Bucket=lake.gold, Prefix="layout/")["Contents"][0]["Key"]
    table = pq.read_table(io.BytesIO(lake.s3.get_object(Bucket=lake.gold, Key=key)["Body"].read()))
    assert str(table.schema.field("ts").type) == "timestamp[ns]"
    assert table.schema.field("arr").type.value_field.name == "array_element"
    assert table.column("arr").to_pylist() == [[1, 2]]

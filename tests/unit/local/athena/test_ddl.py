"""Athena's own layer: Hive DDL into Glue, SHOW/DESCRIBE, MSCK, failures that leave Glue untouched."""

from __future__ import annotations

import pytest

from harness.local.athena import hive
from harness.local.athena.ddl import table_input_for

from .conftest import Lake

TEXT_SERDE = "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"


def ok(lake: Lake, sql: str) -> list[list[str | None]]:
    qe = lake.query(sql)
    assert qe["Status"]["State"] == "SUCCEEDED", qe["Status"]
    return fetch_rows_all(lake, qe["QueryExecutionId"])


def fetch_rows_all(lake: Lake, qid: str) -> list[list[str | None]]:
    """DDL results have no header row: every row is data."""
    page = lake.athena.get_query_results(QueryExecutionId=qid)
    return [[c.get("VarCharValue") for c in r["Data"]] for r in page["ResultSet"]["Rows"]]


def failed(lake: Lake, sql: str) -> str:
    qe = lake.query(sql)
    assert qe["Status"]["State"] == "FAILED", qe["Status"]
    return str(qe["Status"]["StateChangeReason"])


def table_names(lake: Lake, db: str | None = None) -> list[str]:
    return sorted(t["Name"] for t in lake.glue.get_tables(DatabaseName=db or lake.database)["TableList"])


def test_create_database_and_its_errors(lake: Lake) -> None:
    db = f"{lake.database}_extra"
    ok(
        lake,
        f"CREATE DATABASE {db} COMMENT 'scratch' LOCATION 's3://{lake.raw}/db/' WITH DBPROPERTIES ('k'='v')",
    )
    glue_db = lake.glue.get_database(Name=db)["Database"]
    assert glue_db["Description"] == "scratch"
    assert glue_db["LocationUri"] == f"s3://{lake.raw}/db"  # Hive keeps paths without the trailing slash
    assert glue_db["Parameters"] == {"k": "v"}
    ok(lake, f"CREATE SCHEMA IF NOT EXISTS {db}")
    assert f"Database {db} already exists" in failed(lake, f"CREATE DATABASE {db}")
    assert db in [r[0] for r in ok(lake, "SHOW DATABASES")]
    assert [r[0] for r in ok(lake, f"SHOW SCHEMAS LIKE '{db}|nothing*'")] == [db]
    ok(lake, f"DROP DATABASE {db}")
    assert "Database does not exist" in failed(lake, f"DROP DATABASE {db}")
    ok(lake, f"DROP DATABASE IF EXISTS {db}")


def test_create_external_text_table_as_athena_writes_it(lake: Lake) -> None:
    ok(
        lake,
        f"""CREATE EXTERNAL TABLE IF NOT EXISTS {lake.database}.people (
              id INT COMMENT 'the id', name STRING, tags ARRAY<string>, attrs MAP<string,int>,
              pos STRUCT<x: double, y: double>)
            COMMENT 'table comment'
            PARTITIONED BY (dt STRING)
            ROW FORMAT DELIMITED FIELDS TERMINATED BY '\\t' COLLECTION ITEMS TERMINATED BY ','
              MAP KEYS TERMINATED BY ':' LINES TERMINATED BY '\\n'
            STORED AS TEXTFILE
            LOCATION 's3://{lake.raw}/people/'
            TBLPROPERTIES ('skip.header.line.count'='0')""",
    )
    table = lake.glue.get_table(DatabaseName=lake.database, Name="people")["Table"]
    sd = table["StorageDescriptor"]
    assert table["TableType"] == "EXTERNAL_TABLE"
    assert table["Parameters"]["EXTERNAL"] == "TRUE"
    assert table["Parameters"]["comment"] == "table comment"
    assert table["Parameters"]["skip.header.line.count"] == "0"
    assert sd["InputFormat"] == "org.apache.hadoop.mapred.TextInputFormat"
    assert sd["OutputFormat"] == "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
    assert sd["SerdeInfo"]["SerializationLibrary"] == TEXT_SERDE
    assert sd["SerdeInfo"]["Parameters"] == {
        "field.delim": "\t",
        "serialization.format": "\t",
        "colelction.delim": ",",  # Hive's own spelling, which Athena keeps
        "mapkey.delim": ":",
        "line.delim": "\n",
    }
    assert [(c["Name"], c["Type"]) for c in sd["Columns"]] == [
        ("id", "int"),
        ("name", "string"),
        ("tags", "array<string>"),
        ("attrs", "map<string,int>"),
        ("pos", "struct<x:double,y:double>"),
    ]
    assert sd["Columns"][0]["Comment"] == "the id"
    assert table["PartitionKeys"] == [{"Name": "dt", "Type": "string"}]
    # A second CREATE fails as Athena's DDL engine does; IF NOT EXISTS above made the first one succeed.
    again = failed(
        lake, f"CREATE EXTERNAL TABLE {lake.database}.people (id INT) LOCATION 's3://{lake.raw}/x/'"
    )
    assert "AlreadyExistsException" in again


def test_stored_as_parquet_orc_and_serde_forms(lake: Lake) -> None:
    ok(lake, f"CREATE EXTERNAL TABLE p (a INT) STORED AS PARQUET LOCATION 's3://{lake.raw}/p/'")
    ok(
        lake,
        f"""CREATE EXTERNAL TABLE j (a INT) ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
            WITH SERDEPROPERTIES ('ignore.malformed.json'='true')
            STORED AS INPUTFORMAT 'org.apache.hadoop.mapred.TextInputFormat'
            OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'
            LOCATION 's3://{lake.raw}/j/'""",
    )
    p = lake.glue.get_table(DatabaseName=lake.database, Name="p")["Table"]["StorageDescriptor"]
    assert (
        p["SerdeInfo"]["SerializationLibrary"]
        == "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
    )
    assert p["InputFormat"] == "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
    assert p["SerdeInfo"]["Parameters"] == {"serialization.format": "1"}
    j = lake.glue.get_table(DatabaseName=lake.database, Name="j")["Table"]["StorageDescriptor"]
    assert j["SerdeInfo"] == {
        "SerializationLibrary": "org.openx.data.jsonserde.JsonSerDe",
        "Parameters": {"ignore.malformed.json": "true"},
    }
    lake.s3.put_object(Bucket=lake.raw, Key="j/part.json", Body=b'{"a": 1}\nnot json\n{"a": 2}\n')
    # ignore.malformed.json: a line that is not JSON reads as a row of NULLs, as the OpenX SerDe does
    assert ok(lake, "SELECT a FROM j ORDER BY a") == [["a"], ["1"], ["2"], [None]]


@pytest.mark.parametrize(
    ("sql", "reason"),
    [
        ("CREATE EXTERNAL TABLE bad (a INT LOCATION 's3://b/x/'", "ParseException"),
        ("CREATE EXTERNAL TABLE bad (a NOTATYPE) LOCATION 's3://b/x/'", "ParseException"),
        ("CREATE TABLE bad (a INT) LOCATION 's3://b/x/'", "Only external tables"),
        ("CREATE EXTERNAL TABLE bad (a INT)", "LOCATION"),
        ("CREATE EXTERNAL TABLE bad (a INT) LOCATION '/tmp/x'", "not a valid S3 location"),
        ("CREATE EXTERNAL TABLE bad (a INT, a STRING) LOCATION 's3://b/x/'", "Duplicate column name: a"),
        (
            "CREATE EXTERNAL TABLE bad (a INT) STORED AS FANCY LOCATION 's3://b/x/'",
            "Unrecognized file format",
        ),
        ("CREATE EXTERNAL TABLE nodb.bad (a INT) LOCATION 's3://b/x/'", "Database does not exist: nodb"),
    ],
    ids=["parse", "type", "not external", "no location", "bad location", "dupe", "format", "no db"],
)
def test_bad_ddl_fails_like_athena_and_writes_nothing(lake: Lake, sql: str, reason: str) -> None:
    before = table_names(lake)
    assert reason in failed(lake, sql)
    assert table_names(lake) == before


def test_drop_table_keeps_data_and_reports_missing_tables(lake: Lake) -> None:
    lake.s3.put_object(Bucket=lake.raw, Key="t/x.tsv", Body=b"1\n")
    created = lake.query(f"CREATE EXTERNAL TABLE t (a INT) LOCATION 's3://{lake.raw}/t/'")
    assert (created["StatementType"], created["Status"]["State"]) == ("DDL", "SUCCEEDED")
    result = lake.athena.get_query_results(QueryExecutionId=created["QueryExecutionId"])["ResultSet"]
    assert result == {"Rows": [], "ResultSetMetadata": {"ColumnInfo": []}}  # no columns, as Athena
    ok(lake, "DROP TABLE t")
    assert "t" not in table_names(lake)
    assert lake.s3.list_objects_v2(Bucket=lake.raw, Prefix="t/")["KeyCount"] == 1
    assert f"Table not found {lake.database}.t" in failed(lake, "DROP TABLE t")
    ok(lake, "DROP TABLE IF EXISTS t")


def test_drop_database_needs_cascade_when_not_empty(lake: Lake) -> None:
    db = f"{lake.database}_drop"
    ok(lake, f"CREATE DATABASE {db}")
    ok(lake, f"CREATE EXTERNAL TABLE {db}.t (a INT) LOCATION 's3://{lake.raw}/t/'")
    assert "is not empty" in failed(lake, f"DROP DATABASE {db}")
    assert table_names(lake, db) == ["t"]
    ok(lake, f"DROP DATABASE {db} CASCADE")
    assert db not in [d["Name"] for d in lake.glue.get_databases()["DatabaseList"]]


def test_partitions_add_show_drop_and_read(lake: Lake) -> None:
    ok(
        lake,
        f"CREATE EXTERNAL TABLE pt (a STRING) PARTITIONED BY (b INT) "
        f"ROW FORMAT DELIMITED FIELDS TERMINATED BY '\\t' LOCATION 's3://{lake.raw}/pt/'",
    )
    lake.s3.put_object(Bucket=lake.raw, Key="pt/b=1/x.tsv", Body=b"one\n")
    lake.s3.put_object(Bucket=lake.raw, Key="elsewhere/x.tsv", Body=b"two\n")
    ok(lake, "ALTER TABLE pt ADD PARTITION (b=1)")
    ok(
        lake,
        f"ALTER TABLE pt ADD IF NOT EXISTS PARTITION (b=1) PARTITION (b=2) LOCATION 's3://{lake.raw}/elsewhere/'",
    )
    assert "Partition already exists" in failed(lake, "ALTER TABLE pt ADD PARTITION (b=2)")
    assert "Cannot add partition column of type int with value 'x'" in failed(
        lake, "ALTER TABLE pt ADD PARTITION (b='x')"
    )
    assert "Partition spec is invalid" in failed(lake, "ALTER TABLE pt ADD PARTITION (c=1)")
    assert ok(lake, "SHOW PARTITIONS pt") == [["b=1"], ["b=2"]]
    assert ok(lake, "SELECT a, b FROM pt ORDER BY b") == [["a", "b"], ["one", "1"], ["two", "2"]]
    ok(lake, "ALTER TABLE pt DROP PARTITION (b=2)")
    assert "Partition not found" in failed(lake, "ALTER TABLE pt DROP PARTITION (b=2)")
    ok(lake, "ALTER TABLE pt DROP IF EXISTS PARTITION (b=2)")
    assert ok(lake, "SHOW PARTITIONS pt") == [["b=1"]]


def test_msck_repair_registers_hive_style_folders(lake: Lake) -> None:
    ok(
        lake,
        f"CREATE EXTERNAL TABLE logs (m STRING) PARTITIONED BY (dt STRING, h INT) LOCATION 's3://{lake.raw}/logs/'",
    )
    for key in ("logs/dt=2024-01-01/h=1/a.txt", "logs/dt=2024-01-01/h=2/a.txt", "logs/junk/a.txt"):
        lake.s3.put_object(Bucket=lake.raw, Key=key, Body=b"x\n")
    ok(lake, "ALTER TABLE logs ADD PARTITION (dt='2024-01-01', h=1)")
    out = ok(lake, "MSCK REPAIR TABLE logs")
    assert out[-1] == ["Repair: Added partition to metastore logs:dt=2024-01-01/h=2"]
    assert ok(lake, "SHOW PARTITIONS logs") == [["dt=2024-01-01/h=1"], ["dt=2024-01-01/h=2"]]
    assert ok(lake, "SELECT count(*) AS n FROM logs") == [["n"], ["2"]]
    ok(lake, f"CREATE EXTERNAL TABLE flat (m STRING) LOCATION 's3://{lake.raw}/flat/'")
    assert "is not a partitioned table" in failed(lake, "MSCK REPAIR TABLE flat")


def test_show_and_describe(lake: Lake) -> None:
    ok(
        lake,
        f"CREATE EXTERNAL TABLE shown (number_of_rows INT COMMENT 'c') PARTITIONED BY (d STRING) "
        f"LOCATION 's3://{lake.raw}/shown/' TBLPROPERTIES ('a.b'='c')",
    )
    tables = [r[0] for r in ok(lake, "SHOW TABLES")]
    assert tables == sorted(tables) and {"shown", "github_events_silver"} <= set(tables)
    assert [r[0] for r in ok(lake, f"SHOW TABLES IN {lake.database} 'sho*|nothing'")] == ["shown"]
    assert ok(lake, "SHOW COLUMNS IN shown") == [["number_of_rows      "], ["d                   "]]
    assert ok(lake, f"SHOW COLUMNS FROM shown IN {lake.database}")[0] == ["number_of_rows      "]
    described = [r[0] for r in ok(lake, "DESCRIBE shown")]
    assert described[0].split("\t")[:2] == ["number_of_rows      ", "int                 "]
    assert "# Partition Information" in described
    assert "Location:           \ts3://" + lake.raw + "/shown" in [
        r[0] for r in ok(lake, "DESCRIBE FORMATTED shown")
    ]
    assert ["a.b\tc"] in ok(lake, "SHOW TBLPROPERTIES shown")
    assert ok(lake, "SHOW TBLPROPERTIES shown ('a.b')") == [["c"]]
    qe = lake.query("SHOW COLUMNS IN shown")
    info = lake.athena.get_query_results(QueryExecutionId=qe["QueryExecutionId"])["ResultSet"][
        "ResultSetMetadata"
    ]
    assert [(c["Name"], c["Type"], c["Precision"]) for c in info["ColumnInfo"]] == [("field", "string", 0)]
    assert qe["StatementType"] == "UTILITY"
    assert qe["ResultConfiguration"]["OutputLocation"].endswith(".txt")
    assert "Table not found" in failed(lake, "SHOW COLUMNS IN missing")


def test_show_create_table_parses_back_into_the_same_table(lake: Lake) -> None:
    ddl = (
        f"CREATE EXTERNAL TABLE rt (a INT COMMENT 'it''s', b ARRAY<STRUCT<x:INT>>) COMMENT 'rt' "
        f"PARTITIONED BY (p STRING) ROW FORMAT DELIMITED FIELDS TERMINATED BY '\\001' "
        f"STORED AS TEXTFILE LOCATION 's3://{lake.raw}/rt/' TBLPROPERTIES ('k'='v')"
    )
    ok(lake, ddl)
    text = "\n".join(r[0] or "" for r in ok(lake, "SHOW CREATE TABLE rt"))
    assert text.startswith(f"CREATE EXTERNAL TABLE `{lake.database}.rt`(")
    reparsed = hive.parse(text.replace(f"`{lake.database}.rt`", "rt"))
    assert isinstance(reparsed, hive.CreateTable)
    original = table_input_for(hive.parse(ddl))  # type: ignore[arg-type]
    again = table_input_for(reparsed)
    for key in ("PartitionKeys", "TableType"):
        assert again[key] == original[key]
    for key in ("Columns", "InputFormat", "OutputFormat", "SerdeInfo", "Location"):
        assert again["StorageDescriptor"][key] == original["StorageDescriptor"][key]
    assert {k: v for k, v in again["Parameters"].items() if k != "transient_lastDdlTime"} == {
        k: v for k, v in original["Parameters"].items() if k != "transient_lastDdlTime"
    }


def test_hive_string_literals_use_backslash_escapes() -> None:
    stmt = hive.parse("CREATE DATABASE d COMMENT 'jim o\\'rourke' 'and more'")
    assert isinstance(stmt, hive.CreateDatabase)
    assert stmt.comment == "jim o'rourkeand more"
    assert hive.is_hive_statement("-- c\nSHOW TABLES")
    assert not hive.is_hive_statement("CREATE TABLE t WITH (format='PARQUET') AS SELECT 1 AS a")
    assert not hive.is_hive_statement("CREATE VIEW v AS SELECT 1 AS a")


def test_iceberg_tables_fail_as_not_supported(lake: Lake) -> None:
    before = table_names(lake)
    reason = failed(
        lake,
        f"CREATE TABLE ice (a INT) PARTITIONED BY (day(a)) LOCATION 's3://{lake.raw}/ice/' "
        "TBLPROPERTIES ('table_type'='ICEBERG')",
    )
    assert reason.startswith("NOT_SUPPORTED: Iceberg tables")
    assert table_names(lake) == before


def test_show_create_view_takes_double_quoted_names(lake: Lake) -> None:
    ok(lake, "CREATE VIEW sv AS SELECT 1 AS one")
    rows = ok(lake, f'SHOW CREATE VIEW "{lake.database}"."sv"')
    assert rows == [[f"CREATE VIEW {lake.database}.sv AS"], ["SELECT 1 AS one"]]
    assert "is not a view" in failed(lake, "SHOW CREATE VIEW github_events_silver")


def test_hive_defaults_without_stored_as_and_squashed_comments(lake: Lake) -> None:
    ok(lake, f"CREATE EXTERNAL TABLE plain (a INT) COMMENT 'two\n  lines' LOCATION 's3://{lake.raw}/plain/'")
    ok(
        lake,
        "CREATE EXTERNAL TABLE jx (a INT) ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe' "
        f"LOCATION 's3://{lake.raw}/jx/'",
    )
    table = lake.glue.get_table(DatabaseName=lake.database, Name="plain")["Table"]
    sd = table["StorageDescriptor"]
    assert (sd["InputFormat"], sd["OutputFormat"], sd["SerdeInfo"]["SerializationLibrary"]) == (
        "org.apache.hadoop.mapred.TextInputFormat",
        "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
        TEXT_SERDE,
    )
    assert table["Parameters"]["comment"] == "two lines"
    jx = lake.glue.get_table(DatabaseName=lake.database, Name="jx")["Table"]["StorageDescriptor"]
    assert jx["OutputFormat"] == "org.apache.hadoop.hive.ql.io.IgnoreKeyTextOutputFormat"

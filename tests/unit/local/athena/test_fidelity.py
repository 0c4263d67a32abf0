"""Athena SQL constructs and their results under Trino/Athena semantics (text as GetQueryResults shows it)."""

from __future__ import annotations

import pytest

from .conftest import Lake, event

# (construct, query, expected data rows)
CASES: list[tuple[str, str, list[list[str | None]]]] = [
    ("integer division truncates", "SELECT 7 / 2, -7 / 2, 7.0 / 2", [["3", "-3", "3.5"]]),
    ("double rendering", "SELECT CAST(1 AS double), 1e7, 0.0001e0", [["1.0", "1.0E7", "1.0E-4"]]),
    (
        "from_iso8601_timestamp",
        "SELECT from_iso8601_timestamp('2024-03-01T10:00:00Z')",
        [["2024-03-01 10:00:00.000 UTC"]],
    ),
    (
        "cast timestamp",
        "SELECT CAST(from_iso8601_timestamp('2024-03-01T10:00:00.5Z') AS timestamp)",
        [["2024-03-01 10:00:00.500"]],
    ),
    (
        "date_parse",
        "SELECT date_parse('2024-03-01 07:08:09', '%Y-%m-%d %H:%i:%s')",
        [["2024-03-01 07:08:09.000"]],
    ),
    (
        "date_format",
        "SELECT date_format(TIMESTAMP '2024-03-01 07:08:09', '%Y/%m/%d %H:%i')",
        [["2024/03/01 07:08"]],
    ),
    (
        "timestamp arithmetic",
        "SELECT TIMESTAMP '2024-03-01 10:00:00' + INTERVAL '1' DAY",
        [["2024-03-02 10:00:00.000"]],
    ),
    ("date_diff", "SELECT date_diff('day', DATE '2024-02-28', DATE '2024-03-01')", [["2"]]),
    ("json_extract_scalar", """SELECT json_extract_scalar('{"a":{"b":[1,"x"]}}', '$.a.b[1]')""", [["x"]]),
    (
        "json_extract_scalar of an object is NULL",
        """SELECT json_extract_scalar('{"a":{"b":1}}', '$.a')""",
        [[None]],
    ),
    (
        "json_extract_scalar of invalid JSON is NULL",
        "SELECT json_extract_scalar('not json', '$.a')",
        [[None]],
    ),
    ("json_extract", """SELECT json_extract('{"a":{"b":1}}', '$.a')""", [['{"b":1}']]),
    (
        "CAST",
        "SELECT CAST('42' AS integer), CAST(42 AS varchar), CAST('true' AS boolean)",
        [["42", "42", "true"]],
    ),
    ("TRY_CAST", "SELECT TRY_CAST('x' AS integer), TRY_CAST('12' AS bigint)", [[None, "12"]]),
    (
        "arrays",
        "SELECT ARRAY[1, 2, 3], cardinality(ARRAY['a', 'b']), ARRAY[10, 20][2], contains(ARRAY[1, 2], 2)",
        [["[1, 2, 3]", "2", "20", "true"]],
    ),
    (
        "maps",
        "SELECT MAP(ARRAY['a', 'b'], ARRAY[1, 2]), element_at(MAP(ARRAY['a'], ARRAY[5]), 'a')",
        [["{a=1, b=2}", "5"]],
    ),
    ("row", "SELECT CAST(ROW(1, 'x') AS ROW(n integer, s varchar))", [["{n=1, s=x}"]]),
    ("unnest", "SELECT x FROM UNNEST(ARRAY[3, 1, 2]) AS t(x) ORDER BY x", [["1"], ["2"], ["3"]]),
    (
        "cross join unnest",
        "SELECT k, v FROM (VALUES (1, ARRAY['a', 'b'])) AS t(k, arr) "
        "CROSS JOIN UNNEST(arr) AS u(v) ORDER BY v",
        [["1", "a"], ["1", "b"]],
    ),
    ("approx_distinct", "SELECT approx_distinct(x) FROM UNNEST(ARRAY[1, 1, 2, 3]) AS t(x)", [["3"]]),
    ("CTE", "WITH a AS (SELECT 1 AS n UNION ALL SELECT 2) SELECT sum(n) FROM a", [["3"]]),
    (
        "window row_number",
        "SELECT x, row_number() OVER (ORDER BY x DESC) FROM UNNEST(ARRAY[5, 7]) AS t(x) ORDER BY x",
        [["5", "2"], ["7", "1"]],
    ),
    ("unnamed columns are _colN", "SELECT 1, 'a' AS b, 2", [["1", "a", "2"]]),
    (
        "string functions",
        "SELECT lower('AB'), upper('ab'), substr('hello', 2, 3), length('abc'), 'a' || 'b', "
        "strpos('abc', 'c')",
        [["ab", "AB", "ell", "3", "ab", "3"]],
    ),
    (
        "split and regexp",
        "SELECT split('a,b', ','), regexp_extract('abc123', '[0-9]+'), regexp_like('abc', '^a')",
        [["[a, b]", "123", "true"]],
    ),
    (
        "conditional",
        "SELECT if(1 > 0, 'y', 'n'), coalesce(NULL, 2), nullif(1, 1), CASE WHEN true THEN 'c' END",
        [["y", "2", None, "c"]],
    ),
    (
        "count_if / arbitrary / max_by",
        "SELECT count_if(x > 1), max_by(y, x) FROM (VALUES (1, 'a'), (3, 'b')) AS t(x, y)",
        [["1", "b"]],
    ),
    (
        "year/month/day_of_week",
        "SELECT year(DATE '2024-03-01'), month(DATE '2024-03-01'), day_of_week(DATE '2024-03-03')",
        [["2024", "3", "7"]],
    ),
    (
        "date_trunc",
        "SELECT date_trunc('month', TIMESTAMP '2024-03-15 10:00:00')",
        [["2024-03-01 00:00:00.000"]],
    ),
]


@pytest.mark.parametrize(("construct", "sql", "expected"), CASES, ids=[c[0] for c in CASES])
def test_construct(shared_lake: Lake, construct: str, sql: str, expected: list[list[str | None]]) -> None:
    assert shared_lake.rows(sql) == expected


def test_column_info_and_header_row(shared_lake: Lake) -> None:
    qe = shared_lake.query(
        "SELECT 1 AS n, 'a' AS s, 2.5e0, DATE '2024-01-01' AS d, ARRAY[1] AS arr, sum(BIGINT '1') AS t"
    )
    page = shared_lake.athena.get_query_results(QueryExecutionId=qe["QueryExecutionId"])
    info = page["ResultSet"]["ResultSetMetadata"]["ColumnInfo"]
    assert [(c["Name"], c["Type"]) for c in info] == [
        ("n", "integer"),
        ("s", "varchar"),
        ("_col2", "double"),
        ("d", "date"),
        ("arr", "array"),
        ("t", "bigint"),
    ]
    header = ("n", "s", "_col2", "d", "arr", "t")
    assert page["ResultSet"]["Rows"][0] == {"Data": [{"VarCharValue": v} for v in header]}


def test_struct_and_nested_json_columns(lake: Lake) -> None:
    lake.put_bronze("2024-03-01", [event(1), event(2, org=False)])
    rows = lake.rows(
        "SELECT id, org.login, json_extract_scalar(payload, '$.commits[0].sha') "
        "FROM github_events_bronze ORDER BY id"
    )
    assert rows == [["1001", "octo", "abc"], ["1002", None, "abc"]]


def test_ctas_with_partitioned_by(lake: Lake) -> None:
    lake.put_bronze("2024-03-01", [event(i, etype="PushEvent" if i % 2 else "WatchEvent") for i in range(6)])
    qe = lake.query(
        "CREATE TABLE by_type WITH (format = 'PARQUET', partitioned_by = ARRAY['type']) AS "
        "SELECT id, actor.login AS login, type FROM github_events_bronze"
    )
    assert qe["Status"]["State"] == "SUCCEEDED", qe["Status"]
    assert qe["SubstatementType"] == "CREATE_TABLE_AS_SELECT"
    assert lake.athena.get_query_results(QueryExecutionId=qe["QueryExecutionId"])["UpdateCount"] == 6
    table = lake.glue.get_table(DatabaseName=lake.database, Name="by_type")["Table"]
    assert [c["Name"] for c in table["StorageDescriptor"]["Columns"]] == ["id", "login"]
    assert table["PartitionKeys"] == [{"Name": "type", "Type": "string"}]
    parts = lake.glue.get_partitions(DatabaseName=lake.database, TableName="by_type")["Partitions"]
    assert sorted(p["Values"][0] for p in parts) == ["PushEvent", "WatchEvent"]
    assert lake.rows("SELECT type, count(*) FROM by_type GROUP BY type ORDER BY type") == [
        ["PushEvent", "3"],
        ["WatchEvent", "3"],
    ]
    again = lake.query("CREATE TABLE by_type AS SELECT 1 AS x")
    assert again["Status"]["State"] == "FAILED"
    assert "already exists" in again["Status"]["StateChangeReason"]
    assert lake.query("DROP TABLE by_type")["Status"]["State"] == "SUCCEEDED"


def test_insert_into_partitioned_table_with_column_list(lake: Lake) -> None:
    qe = lake.query(
        "INSERT INTO github_events_gold_daily (event_type, repo_name, event_count, ingest_dt) "
        "VALUES ('PushEvent', 'a/b', 3, '2024-03-01'), ('PushEvent', 'a/c', 1, '2024-03-02')"
    )
    assert qe["Status"]["State"] == "SUCCEEDED", qe["Status"]
    rows = lake.rows(
        "SELECT repo_name, event_count, distinct_actors, ingest_dt FROM github_events_gold_daily ORDER BY 1"
    )
    assert rows == [["a/b", "3", None, "2024-03-01"], ["a/c", "1", None, "2024-03-02"]]
    one_day = lake.query("SELECT count(*) FROM github_events_gold_daily WHERE ingest_dt = '2024-03-02'")
    both = lake.query("SELECT count(*) FROM github_events_gold_daily")
    assert 0 < one_day["Statistics"]["DataScannedInBytes"] < both["Statistics"]["DataScannedInBytes"]

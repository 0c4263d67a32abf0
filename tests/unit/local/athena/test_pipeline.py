"""Bronze -> Silver -> Gold with the project's kind of SQL, through boto3 and pyathena."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Lake, event, fetch_rows

SILVER_INSERT = """
INSERT INTO github_events_silver
SELECT event_id, event_type, created_at, actor_id, actor_login, repo_id, repo_name, org_id, org_login,
       is_public, payload_action, payload_ref, payload_ref_type, payload_size, ingest_dt, ingested_at, year,
       month
FROM (
  SELECT b.id AS event_id, b.type AS event_type,
         CAST(from_iso8601_timestamp(b.created_at) AS timestamp) AS created_at,
         b.actor.id AS actor_id, b.actor.login AS actor_login, b.repo.id AS repo_id, b.repo.name AS repo_name,
         b.org.id AS org_id, b.org.login AS org_login, b.public AS is_public,
         json_extract_scalar(b.payload, '$.action') AS payload_action,
         json_extract_scalar(b.payload, '$.ref') AS payload_ref,
         json_extract_scalar(b.payload, '$.ref_type') AS payload_ref_type,
         TRY_CAST(json_extract_scalar(b.payload, '$.size') AS integer) AS payload_size,
         b.ingest_dt, CAST(from_iso8601_timestamp(b.ingested_at) AS timestamp) AS ingested_at,
         substr(b.ingest_dt, 1, 4) AS year, substr(b.ingest_dt, 6, 2) AS month,
         row_number() OVER (PARTITION BY b.id ORDER BY b.ingested_at DESC) AS rn
  FROM github_events_bronze b
  WHERE b.ingest_dt = ?
) d
WHERE rn = 1
  AND NOT EXISTS (
    SELECT 1 FROM github_events_silver s
    WHERE s.event_id = d.event_id AND s.year = d.year AND s.month = d.month
  )
"""

GOLD_INSERT = """
INSERT INTO github_events_gold_daily
SELECT event_type, repo_name, count(*) AS event_count, count(DISTINCT actor_login) AS distinct_actors,
       min(created_at) AS first_event_at, max(created_at) AS last_event_at, ? AS ingest_dt
FROM github_events_silver
WHERE year = ? AND month = ?
GROUP BY event_type, repo_name
"""


def _bronze(lake: Lake) -> None:
    day1 = [event(i) for i in range(6)] + [event(0)]  # a repeat of event 0
    day1 += [event(10, etype="IssuesEvent", payload={"action": "opened", "issue": {"number": 1}}, org=False)]
    lake.put_bronze("2024-03-01", day1)
    lake.put_bronze("2024-03-02", [event(20 + i, repo="octo/other") for i in range(3)])


def test_silver_then_gold_counts(lake: Lake) -> None:
    _bronze(lake)
    qe = lake.query(SILVER_INSERT, ["'2024-03-01'"])
    assert qe["Status"]["State"] == "SUCCEEDED", qe["Status"]
    assert qe["StatementType"] == "DML" and qe["SubstatementType"] == "INSERT"
    result = lake.athena.get_query_results(QueryExecutionId=qe["QueryExecutionId"])
    assert result["UpdateCount"] == 7

    # Re-running the transform adds nothing (anti-join against existing Silver rows).
    again = lake.query(SILVER_INSERT, ["'2024-03-01'"])
    assert lake.athena.get_query_results(QueryExecutionId=again["QueryExecutionId"])["UpdateCount"] == 0

    assert lake.rows("SELECT count(*), count(DISTINCT event_id) FROM github_events_silver") == [["7", "7"]]
    issue = lake.rows(
        "SELECT payload_action, payload_ref, payload_size, org_id, created_at, year, month "
        "FROM github_events_silver WHERE event_type = 'IssuesEvent'"
    )
    assert issue == [["opened", None, None, None, "2024-03-01 10:00:00.000", "2024", "03"]]
    push = lake.rows("SELECT payload_ref, payload_size FROM github_events_silver WHERE event_id = '1001'")
    assert push == [["refs/heads/main", "2"]]

    # Silver's partition was registered in Glue by the INSERT (no projection on Silver).
    parts = lake.glue.get_partitions(DatabaseName=lake.database, TableName="github_events_silver")[
        "Partitions"
    ]
    assert [p["Values"] for p in parts] == [["2024", "03"]]
    assert (
        parts[0]["StorageDescriptor"]["Location"]
        == f"s3://{lake.silver}/github/events_silver/year=2024/month=03/"
    )
    keys = [o["Key"] for o in lake.s3.list_objects_v2(Bucket=lake.silver)["Contents"]]
    assert keys and all(k.startswith("github/events_silver/year=2024/month=03/") for k in keys)

    gold = lake.query(GOLD_INSERT, ["'2024-03-01'", "'2024'", "'03'"])
    assert gold["Status"]["State"] == "SUCCEEDED", gold["Status"]
    rows = lake.rows(
        "SELECT event_type, repo_name, event_count, distinct_actors, ingest_dt FROM github_events_gold_daily "
        "ORDER BY event_type"
    )
    assert rows == [
        ["IssuesEvent", "octo/repo", "1", "1", "2024-03-01"],
        ["PushEvent", "octo/repo", "6", "6", "2024-03-01"],
    ]
    assert lake.rows("SELECT sum(event_count) FROM github_events_gold_daily") == [["7"]]


def test_one_day_scans_only_that_day(lake: Lake) -> None:
    sizes = {
        day: lake.put_bronze(day, [event(i, created=f"{day}T01:00:00Z") for i in range(50)])
        for day in ("2024-03-01", "2024-03-02", "2024-03-03", "2024-03-04")
    }
    one = lake.query("SELECT count(*) FROM github_events_bronze WHERE ingest_dt = '2024-03-02'")
    assert one["Status"]["State"] == "SUCCEEDED", one["Status"]
    assert one["Statistics"]["DataScannedInBytes"] == sizes["2024-03-02"]
    assert fetch_rows(lake.athena, one["QueryExecutionId"]) == [["50"]]

    bound = lake.query("SELECT count(*) FROM github_events_bronze WHERE ingest_dt = ?", ["'2024-03-03'"])
    assert bound["Statistics"]["DataScannedInBytes"] == sizes["2024-03-03"]

    ranged = lake.query(
        "SELECT count(*) FROM github_events_bronze WHERE ingest_dt BETWEEN '2024-03-02' AND '2024-03-03'"
    )
    assert ranged["Statistics"]["DataScannedInBytes"] == sizes["2024-03-02"] + sizes["2024-03-03"]

    everything = lake.query("SELECT count(*) FROM github_events_bronze")
    assert everything["Statistics"]["DataScannedInBytes"] == sum(sizes.values())
    assert fetch_rows(lake.athena, everything["QueryExecutionId"]) == [["200"]]
    for qe in (one, everything):
        stats = qe["Statistics"]
        assert stats["TotalExecutionTimeInMillis"] >= stats["EngineExecutionTimeInMillis"] >= 0


def test_payload_object_is_json_text(lake: Lake) -> None:
    lake.put_bronze("2024-03-01", [event(1, payload={"action": "opened", "n": [1, 2]})])
    rows = lake.rows("SELECT payload, actor.login, repo.name FROM github_events_bronze")
    assert rows == [['{"action":"opened","n":[1,2]}', "user1", "octo/repo"]]


def test_results_land_encrypted_in_workgroup_location(lake: Lake) -> None:
    qe = lake.query("SELECT 1 AS one, 'a,\"b' AS two, CAST(NULL AS varchar) AS three")
    location = qe["ResultConfiguration"]["OutputLocation"]
    assert location == f"s3://{lake.logs}/athena-results/{qe['QueryExecutionId']}.csv"
    key = location.split("/", 3)[3]
    obj = lake.s3.get_object(Bucket=lake.logs, Key=key)
    assert obj["ServerSideEncryption"] == "aws:kms"
    assert obj["SSEKMSKeyId"] == lake.kms_key_arn
    assert obj["Body"].read().decode() == '"one","two","three"\n"1","a,""b",\n'
    assert lake.s3.head_object(Bucket=lake.logs, Key=key + ".metadata")["ServerSideEncryption"] == "aws:kms"


def test_pyathena_select_and_insert(lake: Lake, athena_server: Any, aws_endpoint: str) -> None:
    pyathena = pytest.importorskip("pyathena")
    _bronze(lake)
    conn = pyathena.connect(
        work_group=lake.workgroup,
        schema_name=lake.database,
        region_name="us-east-1",
        endpoint_url=athena_server.url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        poll_interval=0.05,
    )
    cur = conn.cursor()
    # qmark: pyathena sends ExecutionParameters as given (Athena wants string literals quoted)
    cur.execute(SILVER_INSERT, ["'2024-03-02'"], paramstyle="qmark")
    assert cur.rowcount == 3
    cur.execute("SELECT event_id, created_at, is_public FROM github_events_silver ORDER BY event_id")
    rows = cur.fetchall()
    assert [r[0] for r in rows] == ["1020", "1021", "1022"]
    assert rows[0][2] is True and rows[0][1].year == 2024
    assert [d[0] for d in cur.description] == ["event_id", "created_at", "is_public"]


def test_the_harness_reads_the_three_layers_counts_in_one_statement(lake: Lake, athena_server: Any) -> None:
    """harness.pipeline.counts.Lake.counts (what every integration scenario asserts) gives each layer's
    count and distinct ids as separate statements over the same tables do; Lake.transform_counts gives
    Silver's and Gold's of several days at once as `counts` gives them day by day; Lake.day_keys gives
    each layer's ids (Gold's groups) as separate statements do. The separate statements read every day at
    once, grouped by day."""
    from harness.pipeline.counts import Lake as HarnessLake

    _bronze(lake)
    for day in ("2024-03-01", "2024-03-02"):
        assert lake.query(SILVER_INSERT, [f"'{day}'"])["Status"]["State"] == "SUCCEEDED"
    gold = lake.query(GOLD_INSERT, ["'2024-03-01'", "'2024'", "'03'"])
    assert gold["Status"]["State"] == "SUCCEEDED", gold["Status"]
    outputs = {
        "athena_workgroup": lake.workgroup,
        "glue_database": lake.database,
        "bucket_names": {"raw": lake.raw},
    }
    harness_lake = HarnessLake.connect(
        outputs,
        s3=lake.s3,
        athena_endpoint=athena_server.url,
        credentials={"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"},
    )
    days = ["2024-03-01", "2024-03-02", "2024-03-03"]
    in_days = ", ".join(f"'{day}'" for day in days)

    def per_day(sql: str) -> dict[str, list[list[str | None]]]:
        """The rows of a statement whose first column is the day, by day (every day present)."""
        found: dict[str, list[list[str | None]]] = {day: [] for day in days}
        for row in lake.rows(sql):
            found[str(row[0])].append(row[1:])
        return found

    bronze = per_day(
        "SELECT ingest_dt, count(*), count(DISTINCT id) FROM github_events_bronze "
        f"WHERE ingest_dt IN ({in_days}) GROUP BY ingest_dt"
    )
    silver = per_day(
        "SELECT ingest_dt, count(*), count(DISTINCT event_id) FROM github_events_silver "
        f"WHERE year = '2024' AND month = '03' AND ingest_dt IN ({in_days}) GROUP BY ingest_dt"
    )
    gold = per_day(
        "SELECT ingest_dt, count(*), coalesce(sum(event_count), 0) FROM github_events_gold_daily "
        f"WHERE ingest_dt IN ({in_days}) GROUP BY ingest_dt"
    )
    bronze_ids = per_day(f"SELECT ingest_dt, id FROM github_events_bronze WHERE ingest_dt IN ({in_days})")
    silver_ids = per_day(
        f"SELECT ingest_dt, event_id FROM github_events_silver WHERE ingest_dt IN ({in_days})"
    )
    gold_groups = per_day(
        "SELECT ingest_dt, event_type, repo_name FROM github_events_gold_daily "
        f"WHERE ingest_dt IN ({in_days})"
    )
    try:
        counts = {day: harness_lake.counts(day) for day in days}
        for day, c in counts.items():
            # A day with no rows has no group: its counts are zero, as count(*) over the day alone gives.
            assert [str(n) for n in (c.bronze, c.bronze_ids)] == (bronze[day] or [["0", "0"]])[0], day
            assert [str(n) for n in (c.silver, c.silver_ids)] == (silver[day] or [["0", "0"]])[0], day
            assert [str(c.gold_rows), str(c.gold_events)] == (gold[day] or [["0", "0"]])[0], day
            keys = harness_lake.day_keys(day)
            assert keys.bronze_ids == {r[0] for r in bronze_ids[day]}, day
            assert keys.silver_ids == {r[0] for r in silver_ids[day]}, day
            assert keys.gold_groups == {(r[0], r[1]) for r in gold_groups[day]}, day
        assert (counts["2024-03-01"].bronze, counts["2024-03-01"].silver) == (8, 7)
        transformed = {day: (c.silver, c.silver_ids, c.gold_rows, c.gold_events) for day, c in counts.items()}
        assert transformed["2024-03-02"][0] and not transformed["2024-03-02"][2]
        assert not any(transformed["2024-03-03"])
        assert harness_lake.transform_counts(days) == transformed
    finally:
        harness_lake.close()

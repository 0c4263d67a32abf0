"""The local Athena on its Trino engine: the same API, results and errors as with DuckDB, faults handled.

Some of the DuckDB engine's tests run here unchanged (imported), so both engines answer them alike.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from typing import Any

import boto3
import pytest
from botocore.config import Config

from ..conftest import CREDS, Lake, event, fetch_rows, wait
from ..test_pipeline import (  # noqa: F401 - collected here too: the same tests on the Trino engine
    test_results_land_encrypted_in_workgroup_location,
)
from ..test_write_limits import (  # noqa: F401 - Athena's write limits hold on Trino alike
    test_more_than_one_hundred_fail_and_keep_nothing,
    test_one_hundred_partitions_are_written,
)

pytestmark = [pytest.mark.trino, pytest.mark.xdist_group("trino")]
# Ten billion rows: runs for minutes, long enough to be stopped or killed mid-way.
SLOW = (
    "SELECT count(*) FROM UNNEST(sequence(1, 10000)) AS a(x) CROSS JOIN UNNEST(sequence(1, 10000)) AS b(y) "
    "CROSS JOIN UNNEST(sequence(1, 100)) AS c(z)"
)


def test_values_render_as_athena_shows_them(lake: Lake) -> None:
    qe = lake.query(
        "SELECT ARRAY[1, 2] AS a, MAP(ARRAY['k'], ARRAY[1.5e0]) AS m, "
        "CAST(ROW(1, 'x') AS ROW(n integer, s varchar)) AS r, DECIMAL '1.50' AS d, 0.1e0 + 0.2e0 AS f, "
        "DATE '2024-01-01' AS dt, TIMESTAMP '2024-01-01 01:02:03' AS ts, X'0102' AS b, NULL AS z, 1e7 AS big"
    )
    assert qe["Status"]["State"] == "SUCCEEDED", qe["Status"]
    result = lake.athena.get_query_results(QueryExecutionId=qe["QueryExecutionId"])
    info = result["ResultSet"]["ResultSetMetadata"]["ColumnInfo"]
    assert [(c["Name"], c["Type"]) for c in info] == [
        ("a", "array"),
        ("m", "map"),
        ("r", "row"),
        ("d", "decimal"),
        ("f", "double"),
        ("dt", "date"),
        ("ts", "timestamp"),
        ("b", "varbinary"),
        ("z", "unknown"),
        ("big", "double"),
    ]
    assert (info[3]["Precision"], info[3]["Scale"]) == (3, 2)
    assert fetch_rows(lake.athena, qe["QueryExecutionId"]) == [
        [
            "[1, 2]",
            "{k=1.5}",
            "{n=1, s=x}",
            "1.50",
            "0.30000000000000004",
            "2024-01-01",
            "2024-01-01 01:02:03.000",
            "01 02",
            None,
            "1.0E7",
        ]
    ]


def test_payload_object_is_json_text(lake: Lake) -> None:
    # Filtered on the projected partition key, as the pipeline's queries are: unfiltered, Trino lists every
    # projected day since the range start (~2,500 listings of moto's S3), as Athena does, only slower.
    lake.put_bronze("2024-03-01", [event(1, payload={"action": "opened", "n": [1, 2]})])
    rows = lake.rows(
        "SELECT payload, actor.login, repo.name FROM github_events_bronze WHERE ingest_dt = '2024-03-01'"
    )
    assert rows == [['{"action":"opened","n":[1,2]}', "user1", "octo/repo"]]


def test_trino_errors_in_athena_words(lake: Lake) -> None:
    qe = lake.query("SELECT nope FROM github_events_silver")
    assert qe["Status"]["State"] == "FAILED"
    assert qe["Status"]["StateChangeReason"] == "COLUMN_NOT_FOUND: line 1:8: Column 'nope' cannot be resolved"
    assert qe["Status"]["AthenaError"]["ErrorCategory"] == 2
    qe = lake.query("SELECT 1 / 0")
    assert qe["Status"]["StateChangeReason"].startswith("DIVISION_BY_ZERO: ")
    assert qe["Status"]["AthenaError"]["ErrorType"] == 1001  # a data error
    qe = lake.query("SELECT * FROM no_such_table")
    assert "TABLE_NOT_FOUND" in qe["Status"]["StateChangeReason"]
    assert f"awsdatacatalog.{lake.database}.no_such_table" in qe["Status"]["StateChangeReason"]
    # Inputs Athena rejects are rejected (DuckDB accepted both: issue 11's worst kind of difference).
    assert lake.query("SELECT from_iso8601_timestamp('2026-11-02 03:04:05')")["Status"]["State"] == "FAILED"
    assert lake.query("SELECT ARRAY[1, 2][5]")["Status"]["State"] == "FAILED"


def test_execution_parameters_are_bound_by_trino(lake: Lake) -> None:
    assert lake.rows("SELECT ? + 1, ?", ["41", "'x'"]) == [["42", "x"]]
    qe = lake.query("SELECT ?", [])
    assert qe["Status"]["State"] == "FAILED"
    assert qe["Status"]["StateChangeReason"].startswith("INVALID_PARAMETER_USAGE: ")


def test_insert_registers_partitions_and_writes_a_manifest(lake: Lake) -> None:
    lake.put_bronze("2024-03-01", [event(i) for i in range(3)])
    qe = lake.query(
        "-- opens with a comment, as the handlers' SQL files do\n"
        "INSERT INTO github_events_gold_daily "
        "SELECT type, repo.name, count(*), count(DISTINCT actor.login), "
        "CAST(from_iso8601_timestamp(min(created_at)) AS timestamp), "
        "CAST(from_iso8601_timestamp(max(created_at)) AS timestamp), ingest_dt "
        "FROM github_events_bronze WHERE ingest_dt = '2024-03-01' GROUP BY type, repo.name, ingest_dt"
    )
    assert qe["Status"]["State"] == "SUCCEEDED", qe["Status"]
    assert lake.athena.get_query_results(QueryExecutionId=qe["QueryExecutionId"])["UpdateCount"] == 1
    parts = lake.glue.get_partitions(DatabaseName=lake.database, TableName="github_events_gold_daily")
    assert [p["Values"] for p in parts["Partitions"]] == [["2024-03-01"]]
    manifest = qe["Statistics"]["DataManifestLocation"]
    bucket, key = manifest[len("s3://") :].split("/", 1)
    files = lake.s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode().split()
    assert len(files) == 1 and "/ingest_dt=2024-03-01/" in files[0]
    assert qe["Statistics"]["DataScannedInBytes"] > 0


def test_ctas_lands_under_the_result_location_and_ddl_stays_with_athena(lake: Lake) -> None:
    qe = lake.query("CREATE TABLE ctas_t WITH (write_compression = 'GZIP') AS SELECT 1 AS x, 'a' AS y")
    assert qe["Status"]["State"] == "SUCCEEDED", qe["Status"]
    table = lake.glue.get_table(DatabaseName=lake.database, Name="ctas_t")["Table"]
    assert table["StorageDescriptor"]["Location"].startswith(f"s3://{lake.logs}/athena-results/tables/")
    assert lake.rows("SELECT x, y FROM ctas_t") == [["1", "a"]]
    again = lake.query("CREATE TABLE ctas_t AS SELECT 1 AS x")
    assert again["Status"]["StateChangeReason"].startswith("TABLE_ALREADY_EXISTS: ")
    # DROP is Athena's own statement: the Athena layer answers it, with Athena's Hive-style error.
    assert lake.query("DROP TABLE ctas_t")["Status"]["State"] == "SUCCEEDED"
    gone = lake.query("DROP TABLE ctas_t")
    assert gone["Status"]["StateChangeReason"].startswith("FAILED: SemanticException")


def test_bytes_scanned_cutoff_cancels(lake: Lake) -> None:
    lake.put_bronze("2024-03-01", [event(i) for i in range(2000)])
    # Athena's minimum cutoff is 10 MB; skip boto3's check to use a tiny one on tiny data.
    unchecked = boto3.client(
        "athena",
        endpoint_url=lake.athena.meta.endpoint_url,
        config=Config(parameter_validation=False),
        **CREDS,
    )
    unchecked.update_work_group(
        WorkGroup=lake.workgroup, ConfigurationUpdates={"BytesScannedCutoffPerQuery": 1024}
    )
    qe = lake.query("SELECT count(*) FROM github_events_bronze WHERE ingest_dt = '2024-03-01'")
    assert qe["Status"]["State"] == "CANCELLED"
    assert "Bytes scanned limit was exceeded" in qe["Status"]["StateChangeReason"]
    assert lake.query("SELECT 1")["Status"]["State"] == "SUCCEEDED"  # reads nothing: under any cutoff


def test_a_killed_trino_fails_the_query_and_the_next_one_runs(lake: Lake, athena_server: Any) -> None:
    trino = athena_server.backend.engine.server
    slow = SLOW
    qid = lake.athena.start_query_execution(
        QueryString=slow, WorkGroup=lake.workgroup, QueryExecutionContext={"Database": lake.database}
    )["QueryExecutionId"]
    deadline = time.monotonic() + 30
    while (
        lake.athena.get_query_execution(QueryExecutionId=qid)["QueryExecution"]["Status"]["State"]
        != "RUNNING"
    ):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(1.0)
    pid = trino.proc.pid
    os.kill(pid, signal.SIGKILL)  # as the kernel's OOM killer would
    qe = wait(lake.athena, qid, timeout=60)
    assert qe["Status"]["State"] == "FAILED"
    reason = qe["Status"]["StateChangeReason"]
    assert reason.startswith("GENERIC_INTERNAL_ERROR: the Trino engine process exited"), reason
    assert "restarted" in reason and qe["Status"]["AthenaError"]["Retryable"] is True
    assert trino.proc.pid != pid
    after = lake.query("SELECT 1 + 1", timeout=360)  # waits for the restarted Trino (minutes when loaded)
    assert after["Status"]["State"] == "SUCCEEDED", after["Status"]
    assert fetch_rows(lake.athena, after["QueryExecutionId"]) == [["2"]]


def test_stop_query_cancels_on_trino(lake: Lake) -> None:
    slow = SLOW
    qid = lake.athena.start_query_execution(
        QueryString=slow, WorkGroup=lake.workgroup, QueryExecutionContext={"Database": lake.database}
    )["QueryExecutionId"]
    stopper = threading.Timer(2.0, lambda: lake.athena.stop_query_execution(QueryExecutionId=qid))
    stopper.start()
    qe = wait(lake.athena, qid, timeout=60)
    stopper.join()
    assert qe["Status"]["State"] == "CANCELLED", qe["Status"]

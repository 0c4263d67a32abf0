"""The shared Athena runner, on botocore's Stubber: request shape, polling, failures, timeout."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from handler_support import ENV, FakeClock, metric_sum
from lakehouse_common.athena import (
    FAILURE_METRIC,
    AthenaRunner,
    QueryFailed,
    QueryTimeout,
    date_literal,
    load_sql,
    placeholder_count,
)
from lakehouse_common.logs import get_logger
from lakehouse_common.metrics import Metrics

SQL = "SELECT 1 FROM t WHERE d BETWEEN ? AND ?"


def status(state: str, reason: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"QueryExecution": {"QueryExecutionId": "q-1", "Status": {"State": state}}}
    if reason:
        out["QueryExecution"]["Status"]["StateChangeReason"] = reason
    return out


@pytest.fixture
def athena(boto_session: boto3.Session):
    client = boto_session.client("athena")
    with Stubber(client) as stub:
        yield client, stub
        stub.assert_no_pending_responses()


def make_runner(client: Any, clock: FakeClock, cloudwatch: Any, timeout: float = 60.0) -> AthenaRunner:
    return AthenaRunner(
        client,
        workgroup="lakehouse-test",
        database="lakehouse_test",
        metrics=Metrics(cloudwatch, "Lakehouse/Pipeline", ENV),
        transform="silver",
        timeout_seconds=timeout,
        clock=clock,
        logger=get_logger("test"),
    )


def test_query_runs_in_the_workgroup_with_bound_parameters_and_polls_with_backoff(athena, clock, aws):
    client, stub = athena
    stub.add_response(
        "start_query_execution",
        {"QueryExecutionId": "q-1"},
        {
            "QueryString": SQL,
            "WorkGroup": "lakehouse-test",
            "QueryExecutionContext": {"Catalog": "AwsDataCatalog", "Database": "lakehouse_test"},
            "ExecutionParameters": ["'2025-11-19'", "'2025-11-20'"],
        },
    )
    for state in ["QUEUED", "RUNNING", "RUNNING", "RUNNING", "RUNNING", "RUNNING", "RUNNING"]:
        stub.add_response("get_query_execution", status(state), {"QueryExecutionId": "q-1"})
    stub.add_response("get_query_execution", status("SUCCEEDED"))
    runner = make_runner(client, clock, aws["cloudwatch"])
    result = runner.run(SQL, [date_literal("2025-11-19"), date_literal("2025-11-20")], name="t")

    assert result.state == "SUCCEEDED" and result.query_id == "q-1"
    assert clock.sleeps == sorted(clock.sleeps) and clock.sleeps[0] == 0.5
    assert max(clock.sleeps) <= runner.poll_max


@pytest.mark.parametrize("state", ["FAILED", "CANCELLED"])
def test_failed_query_raises_athenas_reason_and_emits_the_failure_metric(athena, clock, aws, state):
    client, stub = athena
    reason = "COLUMN_NOT_FOUND: line 3:8: Column 'nope' cannot be resolved"
    stub.add_response("start_query_execution", {"QueryExecutionId": "q-1"})
    stub.add_response("get_query_execution", status("RUNNING"))
    stub.add_response("get_query_execution", status(state, reason))
    runner = make_runner(client, clock, aws["cloudwatch"])
    with pytest.raises(QueryFailed) as info:
        runner.run("SELECT 1", name="t")
    assert info.value.reason == reason and info.value.state == state and reason in str(info.value)
    runner.metrics.flush()
    assert metric_sum(aws["cloudwatch"], FAILURE_METRIC, Transform="silver") == 1


def test_query_past_its_timeout_is_cancelled_and_reported(athena, clock, aws):
    client, stub = athena
    stub.add_response("start_query_execution", {"QueryExecutionId": "q-1"})
    for _ in range(7):
        stub.add_response("get_query_execution", status("RUNNING"))
    stub.add_response("stop_query_execution", {}, {"QueryExecutionId": "q-1"})
    runner = make_runner(client, clock, aws["cloudwatch"], timeout=10)
    with pytest.raises(QueryTimeout, match="timed out after 10s"):
        runner.run("SELECT 1", name="t")
    assert sum(clock.sleeps) == pytest.approx(10)  # polled right up to the deadline, not past it
    assert runner.metrics.count(FAILURE_METRIC, Transform="silver") == 1


def test_a_query_that_cannot_start_is_a_failure_too(athena, clock, aws):
    client, stub = athena
    stub.add_client_error("start_query_execution", "InvalidRequestException", "workgroup is disabled")
    runner = make_runner(client, clock, aws["cloudwatch"])
    with pytest.raises(QueryFailed, match="workgroup is disabled"):
        runner.run("SELECT 1", name="t")
    assert runner.metrics.count(FAILURE_METRIC, Transform="silver") == 1


def test_parameters_must_match_the_placeholders(athena, clock, aws):
    client, _ = athena
    with pytest.raises(ValueError, match="2 placeholders but 1"):
        make_runner(client, clock, aws["cloudwatch"]).run(SQL, ["'x'"], name="t")


def test_placeholders_in_comments_and_strings_do_not_count():
    assert placeholder_count("SELECT '?' -- what?\nFROM t WHERE a = ? AND b = 'x?y'") == 1


def test_only_real_dates_become_literals():
    assert date_literal("2024-02-29") == "'2024-02-29'"
    for bad in ["2023-02-29", "2024-1-01", "2024-01-01' OR '1'='1", "", None]:
        with pytest.raises(ValueError):
            date_literal(bad)  # type: ignore[arg-type]


def test_sql_files_load_from_beside_the_package():
    assert "INSERT INTO github_events_silver" in load_sql("silver_insert")
    with pytest.raises(FileNotFoundError):
        load_sql("nope")
    with pytest.raises(ValueError):
        load_sql("../etc/passwd")

"""Handlers in Lambda style: clients made once and injectable, the invocation in every log line, and
Silver and Gold stopping before the Lambda deadline instead of being cut off by it."""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

import gold
import pytest
import silver
from handler_support import GOLD, make_events, metric_sum
from lakehouse_common import clients, logs
from lakehouse_common.keys import SILVER_STATE_KEY
from transform_support import fake_athena, gold_deps, ingest_into_bronze, silver_deps, transform_env

from harness.local.fake_github import FakeGitHub

QUERY_TIMEOUT = 30.0  # transform_env's QUERY_TIMEOUT_SECONDS
ENOUGH = (QUERY_TIMEOUT + 10.0 + 1.0) * 1000  # a query run to its timeout, the reserve, and a second
TOO_LITTLE = (QUERY_TIMEOUT + 10.0 - 1.0) * 1000


class Context:
    """A Lambda context whose time left is scripted: one value per call, the last one repeating."""

    def __init__(self, *remaining_ms: float) -> None:
        self.aws_request_id = str(uuid.uuid4())
        self.remaining = list(remaining_ms)

    def get_remaining_time_in_millis(self) -> int:
        value = self.remaining[0] if len(self.remaining) == 1 else self.remaining.pop(0)
        return int(value)


@pytest.fixture
def injected(aws: dict[str, Any]) -> Any:
    """The handlers' module-level clients, pointed at moto (and the fake Athena) for one test."""
    clients.reset()
    for service in ("s3", "glue", "cloudwatch"):
        clients.inject(service, aws[service])
    athena = fake_athena(aws)
    clients.inject("athena", athena)
    yield athena
    clients.reset()


class JsonLines(logging.Handler):
    """What the handlers' loggers write, formatted as on stdout, one parsed JSON object per line."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(logs.JsonFormatter())
        self.lines: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))

    def take(self) -> list[dict[str, Any]]:
        out, self.lines = self.lines, []
        return out


@pytest.fixture
def log_lines() -> Any:
    handler = JsonLines()
    loggers = [logging.getLogger(f"lakehouse.{name}") for name in ("ingest", "silver", "gold")]
    for logger in loggers:
        logger.addHandler(handler)
    yield handler
    for logger in loggers:
        logger.removeHandler(handler)


def test_clients_are_made_once_and_can_be_injected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    clients.reset()
    try:
        first = clients.client("s3")
        assert clients.client("s3") is first  # a warm invocation reuses it
        marker = object()
        clients.inject("s3", marker)
        assert clients.client("s3") is marker
    finally:
        clients.reset()


def test_deps_from_env_use_the_module_clients(injected: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in transform_env().items():
        monkeypatch.setenv(key, value)
    deps = silver.SilverDeps.from_env()
    assert deps.athena is injected and deps.s3 is clients.client("s3")
    assert gold.GoldDeps.from_env().glue is clients.client("glue")


def test_every_log_line_names_the_request_and_the_cold_start(
    aws: dict[str, Any], api: FakeGitHub, injected: Any, monkeypatch: pytest.MonkeyPatch, log_lines: Any
) -> None:
    for key, value in transform_env().items():
        monkeypatch.setenv(key, value)
    ingest_into_bronze(aws, api, make_events(3), "2025-11-20")
    monkeypatch.setattr(logs, "_invocations", 0)  # a fresh execution environment
    log_lines.take()
    first, second = Context(ENOUGH), Context(ENOUGH)
    silver.handler({}, first)
    cold = log_lines.take()
    silver.handler({}, second)
    warm = log_lines.take()
    assert cold and warm
    assert all(line["request_id"] == first.aws_request_id and line["cold_start"] is True for line in cold)
    assert all(line["request_id"] == second.aws_request_id and line["cold_start"] is False for line in warm)


def test_ingest_log_lines_carry_the_invocation_too(
    aws: dict[str, Any], api: FakeGitHub, monkeypatch: pytest.MonkeyPatch, log_lines: Any
) -> None:
    monkeypatch.setattr(logs, "_invocations", 0)
    context = Context(120_000)
    logs.start_invocation(context)
    ingest_into_bronze(aws, api, make_events(2), "2025-11-20")
    lines = log_lines.take()
    assert any(line["message"] == "poll done" for line in lines)
    assert all(line["request_id"] == context.aws_request_id and line["cold_start"] for line in lines)


def test_silver_stops_submitting_when_the_time_left_cannot_cover_a_query(
    aws: dict[str, Any], api: FakeGitHub, log_lines: Any
) -> None:
    # Two days apart: two ranges, two queries.
    ingest_into_bronze(aws, api, make_events(4), "2025-11-18")
    ingest_into_bronze(aws, api, make_events(3, start_id=70_000), "2025-11-20")
    athena = fake_athena(aws)
    log_lines.take()
    summary = silver.run({}, silver_deps(aws, athena), Context(ENOUGH, TOO_LITTLE))
    assert summary["status"] == "partial"
    assert len(summary["queries"]) == 1 and summary["not_submitted"] == ["2025-11-20..2025-11-20"]
    assert len(athena.requests) == 1  # the second query was never started
    warnings = [x for x in log_lines.take() if x["message"].startswith("not submitting")]
    assert len(warnings) == 1 and warnings[0]["queries_not_submitted"] == 1
    assert metric_sum(aws["cloudwatch"], "QueriesNotSubmitted", Transform="silver") == 1
    with pytest.raises(aws["s3"].exceptions.NoSuchKey):  # the watermark did not move: nothing is skipped
        aws["s3"].get_object(Bucket=silver_deps(aws, athena).config.silver_bucket, Key=SILVER_STATE_KEY)
    # The next run, with time enough, takes the whole window again; the SQL de-duplicates.
    assert silver.run({}, silver_deps(aws, athena), Context(ENOUGH))["status"] == "ok"
    assert len({row["event_id"] for row in athena.rows("github_events_silver")}) == 7


def test_silver_with_time_enough_runs_every_query(aws: dict[str, Any], api: FakeGitHub) -> None:
    ingest_into_bronze(aws, api, make_events(4), "2025-11-18")
    ingest_into_bronze(aws, api, make_events(3, start_id=70_000), "2025-11-20")
    athena = fake_athena(aws)
    summary = silver.run({}, silver_deps(aws, athena), Context(ENOUGH))
    assert summary["status"] == "ok" and len(summary["queries"]) == 2
    assert metric_sum(aws["cloudwatch"], "QueriesNotSubmitted", Transform="silver") == 0


def test_gold_leaves_the_day_alone_and_fails_when_time_is_short(aws: dict[str, Any], api: FakeGitHub) -> None:
    ingest_into_bronze(aws, api, make_events(5), "2025-11-20")
    athena = fake_athena(aws)
    silver.run({}, silver_deps(aws, athena))
    gold.run({"ingest_dt": "2025-11-20"}, gold_deps(aws, athena))
    before = aws["s3"].list_objects_v2(Bucket=GOLD)["KeyCount"]
    queries = len(athena.requests)
    with pytest.raises(gold.OutOfTime, match="not enough time left for gold_daily_insert 2025-11-20"):
        gold.run({"ingest_dt": "2025-11-20"}, gold_deps(aws, athena), Context(TOO_LITTLE))
    assert len(athena.requests) == queries  # nothing submitted
    assert aws["s3"].list_objects_v2(Bucket=GOLD)["KeyCount"] == before  # nothing cleared
    assert metric_sum(aws["cloudwatch"], "QueriesNotSubmitted", Transform="gold") == 1
    assert gold.run({"ingest_dt": "2025-11-20"}, gold_deps(aws, athena), Context(ENOUGH))["status"] == "ok"

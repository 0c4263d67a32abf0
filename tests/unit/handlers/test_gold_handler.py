"""Gold: daily aggregates from Silver; a re-run replaces the day (objects and partition)."""

from __future__ import annotations

from collections import Counter

import gold
import pytest
import silver
from handler_support import GOLD, START, FakeClock, make_events, metric_sum
from lakehouse_common.athena import QueryFailed
from transform_support import fake_athena, gold_deps, ingest_into_bronze, silver_deps

from harness.fixtures import load_events

DAY = "2025-11-20"


def gold_objects(aws, day: str = DAY) -> list[str]:
    out = aws["s3"].list_objects_v2(Bucket=GOLD, Prefix=f"github/events_gold_daily/ingest_dt={day}/")
    return [o["Key"] for o in out.get("Contents", [])]


def gold_partitions(aws) -> list[list[str]]:
    parts = aws["glue"].get_partitions(DatabaseName="lakehouse_test", TableName="github_events_gold_daily")
    return sorted(p["Values"] for p in parts["Partitions"])


@pytest.fixture
def loaded(aws, api):
    """Silver holding the fixtures (plus clones) on DAY and some events on the next day."""
    events = load_events() + make_events(30)
    ingest_into_bronze(aws, api, events, DAY)
    ingest_into_bronze(aws, api, make_events(7, start_id=70_000), "2025-11-21")
    athena = fake_athena(aws)
    silver.run({}, silver_deps(aws, athena))
    return athena, events


def test_gold_aggregates_one_day_by_type_and_repo(aws, loaded):
    athena, events = loaded
    summary = gold.run({"ingest_dt": DAY}, gold_deps(aws, athena))
    assert summary["ingest_dt"] == DAY
    rows = athena.rows("github_events_gold_daily")
    expected = Counter((e["type"], e["repo"]["name"]) for e in events)
    assert {(r["event_type"], r["repo_name"]): r["event_count"] for r in rows} == dict(expected)
    assert sum(r["event_count"] for r in rows) == len(events)  # gold_events == silver for the day
    assert {r["ingest_dt"] for r in rows} == {DAY}
    for r in rows:
        actors = {
            e["actor"]["id"]
            for e in events
            if (e["type"], e["repo"]["name"]) == (r["event_type"], r["repo_name"])
        }
        assert r["distinct_actors"] == len(actors)
        assert r["first_event_at"] <= r["last_event_at"]
    assert gold_partitions(aws) == [[DAY]]
    (request,) = athena.requests[-1:]
    assert request["ExecutionParameters"] == ["'2025'", "'11'", f"'{DAY}'"]


def test_rerunning_a_day_replaces_it_and_counts_never_double(aws, loaded):
    athena, _events = loaded
    deps = gold_deps(aws, athena)
    gold.run({"ingest_dt": DAY}, deps)
    first = sorted(
        (r["event_type"], r["repo_name"], r["event_count"]) for r in athena.rows("github_events_gold_daily")
    )
    objects = gold_objects(aws)
    for _ in range(2):
        summary = gold.run({"ingest_dt": DAY}, deps)
        assert summary["objects_deleted"] == 1 and summary["partition_replaced"] is True
    again = sorted(
        (r["event_type"], r["repo_name"], r["event_count"]) for r in athena.rows("github_events_gold_daily")
    )
    assert again == first
    assert len(gold_objects(aws)) == 1 and gold_objects(aws) != objects  # replaced, not added to
    assert gold_partitions(aws) == [[DAY]]


def test_other_days_are_left_alone(aws, loaded):
    athena, _ = loaded
    deps = gold_deps(aws, athena)
    gold.run({"ingest_dt": "2025-11-21"}, deps)
    gold.run({"ingest_dt": DAY}, deps)
    gold.run({"ingest_dt": DAY}, deps)
    by_day = Counter()
    for r in athena.rows("github_events_gold_daily"):
        by_day[r["ingest_dt"]] += r["event_count"]
    assert by_day["2025-11-21"] == 7
    assert gold_partitions(aws) == [[DAY], ["2025-11-21"]]


def test_default_day_is_yesterday(aws, loaded):
    athena, _ = loaded
    clock = FakeClock(START.replace(day=21))  # 2025-11-21 -> aggregates 2025-11-20
    summary = gold.run({}, gold_deps(aws, athena, clock))
    assert summary["ingest_dt"] == DAY


def test_a_day_without_silver_rows_leaves_an_empty_day(aws, loaded):
    athena, _ = loaded
    summary = gold.run({"ingest_dt": "2025-10-01"}, gold_deps(aws, athena))
    assert summary["objects_deleted"] == 0 and summary["partition_replaced"] is False
    assert [r for r in athena.rows("github_events_gold_daily") if r["ingest_dt"] == "2025-10-01"] == []


def test_bad_day_is_rejected_before_anything_is_deleted(aws, loaded):
    athena, _ = loaded
    deps = gold_deps(aws, athena)
    gold.run({"ingest_dt": DAY}, deps)
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        gold.run({"ingest_dt": "2025-11-2*"}, deps)
    assert len(gold_objects(aws)) == 1


def test_failed_query_surfaces_athenas_reason_and_the_failure_metric(aws, loaded):
    athena, _ = loaded
    reason = "TABLE_NOT_FOUND: line 1:13: Table 'awsdatacatalog.lakehouse_test.github_events_silver' missing"
    athena.scripted.append(
        {"states": [{"State": "QUEUED"}, {"State": "FAILED", "StateChangeReason": reason}]}
    )
    with pytest.raises(QueryFailed, match="TABLE_NOT_FOUND") as info:
        gold.run({"ingest_dt": DAY}, gold_deps(aws, athena))
    assert info.value.reason == reason
    assert metric_sum(aws["cloudwatch"], "AthenaQueryFailures", Transform="gold") == 1

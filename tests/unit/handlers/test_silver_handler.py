"""Silver: window selection, de-duplication (inside a window and against Silver), idempotent re-runs."""

from __future__ import annotations

import copy
import json
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import silver
from handler_support import RAW, SILVER, make_events, metric_sum
from lakehouse_common.athena import QueryFailed
from lakehouse_common.keys import SILVER_STATE_KEY
from transform_support import RealTimeNoSleepClock, fake_athena, ingest_into_bronze, silver_deps

from harness.fixtures import invalid_events, load_events


def silver_ids(athena) -> list[str]:
    return [row["event_id"] for row in athena.rows("github_events_silver")]


def assert_one_row_per_id(athena) -> None:
    ids = silver_ids(athena)
    assert [i for i, n in Counter(ids).items() if n > 1] == []


def test_silver_types_and_extracts_every_contract_column(aws, api):
    events = load_events()
    ingest_into_bronze(aws, api, events, "2025-11-20")
    athena = fake_athena(aws)
    summary = silver.run({}, silver_deps(aws, athena))

    assert summary["days"] == ["2025-11-20"]
    rows = {r["event_id"]: r for r in athena.rows("github_events_silver")}
    assert sorted(rows) == sorted(e["id"] for e in events)
    push = next(e for e in events if e["type"] == "PushEvent")
    row = rows[push["id"]]
    assert row["event_type"] == "PushEvent"
    assert row["created_at"] == datetime.fromisoformat(push["created_at"].replace("Z", "+00:00")).replace(
        tzinfo=None
    )
    assert (row["actor_id"], row["actor_login"]) == (push["actor"]["id"], push["actor"]["login"])
    assert (row["repo_id"], row["repo_name"]) == (push["repo"]["id"], push["repo"]["name"])
    assert row["payload_ref"] == "refs/heads/main" and row["is_public"] is True
    assert (row["year"], row["month"], row["ingest_dt"]) == ("2025", "11", "2025-11-20")
    for created in (e for e in events if e["type"] == "CreateEvent"):
        assert rows[created["id"]]["payload_ref_type"] == created["payload"]["ref_type"]
    issue = next(e for e in events if e["type"] == "IssuesEvent")
    assert rows[issue["id"]]["payload_action"] == issue["payload"]["action"]
    no_org = next(e for e in events if "org" not in e)
    assert rows[no_org["id"]]["org_id"] is None
    with_org = next(e for e in events if "org" in e)
    assert rows[with_org["id"]]["org_login"] == with_org["org"]["login"]
    # Athena registers the partition it wrote (no projection on Silver).
    parts = aws["glue"].get_partitions(DatabaseName="lakehouse_test", TableName="github_events_silver")
    assert [p["Values"] for p in parts["Partitions"]] == [["2025", "11"]]


def test_query_is_bound_with_parameters_in_the_workgroup(aws, api):
    ingest_into_bronze(aws, api, load_events()[:3], "2025-11-20")
    athena = fake_athena(aws)
    silver.run({}, silver_deps(aws, athena))
    (request,) = athena.requests
    assert request["ExecutionParameters"] == ["'2025-11-20'", "'2025-11-20'"]
    assert request["WorkGroup"] == "lakehouse-test"
    assert request["QueryExecutionContext"]["Database"] == "lakehouse_test"
    assert "2025-11-20" not in request["QueryString"]  # values are bound, not formatted in


def test_duplicates_in_bronze_become_one_silver_row_and_reruns_change_nothing(aws, api):
    events = make_events(40)
    ingest_into_bronze(aws, api, events, "2025-11-20")
    # The same events again on the next day (a re-delivery), plus 10 new ones.
    ingest_into_bronze(aws, api, make_events(10, start_id=61_000_000_000) + events[:15], "2025-11-21")
    # And a Bronze object holding the same event twice (an overlapping poll before leases existed).
    aws["s3"].put_object(
        Bucket=RAW,
        Key="github/events/ingest_dt=2025-11-21/manual.jsonl.gz",
        Body=__import__("gzip").compress(
            "".join(
                json.dumps({**events[0], "ingested_at": "2025-11-21T00:00:00.000Z", "source": "x"}) + "\n"
                for _ in range(2)
            ).encode()
        ),
    )
    athena = fake_athena(aws)
    deps = silver_deps(aws, athena)
    silver.run({}, deps)
    assert len(silver_ids(athena)) == 50
    assert_one_row_per_id(athena)
    first = {r["event_id"]: r["ingest_dt"] for r in athena.rows("github_events_silver")}
    assert first[events[0]["id"]] == "2025-11-20"  # the earliest copy wins

    for event in ({}, {"from_dt": "2025-11-20", "to_dt": "2025-11-21"}, {"ingest_dts": ["2025-11-21"]}, {}):
        silver.run(event, deps)
        assert len(silver_ids(athena)) == 50
        assert_one_row_per_id(athena)


def test_any_sequence_of_ingests_and_runs_keeps_one_row_per_id(aws, api):
    athena = fake_athena(aws)
    deps = silver_deps(aws, athena)
    served: set[str] = set()
    batches = [
        (make_events(30, start_id=10_000), "2025-11-18"),
        (make_events(30, start_id=10_010), "2025-11-18"),  # overlaps the first by 20
        (make_events(25, start_id=10_030), "2025-11-19"),
        (make_events(60, start_id=10_000), "2025-11-20"),  # all seen before, plus new ones
    ]
    windows = [{}, {"from_dt": "2025-11-18", "to_dt": "2025-11-20"}, {"ingest_dts": ["2025-11-19"]}]
    for i, (events, day) in enumerate(batches):
        ingest_into_bronze(aws, api, events, day)
        served |= {e["id"] for e in events}
        silver.run(windows[i % len(windows)], deps)
        silver.run({}, deps)
        assert_one_row_per_id(athena)
    silver.run({"from_dt": "2025-11-18", "to_dt": "2025-11-20"}, deps)
    assert sorted(silver_ids(athena)) == sorted(served)
    assert_one_row_per_id(athena)


def _bronze_object(aws, day: str, name: str, events, ingested_at: str, source: str) -> None:
    lines = "".join(json.dumps({**e, "ingested_at": ingested_at, "source": source}) + "\n" for e in events)
    aws["s3"].put_object(
        Bucket=RAW,
        Key=f"github/events/ingest_dt={day}/{name}.jsonl.gz",
        Body=__import__("gzip").compress(lines.encode()),
    )


def test_live_and_archive_copies_of_an_event_make_one_row_on_the_day_of_the_earliest_copy(aws):
    """The two sources overlap by design: the live poll files an event of 23:xx under the next day, the
    archive under its hour's day, in either order."""
    live_url, archive_url = (
        "https://api.github.com/events",
        "https://data.gharchive.org/2025-11-20-23.json.gz",
    )
    hour = make_events(30, start_id=70_000)
    athena = fake_athena(aws)
    deps = silver_deps(aws, athena)
    # Live first: 10 of them polled after midnight (filed 11-21) and Silver'd; then the archive files the
    # whole hour under 11-20. The 10 stay on 11-21, the other 20 land on 11-20.
    _bronze_object(aws, "2025-11-21", "live-1", hour[:10], "2025-11-21T00:10:00.000Z", live_url)
    silver.run({"ingest_dts": ["2025-11-21"]}, deps)
    _bronze_object(
        aws, "2025-11-20", "archive-2025-11-20-23-a-00000", hour, "2025-11-21T01:05:00.000Z", archive_url
    )
    silver.run({"from_dt": "2025-11-20", "to_dt": "2025-11-21"}, deps)
    days = Counter(r["ingest_dt"] for r in athena.rows("github_events_silver"))
    assert days == {"2025-11-21": 10, "2025-11-20": 20}
    # Archive first, in one window with a later live copy: the earlier ingested_at wins, whatever the day.
    later = make_events(5, start_id=80_000)
    _bronze_object(
        aws, "2025-11-22", "archive-2025-11-22-23-b-00000", later, "2025-11-23T01:05:00.000Z", archive_url
    )
    _bronze_object(aws, "2025-11-23", "live-2", later, "2025-11-23T02:00:00.000Z", live_url)
    silver.run({"from_dt": "2025-11-22", "to_dt": "2025-11-23"}, deps)
    rows = {r["event_id"]: r["ingest_dt"] for r in athena.rows("github_events_silver")}
    assert {rows[e["id"]] for e in later} == {"2025-11-22"}
    assert len(rows) == 35
    assert_one_row_per_id(athena)
    # Re-running any window changes nothing.
    silver.run({"from_dt": "2025-11-20", "to_dt": "2025-11-23"}, deps)
    assert len(silver_ids(athena)) == 35


def test_invalid_events_never_reach_silver(aws, api):
    valid = load_events()[:4]
    ingest_into_bronze(aws, api, valid + [e for e, _ in invalid_events()], "2025-11-20")
    athena = fake_athena(aws)
    silver.run({}, silver_deps(aws, athena))
    assert sorted(silver_ids(athena)) == sorted(e["id"] for e in valid)


def test_first_run_takes_every_partition_and_records_a_watermark_with_overlap(aws, api):
    ingest_into_bronze(aws, api, make_events(5), "2025-11-18")
    ingest_into_bronze(aws, api, make_events(5, start_id=5_000), "2025-11-20")
    athena = fake_athena(aws)
    clock = RealTimeNoSleepClock()
    before = clock.now()
    summary = silver.run({}, silver_deps(aws, athena, clock))
    assert summary["days"] == ["2025-11-18", "2025-11-20"]
    assert [r["ExecutionParameters"] for r in athena.requests] == [
        ["'2025-11-18'", "'2025-11-18'"],
        ["'2025-11-20'", "'2025-11-20'"],
    ]
    state = json.loads(aws["s3"].get_object(Bucket=SILVER, Key=SILVER_STATE_KEY)["Body"].read())
    watermark = datetime.fromisoformat(state["watermark"].replace("Z", "+00:00"))
    assert watermark <= before - silver.WATERMARK_OVERLAP + timedelta(seconds=5)
    assert state["last_window"] == summary["days"]
    # An explicit window does not move the watermark.
    silver.run({"ingest_dts": ["2025-11-18"]}, silver_deps(aws, athena, clock))
    assert json.loads(aws["s3"].get_object(Bucket=SILVER, Key=SILVER_STATE_KEY)["Body"].read()) == state


class ListingOnly:
    """An S3 client whose listing we control (moto's LastModified has one-second resolution)."""

    def __init__(self, objects: dict[str, datetime]) -> None:
        self.objects = objects

    def get_paginator(self, name: str):
        assert name == "list_objects_v2"
        objects = self.objects

        class Pages:
            def paginate(self, Bucket: str, Prefix: str):
                items = [{"Key": k, "LastModified": t} for k, t in objects.items() if k.startswith(Prefix)]
                return [{"Contents": items[:2]}, {"Contents": items[2:]}]

        return Pages()


def test_touched_partitions_are_those_with_objects_newer_than_the_watermark():
    t0 = datetime(2025, 11, 20, 12, 0, tzinfo=UTC)
    s3 = ListingOnly(
        {
            "github/events/ingest_dt=2025-11-18/a.jsonl.gz": t0 - timedelta(days=2),
            "github/events/ingest_dt=2025-11-19/a.jsonl.gz": t0 - timedelta(minutes=1),
            "github/events/ingest_dt=2025-11-19/b.jsonl.gz": t0 + timedelta(minutes=1),
            "github/events/ingest_dt=2024-01-01/late-backfill.jsonl.gz": t0 + timedelta(minutes=2),
            "github/events/not-a-partition.txt": t0 + timedelta(minutes=2),
            "github/quarantine/ingest_dt=2025-11-20/q.jsonl.gz": t0 + timedelta(minutes=2),
        }
    )
    assert silver.touched_partitions(s3, RAW, t0) == ["2024-01-01", "2025-11-19"]
    assert silver.touched_partitions(s3, RAW, None) == ["2024-01-01", "2025-11-18", "2025-11-19"]


def test_gaps_in_the_window_become_separate_queries():
    assert silver.contiguous_ranges(
        ["2025-11-03", "2025-11-01", "2025-11-02", "2025-11-07", "2025-12-31"]
    ) == [
        ("2025-11-01", "2025-11-03"),
        ("2025-11-07", "2025-11-07"),
        ("2025-12-31", "2025-12-31"),
    ]


def test_explicit_windows_are_validated(aws):
    deps = silver_deps(aws, fake_athena(aws))
    for bad in (
        {"from_dt": "2025-11-20'; DROP TABLE x; --"},
        {"from_dt": "2025-11-21", "to_dt": "2025-11-20"},
        {"ingest_dts": "2025-11-20"},
        {"from_dt": "2020-01-01", "to_dt": "2025-01-01"},
    ):
        with pytest.raises(ValueError):
            silver.run(copy.deepcopy(bad), deps)


def test_failed_query_surfaces_athenas_reason_and_keeps_the_watermark(aws, api):
    ingest_into_bronze(aws, api, make_events(5), "2025-11-20")
    athena = fake_athena(aws)
    reason = "HIVE_BAD_DATA: Error parsing field value '2025-13-45' for field 2"
    athena.scripted.append(
        {"states": [{"State": "RUNNING"}, {"State": "FAILED", "StateChangeReason": reason}]}
    )
    with pytest.raises(QueryFailed) as info:
        silver.run({}, silver_deps(aws, athena))
    assert info.value.reason == reason
    assert metric_sum(aws["cloudwatch"], "AthenaQueryFailures", Transform="silver") == 1
    with pytest.raises(aws["s3"].exceptions.NoSuchKey):
        aws["s3"].get_object(Bucket=SILVER, Key=SILVER_STATE_KEY)  # the next run retries the window
    silver.run({}, silver_deps(aws, athena))
    assert len(silver_ids(athena)) == 5


def test_nothing_touched_runs_no_query(aws):
    athena = fake_athena(aws)
    summary = silver.run({}, silver_deps(aws, athena))
    assert summary["days"] == [] and athena.requests == []

"""Live polls and GH Archive hours together, through the deployed pipeline on its schedules; exact counts.

The deployed archive function loads hours from the fake archive (tests/integration/conftest.py: 40 lines an
hour, a few invalid; lag 1 h, lookback 3 h) while the deployed ingest polls the fake GitHub API, which
serves some of the very events the archive publishes: the two sources overlap by design. Every scenario
keeps to its own days in May 2025 (the other modules of the `deployed` group use March and April, and
`lakehouse run` refuses a day that holds data) and records, in landing order, each copy the fakes
delivered: a live record when a poll served it, an archive hour's lines when the archive served that
hour's file whole. Expected counts
come from that ledger alone, never from the pipeline:

- Bronze holds every copy (at-least-once): the day's live records plus its archive hours' valid lines;
- quarantine holds the invalid ones, with their reason;
- Silver holds each distinct valid event id once, on the day of its earliest copy (the Silver SQL keeps the
  earliest ``ingested_at`` of its window and skips ids already in Silver; the scenarios' Silver windows
  reach as far back as the archive writes, as the deployed Silver's watermark does);
- Gold: ``gold_events == silver`` and one row per distinct (event_type, repo_name) of the day's Silver.

test_engine_parity.py (after every scenario) rebuilds Silver and Gold from all of this Bronze on both local
Athena engines and requires the same per-day counts: the cross-source de-duplication, on Trino and DuckDB.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from harness.commands import backfill
from harness.fixtures import load_events, validate_event
from harness.local.fake_archive import ArchiveFault, FakeArchive
from harness.local.fake_github import FakeGitHub
from harness.pipeline import invariants
from harness.pipeline.counts import Expected, Lake, LayerCounts, record, record_key
from harness.pipeline.runtime import Invocation
from harness.pipeline.schedule import Firing, Pipeline, day_start
from harness.targets.environment import Deployment

pytestmark = [pytest.mark.toolchain, pytest.mark.integration, pytest.mark.xdist_group("deployed")]


def at(day: str, hh: int, mm: int, days: int = 0) -> datetime:
    return day_start(day) + timedelta(days=days, hours=hh, minutes=mm)


def hour_of(day: str, hh: int) -> str:
    return f"{day}T{hh:02d}"


def live_only_events(tag: int, n: int, day: str) -> list[dict[str, Any]]:
    """n valid events only the live API serves (ids unlike the archive's 11-digit ones), newest first."""
    base = load_events()
    out = []
    for i in range(n):
        event = copy.deepcopy(base[i % len(base)])
        event["id"] = f"{tag}{i:05d}"
        event["created_at"] = f"{day}T{(n - i) % 24:02d}:{i % 60:02d}:00Z"
        out.append(event)
    return out


@dataclass(frozen=True)
class Copy:
    """One copy of a record the fakes delivered into the pipeline, in landing order."""

    day: str  # its ingest_dt: the poll's simulated day, or the archive hour's date
    source: str  # "live" | "archive"
    record: Any

    @property
    def valid(self) -> bool:
        return isinstance(self.record, dict) and not validate_event(self.record)

    @property
    def key(self) -> str:
        return record_key(self.record)


@dataclass(frozen=True)
class DayExpected:
    bronze: int  # lines: every valid copy
    bronze_ids: frozenset[str]
    quarantined: int
    silver_ids: frozenset[str]  # ids whose earliest copy landed on this day
    groups: frozenset[tuple[str | None, str | None]]
    unique: int  # distinct records that landed on the day


@dataclass
class ArchiveScenario:
    api: FakeGitHub
    archive: FakeArchive
    pipe: Pipeline
    lake: Lake
    name: str
    ledger: list[Copy] = field(default_factory=list)
    _live_mark: int = 0
    _live_day: str | None = None
    _archive_seen: dict[str, int] = field(default_factory=dict)

    # -- driving the pipeline, recording what landed --------------------------------------------------
    def serve_live(self, feed: list[Any]) -> None:
        self.api.load_events(feed)
        self.api.reset_counters()
        self._live_mark = 0
        self.pipe.reset_ingest_state()

    def sync(self) -> None:
        """Put what the fakes delivered since the last sync into the ledger: archive hours whose file was
        served whole (each complete body is one load of the hour), then records the live API served."""
        for hour, n in sorted(self.archive.completed.items()):
            for _ in range(n - self._archive_seen.get(hour, 0)):
                self.ledger += [Copy(hour[:10], "archive", r) for r in self.archive.records(hour)]
            self._archive_seen[hour] = n
        served = self.api.served_records[self._live_mark :]
        self._live_mark = len(self.api.served_records)
        self.ledger += [Copy(self._live_day or "", "live", r) for r in served]

    def before(self, when: datetime, role: str) -> None:
        """Hook for Pipeline.run: record the previous firing's deliveries before the next one starts."""
        self.sync()
        if role == "ingest":
            self._live_day = when.date().isoformat()

    def ingest(self, when: datetime) -> dict[str, Any]:
        self.before(when, "ingest")
        out = self.pipe.fire("ingest", when).invocation.raise_for_error()
        self.sync()
        return out

    def archive_run(self, when: datetime | None = None, event: dict[str, Any] | None = None) -> Invocation:
        """One archive invocation: the scheduled firing at ``when``, or ``event`` as given."""
        self.sync()
        inv = self.pipe.fire("archive", when).invocation if when else self.pipe.invoke("archive", event or {})
        self.sync()
        return inv

    def silver(self, when: datetime) -> dict[str, Any]:
        return self.pipe.fire("silver", when).invocation.raise_for_error()

    def gold(self, day: str) -> dict[str, Any]:
        return self.pipe.fire("gold", at(day, 1, 30, days=1)).invocation.raise_for_error()

    # -- what the ledger says the lake must hold ----------------------------------------------------------
    def expected(self, day: str) -> DayExpected:
        self.sync()
        first_day: dict[str, str] = {}
        first_record: dict[str, Any] = {}
        for c in self.ledger:
            if c.valid and c.key not in first_day:
                first_day[c.key], first_record[c.key] = c.day, c.record
        on_day = [c for c in self.ledger if c.day == day]
        valid = [c for c in on_day if c.valid]
        silver = frozenset(k for k, d in first_day.items() if d == day)
        groups = frozenset(
            (first_record[k].get("type"), (first_record[k].get("repo") or {}).get("name")) for k in silver
        )
        live_invalid = {c.key for c in on_day if not c.valid and c.source == "live"}
        archive_invalid = sum(1 for c in on_day if not c.valid and c.source == "archive")
        return DayExpected(
            bronze=len(valid),
            bronze_ids=frozenset(c.key for c in valid),
            quarantined=len(live_invalid) + archive_invalid,
            silver_ids=silver,
            groups=groups,
            unique=len({c.key for c in on_day}),
        )

    def assert_day(self, day: str, *, gold_built: bool = True) -> LayerCounts:
        exp = self.expected(day)
        got, keys = self.lake.counts(day), self.lake.day_keys(day)
        assert (got.bronze, got.bronze_ids) == (exp.bronze, len(exp.bronze_ids)), (day, got, exp.bronze)
        assert keys.bronze_ids == set(exp.bronze_ids), day
        assert got.quarantined == exp.quarantined, (day, got)
        assert (got.silver, got.silver_ids) == (len(exp.silver_ids), len(exp.silver_ids)), (day, got)
        assert keys.silver_ids == set(exp.silver_ids), day
        if gold_built:
            assert got.gold_events == got.silver, (day, got)
            assert got.gold_rows == len(exp.groups), (day, got)
            assert keys.gold_groups == set(exp.groups), day
        record(got, scenario=self.name, expected=self._as_expected(exp), gold_built=gold_built)
        return got

    @staticmethod
    def _as_expected(exp: DayExpected) -> Expected:
        return Expected(
            served=exp.bronze + exp.quarantined,
            unique=exp.unique,
            valid_ids=exp.silver_ids,
            invalid_keys=frozenset(),
            groups=exp.groups,
        )

    def archive_hours_done(self) -> dict[str, int]:
        return dict(self.archive.completed)


@pytest.fixture
def scenario(
    fake_github: FakeGitHub,
    fake_archive: FakeArchive,
    pipeline: Pipeline,
    lake: Lake,
    archive_settings: dict[str, int],
    request: pytest.FixtureRequest,
) -> Iterator[ArchiveScenario]:
    # The hours each scenario expects a firing to load follow from these.
    assert archive_settings == {"lag_hours": 1, "lookback_hours": 3}, archive_settings
    assert fake_archive.pending_faults == 0, "archive faults left over from an earlier scenario"
    fake_archive.reset_counters()
    reach = pipeline.silver_reach
    pipeline.silver_reach = pipeline.archive_reach()  # as far back as the archive writes
    try:
        yield ArchiveScenario(
            fake_github, fake_archive, pipeline, lake, request.node.name.removeprefix("test_")
        )
    finally:
        pipeline.silver_reach = reach
    assert fake_archive.pending_faults == 0, "the scenario queued archive faults that were never served"


def archive_results(firings: list[Firing]) -> list[dict[str, Any]]:
    out = []
    for f in firings:
        if f.role == "archive":
            assert f.ok, f"archive at {f.at} failed: {f.invocation.error_type}: {f.invocation.error_message}"
            out.append(f.invocation.result)
    return out


def statuses(result: dict[str, Any]) -> dict[str, str]:
    return {r["hour"]: r["status"] for r in result["results"]}


def valid_records(archive: FakeArchive, hour: str) -> list[dict[str, Any]]:
    return [r for r in archive.records(hour) if isinstance(r, dict) and not validate_event(r)]


# ---------------------------------------------------------------------------------------------------------


def test_live_and_archive_overlap_within_one_day(scenario: ArchiveScenario, pipeline: Pipeline) -> None:
    day = "2025-05-02"
    overlap = valid_records(scenario.archive, hour_of(day, 10))[:20]
    live = live_only_events(71, 10, day)
    # The live API sees 20 of hour 10's events (and 10 the archive never has) before the archive is due.
    scenario.serve_live(live[:5] + list(reversed(overlap)) + live[5:])
    first = scenario.ingest(at(day, 10, 50))
    assert first["written"] == 30
    # 11:00 .. 13:20 on the deployed schedules: archive at 11:05, 12:05, 13:05; silver at :15.
    firings = pipeline.run(
        at(day, 11, 0), at(day, 13, 20), roles=("archive", "silver"), before=scenario.before
    )
    results = archive_results(firings)
    # Each firing loads the three due hours not yet done; a done hour is skipped, never loaded again.
    assert [statuses(r) for r in results] == [
        {hour_of(day, 7): "done", hour_of(day, 8): "done", hour_of(day, 9): "done"},
        {hour_of(day, 8): "skipped", hour_of(day, 9): "skipped", hour_of(day, 10): "done"},
        {hour_of(day, 9): "skipped", hour_of(day, 10): "skipped", hour_of(day, 11): "done"},
    ]
    assert scenario.archive_hours_done() == {hour_of(day, h): 1 for h in range(7, 12)}
    scenario.gold(day)
    exp = scenario.expected(day)
    assert exp.bronze == len(exp.bronze_ids) + 20  # the 20 overlapping events are in Bronze twice ...
    got = scenario.assert_day(day)
    assert got.silver == len(exp.bronze_ids)  # ... and in Silver once


def test_the_same_event_live_on_one_day_and_from_the_archive_on_another(
    scenario: ArchiveScenario, pipeline: Pipeline
) -> None:
    d1, d2 = "2025-05-05", "2025-05-06"
    late = valid_records(scenario.archive, hour_of(d1, 23))
    early = valid_records(scenario.archive, hour_of(d1, 22))
    # Events of 23:xx on d1, first polled live just after midnight: filed under d2, Silver'd under d2 ...
    scenario.serve_live(list(reversed(late[:15])))
    assert scenario.ingest(at(d2, 0, 10))["written"] == 15
    assert scenario.silver(at(d2, 0, 15))["days"] == [d1, d2]
    # ... then the archive's 01:05 run files their hour (21, 22, 23 of d1) under d1: Silver skips the 15.
    result = scenario.archive_run(at(d2, 1, 5)).raise_for_error()
    assert statuses(result) == {hour_of(d1, 21): "done", hour_of(d1, 22): "done", hour_of(d1, 23): "done"}
    assert scenario.silver(at(d2, 1, 15))["days"] == [d1, d2]
    scenario.gold(d1)
    # The other way round: hour 22's events reach the live API only after the archive loaded them.
    scenario.serve_live(list(reversed(early[:10])))
    assert scenario.ingest(at(d2, 2, 0))["written"] == 10
    scenario.silver(at(d2, 2, 15))
    scenario.gold(d2)
    first, second = scenario.assert_day(d1), scenario.assert_day(d2)
    assert second.bronze == 25 and second.silver == 15  # the 10 later live copies were already in Silver
    assert first.silver == len(scenario.expected(d1).bronze_ids) - 15


def test_re_runs_and_overlapping_archive_runs_never_duplicate(
    scenario: ArchiveScenario, pipeline: Pipeline
) -> None:
    day = "2025-05-08"
    hours = [hour_of(day, h) for h in (8, 9, 10)]
    # Two invocations of the same firing at once (an async retry beside a late first try): the first holds
    # hour 08's lease while its file is slow; the second finds it running and goes on to 09 and 10.
    scenario.archive.enqueue(ArchiveFault.slow(3.0, hour=hours[0]))
    event = pipeline.scheduled_event("archive", at(day, 12, 5))
    assert event == {"hours": hours}
    scenario.sync()
    out: list[Invocation] = []
    threads = [
        threading.Thread(target=lambda: out.append(pipeline.invoke("archive", event))) for _ in range(2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    scenario.sync()
    assert all(inv.ok for inv in out), [inv.error_message for inv in out]
    done = sum(inv.result["hours"]["done"] for inv in out)
    skipped = sum(inv.result["hours"]["skipped"] for inv in out)
    assert (done, skipped) == (3, 3)
    # The same firing again, and the same hours as a backfill: nothing is loaded twice.
    again = scenario.archive_run(at(day, 12, 5)).raise_for_error()
    backfill = scenario.archive_run(event={"hours": hours}).raise_for_error()
    assert again["hours"] == backfill["hours"] == {"done": 0, "missing": 0, "failed": 0, "skipped": 3}
    assert scenario.archive_hours_done() == dict.fromkeys(hours, 1)
    scenario.silver(at(day, 12, 15))
    scenario.silver(at(day, 13, 15))
    scenario.gold(day)
    scenario.gold(day)
    got = scenario.assert_day(day)
    assert got.bronze == sum(len(valid_records(scenario.archive, h)) for h in hours)


def test_a_missing_hour_is_picked_up_once_published(scenario: ArchiveScenario, pipeline: Pipeline) -> None:
    day = "2025-05-10"
    scenario.archive.withdraw(hour_of(day, 10))
    try:
        first = scenario.archive_run(at(day, 12, 5)).raise_for_error()
        assert statuses(first) == {
            hour_of(day, 8): "done",
            hour_of(day, 9): "done",
            hour_of(day, 10): "missing",
        }
        scenario.silver(at(day, 12, 15))
        assert scenario.lake.counts(day).bronze == sum(
            len(valid_records(scenario.archive, hour_of(day, h))) for h in (8, 9)
        )
    finally:
        scenario.archive.publish(hour_of(day, 10))
    later = scenario.archive_run(at(day, 13, 5)).raise_for_error()
    assert statuses(later) == {hour_of(day, 9): "skipped", hour_of(day, 10): "done", hour_of(day, 11): "done"}
    scenario.silver(at(day, 13, 15))
    scenario.gold(day)
    assert scenario.archive_hours_done() == {hour_of(day, h): 1 for h in (8, 9, 10, 11)}
    scenario.assert_day(day)


def _failed_hours(deployment: Deployment, pipeline: Pipeline) -> float:
    cw = deployment.client("cloudwatch")
    now = datetime.now(UTC)
    stats = cw.get_metric_statistics(
        Namespace=pipeline.functions["archive"].environment["METRICS_NAMESPACE"],
        MetricName="ArchiveHoursFailed",
        Dimensions=[{"Name": "Environment", "Value": deployment.env}],
        StartTime=now - timedelta(hours=1),
        EndTime=now + timedelta(minutes=5),
        Period=3600,
        Statistics=["Sum"],
    )
    return sum(p["Sum"] for p in stats["Datapoints"])


def test_a_truncated_file_is_retried_and_a_partial_hour_never_counts(
    scenario: ArchiveScenario, pipeline: Pipeline, deployment: Deployment
) -> None:
    day = "2025-05-12"
    h8, h9, h10 = (hour_of(day, h) for h in (8, 9, 10))
    failed_before = _failed_hours(deployment, pipeline)
    # Hour 08: one damaged file, then a 503, then served whole: retried within the run. Hour 09: the
    # connection cut mid-body, then whole. Hour 10: damaged on every attempt of the run: failed, nothing kept.
    scenario.archive.enqueue(
        ArchiveFault.truncated_gzip(hour=h8),
        ArchiveFault.server_error(503, hour=h8),
        ArchiveFault.cut(hour=h9),
        ArchiveFault.truncated_gzip(hour=h10, times=4),
    )
    first = scenario.archive_run(at(day, 12, 5)).raise_for_error()
    assert statuses(first) == {h8: "done", h9: "done", h10: "failed"}
    assert _failed_hours(deployment, pipeline) - failed_before == 1  # what the failed-hours alarm watches
    (alarm,) = deployment.client("cloudwatch").describe_alarms(
        AlarmNames=[f"dp-{deployment.env}-archive-failed-hours"]
    )["MetricAlarms"]
    assert alarm["MetricName"] == "ArchiveHoursFailed"
    assert {d["Name"]: d["Value"] for d in alarm["Dimensions"]} == {"Environment": deployment.env}
    stem = f"github/events/ingest_dt={day}/archive-{day}-10-"
    left = scenario.lake.s3.list_objects_v2(Bucket=scenario.lake.raw_bucket, Prefix=stem).get("KeyCount", 0)
    assert left == 0, "a failed hour left Bronze objects behind"
    scenario.silver(at(day, 12, 15))
    assert scenario.lake.counts(day).bronze == sum(len(valid_records(scenario.archive, h)) for h in (h8, h9))
    # The next scheduled run retries the failed hour and loads it once.
    later = scenario.archive_run(at(day, 13, 5)).raise_for_error()
    assert statuses(later) == {h9: "skipped", h10: "done", hour_of(day, 11): "done"}
    scenario.silver(at(day, 13, 15))
    scenario.gold(day)
    assert scenario.archive_hours_done() == {h8: 1, h9: 1, h10: 1, hour_of(day, 11): 1}
    scenario.assert_day(day)


def test_backfill_loads_a_range_across_days_through_the_deployed_function(
    scenario: ArchiveScenario, pipeline: Pipeline, lake: Lake
) -> None:
    """`lakehouse backfill`'s path after it has an environment: throttled batches of hours through the
    deployed archive function, Silver and Gold for the days touched, the counts it prints; then the same
    range again, once its missing hour is published, reads that hour alone."""
    first_day, second_day = "2025-05-14", "2025-05-15"
    hours = [hour_of(first_day, 22), hour_of(first_day, 23), hour_of(second_day, 0), hour_of(second_day, 1)]
    scenario.archive.withdraw(hours[1])
    progress: list[str] = []
    try:
        scenario.sync()
        shown, facts, loaded = backfill.backfill(
            hours, pipeline, lake, scenario.archive, batch_hours=2, progress=progress.append
        )
        scenario.sync()
    finally:
        scenario.archive.publish(hours[1])
    done = [h for h in hours if h != hours[1]]
    assert loaded.hours("done") == done and loaded.hours("missing") == [hours[1]]
    assert progress[0].startswith("archive batch 1/2") and progress[1].startswith("archive batch 2/2")
    expected = [scenario.archive.expected_events(h) for h in done]
    assert shown["served"] == sum(e.lines for e in expected)
    assert shown["bronze"] == shown["silver"] == shown["gold_events"] == sum(e.valid for e in expected)
    assert shown["quarantined"] == sum(e.invalid for e in expected)
    invariants.require(facts, where="the backfilled range")
    for day in (first_day, second_day):
        scenario.assert_day(day)
    # Again, now that the missing hour is published: it alone is read; done hours count as done unread.
    again, _, reloaded = backfill.backfill(hours, pipeline, lake, scenario.archive, 24, lambda _: None)
    scenario.sync()
    assert reloaded.hours("done") == hours and reloaded.hours("missing") == []
    late = scenario.archive.expected_events(hours[1]).valid
    assert again["bronze"] == again["silver"] == again["gold_events"] == shown["bronze"] + late
    assert scenario.archive_hours_done() == dict.fromkeys(hours, 1)
    scenario.assert_day(first_day)

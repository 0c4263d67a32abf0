"""The deployed pipeline, driven on its deployed schedules against the fake GitHub API; exact counts.

These are the live path's scenarios: their runs fire the live schedules (LIVE_ROLES), not the archive's
(tests/integration/test_archive.py has those). All scenarios share the one environment of the
`deployment` fixture (apply and destroy cost minutes). Each scenario keeps to its own ingest day(s) and its
own event ids (Silver de-duplicates ids across days), and starts from a fresh ingest state; counts are
asserted per day. Expected counts come from what the fake API served (distinct valid records by GitHub's
Event schema, distinct invalid ones), never from the pipeline.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from harness.fixtures import invalid_events, load_events
from harness.local.fake_github import FakeGitHub, Fault
from harness.pipeline.counts import Expected, Lake, LayerCounts, expected_counts, record, record_key
from harness.pipeline.runtime import Invocation
from harness.pipeline.schedule import LIVE_ROLES, Firing, Pipeline, day_start
from harness.targets.environment import Deployment

pytestmark = [pytest.mark.toolchain, pytest.mark.integration, pytest.mark.xdist_group("deployed")]


def make_events(tag: int, n: int, day: str) -> list[dict[str, Any]]:
    """n valid events (the canned ones, cycled) with ids unique to this scenario, created on ``day``.

    Newest first, as the API lists them. Ids are digits, like GitHub's: <tag><index>.
    """
    base = load_events()
    out = []
    for i in range(n):
        event = copy.deepcopy(base[i % len(base)])
        event["id"] = f"{tag}{i:06d}"
        minute = (n - i) % 1440
        event["created_at"] = f"{day}T{minute // 60:02d}:{minute % 60:02d}:00Z"
        out.append(event)
    return out


@dataclass
class Scenario:
    """One scenario's view: the API's served records labelled by the simulated day they were served on."""

    api: FakeGitHub
    pipe: Pipeline
    lake: Lake
    served: list[tuple[str, Any]] = field(default_factory=list)  # (ingest_dt, record)
    name: str = ""
    _mark: int = 0
    _day: str | None = None

    def start(self, feed: list[Any]) -> None:
        self.api.load_events(feed)
        self.api.reset_counters()
        self.pipe.reset_ingest_state()

    def _collect(self) -> None:
        if self._day is not None:
            self.served += [(self._day, r) for r in self.api.served_records[self._mark :]]
        self._mark = len(self.api.served_records)

    def before(self, at: datetime, role: str) -> None:
        """Hook for Pipeline.run: what is served from here on belongs to this firing's day."""
        if role == "ingest":
            self._collect()
            self._day = at.date().isoformat()

    def ingest(self, at: datetime) -> Invocation:
        self.before(at, "ingest")
        return self.pipe.fire("ingest", at).invocation

    def expected(self, day: str) -> Expected:
        """Records first served on ``day`` (a repeat on a later day is a duplicate, filed earlier)."""
        self._collect()
        first_day: dict[str, str] = {}
        for d, served in self.served:
            first_day.setdefault(record_key(served), d)
        return expected_counts([r for d, r in self.served if first_day[record_key(r)] == day])

    def expected_all(self) -> Expected:
        self._collect()
        return expected_counts([r for _, r in self.served])

    def assert_day(self, day: str, *, gold_built: bool = True) -> LayerCounts:
        """The invariants of docs/design.md (section 6), with exact counts, for one ingest day."""
        exp = self.expected(day)
        got, keys = self.lake.counts(day), self.lake.day_keys(day)
        assert (got.bronze, got.bronze_ids) == (exp.bronze, exp.bronze), (day, got, exp)
        assert keys.bronze_ids == set(exp.valid_ids)
        assert got.quarantined == exp.quarantined, (day, got)
        assert (got.silver, got.silver_ids) == (exp.bronze, exp.bronze), (day, got)
        if gold_built:
            assert got.gold_events == got.silver, (day, got)
            assert got.gold_rows == len(exp.groups), (day, got)
            assert keys.gold_groups == set(exp.groups)
        record(got, scenario=self.name, expected=exp, gold_built=gold_built)
        return got


@pytest.fixture
def scenario(
    fake_github: FakeGitHub, pipeline: Pipeline, lake: Lake, request: pytest.FixtureRequest
) -> Iterator[Scenario]:
    assert fake_github.pending_faults == 0, "faults left over from an earlier scenario"
    name = request.node.name.removeprefix("test_")
    yield Scenario(fake_github, pipeline, lake, name=name)
    assert fake_github.pending_faults == 0, "the scenario queued faults that were never served"


def at(day: str, hh: int, mm: int, days: int = 0) -> datetime:
    return day_start(day) + timedelta(days=days, hours=hh, minutes=mm)


def results(firings: list[Firing], role: str) -> list[dict[str, Any]]:
    out = []
    for f in firings:
        if f.role == role:
            assert f.ok, f"{role} at {f.at} failed: {f.invocation.error_type}: {f.invocation.error_message}"
            out.append(f.invocation.result)
    return out


def test_schedules_are_read_back_from_the_deployment(pipeline: Pipeline, deployment: Deployment) -> None:
    for role in ("ingest", "silver", "gold", "archive"):
        sched = pipeline.schedules[role]
        assert sched.rule == deployment.outputs["schedule_rules"][role]
        assert sched.function == deployment.outputs["function_names"][role]
        assert pipeline.functions[role].handler == f"{role}.handler"
    day = at("2025-01-01", 0, 0)
    per_day = pipeline.firings(day, day + timedelta(days=1))
    assert sum(1 for _, r in per_day if r == "ingest") == 288  # every 5 minutes
    assert [t.strftime("%H:%M") for t, r in per_day if r == "silver"][:2] == ["00:15", "01:15"]
    assert [t.strftime("%H:%M") for t, r in per_day if r == "gold"] == ["01:30"]
    archive = [t.strftime("%H:%M") for t, r in per_day if r == "archive"]
    assert len(archive) == 24 and archive[:2] == ["00:05", "01:05"]  # hourly


def test_clean_day_on_the_schedule(scenario: Scenario, pipeline: Pipeline) -> None:
    day = "2025-03-01"
    scenario.start(make_events(1, 150, day))  # two pages of 100
    # 23:40 .. 01:31 next day: 23 ingest polls, silver at 00:15 and 01:15, gold at 01:30 (for `day`).
    firings = pipeline.run(at(day, 23, 40), at(day, 1, 31, days=1), before=scenario.before, roles=LIVE_ROLES)
    ingests = results(firings, "ingest")
    assert ingests[0]["status"] == "ok" and ingests[0]["pages"] == 2 and ingests[0]["written"] == 150
    assert {r["status"] for r in ingests[1:]} == {"not_modified"}  # the ETag: nothing new, 304
    assert [r["days"] for r in results(firings, "silver")] == [[day, "2025-03-02"], ["2025-03-02"]]
    assert [r["ingest_dt"] for r in results(firings, "gold")] == [day]
    got = scenario.assert_day(day)
    assert got.bronze == 150 and got.quarantined == 0
    empty = scenario.lake.counts("2025-03-02")
    assert (empty.bronze, empty.silver, empty.gold_rows) == (0, 0, 0)


def test_duplicates_across_polls_and_pages(scenario: Scenario, pipeline: Pipeline) -> None:
    day = "2025-03-03"
    events = make_events(2, 190, day)
    scenario.start(events[40:])  # 150 to start with; 10 more arrive before each later poll
    arrivals = iter([events[30:40], events[20:30], events[10:20]])

    def before(t: datetime, role: str) -> None:
        scenario.before(t, role)
        if role == "ingest" and t > at(day, 10, 0):
            scenario.api.push_events(next(arrivals))

    # A push between page 1 and page 2 of the first poll shifts page 2: repeats within one poll.
    scenario.api.enqueue(Fault.push_events(events[:10], page=2))
    firings = pipeline.run(at(day, 10, 0), at(day, 10, 16), before=before, roles=LIVE_ROLES)
    pipeline.fire("gold", at(day, 1, 30, days=1))
    ingests = results(firings, "ingest")
    assert len(ingests) == 4 and all(r["status"] == "ok" for r in ingests)
    exp = scenario.expected(day)
    assert exp.served > exp.unique  # the API really served repeats
    assert sum(r["duplicates"] for r in ingests) == exp.served - exp.unique
    assert scenario.assert_day(day).bronze == 190


def test_rate_limits_server_errors_and_not_modified(scenario: Scenario, pipeline: Pipeline) -> None:
    day = "2025-03-05"
    events = make_events(3, 60, day)
    scenario.start(events[20:])
    api = scenario.api
    # Poll 1: a 503 and a secondary rate limit (429 Retry-After), both waited out; then served.
    api.enqueue(Fault.server_error(503), Fault.too_many_requests(retry_after=1))
    r1 = scenario.ingest(at(day, 8, 0))
    # Poll 2: new events; a primary rate limit (403, X-RateLimit-Reset) and a malformed body first.
    api.push_events(events[10:20])
    api.enqueue(Fault.rate_limited(reset_in=1), Fault.malformed_json())
    r2 = scenario.ingest(at(day, 8, 5))
    # Poll 3: GitHub says 304.
    api.enqueue(Fault.not_modified())
    r3 = scenario.ingest(at(day, 8, 10))
    # Poll 4: new events, but GitHub fails every attempt: nothing written, nothing lost ...
    api.push_events(events[:10])
    api.enqueue(Fault.server_error(502, times=5))
    r4 = scenario.ingest(at(day, 8, 15))
    # ... poll 5 fetches them.
    r5 = scenario.ingest(at(day, 8, 20))
    for inv in (r1, r2, r3, r4, r5):
        assert inv.ok, inv.error_message
    statuses = [r.result["status"] for r in (r1, r2, r3, r4, r5)]
    assert statuses == ["ok", "ok", "not_modified", "partial", "ok"]
    assert (r1.result["rate_limited"], r2.result["rate_limited"]) == (1, 1)
    assert (r3.result["written"], r4.result["written"]) == (0, 0)
    assert r5.result["written"] == 10
    assert {503, 429, 403, 304, 502} <= set(api.status_counts)
    pipeline.fire("silver", at(day, 8, 15))
    pipeline.fire("silver", at(day, 9, 15))
    pipeline.fire("gold", at(day, 1, 30, days=1))
    assert scenario.assert_day(day).bronze == 60


def test_malformed_events_are_quarantined_with_their_reason(scenario: Scenario, pipeline: Pipeline) -> None:
    day = "2025-03-07"
    valid = make_events(4, 30, day)
    bad = list(invalid_events(valid[0]))
    feed = valid[:15] + [e for e, _ in bad] + valid[15:]
    scenario.start(feed)
    firings = pipeline.run(at(day, 12, 0), at(day, 12, 16), before=scenario.before, roles=LIVE_ROLES)
    pipeline.fire("gold", at(day, 1, 30, days=1))
    first = results(firings, "ingest")[0]
    exp = scenario.expected(day)
    assert exp.quarantined == len(bad) and exp.bronze == 30  # the schema agrees with the fixtures
    assert first["quarantined"] == len(bad)
    got = scenario.assert_day(day)
    lines = scenario.lake.quarantine(day)
    for event, reason in bad:
        (line,) = [q for q in lines if q["record"] == event]
        assert reason in line["reason"], (line["reason"], reason)
        assert line["source"].endswith("/events") and line["ingested_at"]
    assert got.quarantined == len(bad)


def test_silver_and_gold_reruns_change_no_count(scenario: Scenario, pipeline: Pipeline) -> None:
    day = "2025-03-09"
    scenario.start(make_events(5, 80, day))
    scenario.ingest(at(day, 6, 0)).raise_for_error()
    pipeline.fire("silver", at(day, 6, 15)).invocation.raise_for_error()
    pipeline.fire("gold", at(day, 1, 30, days=1)).invocation.raise_for_error()
    before = scenario.assert_day(day)
    # The same windows again, an explicit list of days, and gold twice more.
    pipeline.fire("silver", at(day, 6, 15)).invocation.raise_for_error()
    pipeline.invoke("silver", {"ingest_dts": [day]}).raise_for_error()
    for _ in range(2):
        out = pipeline.fire("gold", at(day, 1, 30, days=1)).invocation.raise_for_error()
        assert out["objects_deleted"] > 0 and out["partition_replaced"] is True
    after = scenario.assert_day(day)
    assert after.as_dict() == before.as_dict()


def test_two_overlapping_ingest_invocations(scenario: Scenario, pipeline: Pipeline) -> None:
    day = "2025-03-11"
    scenario.start(make_events(6, 40, day))
    scenario.api.enqueue(Fault.slow(3.0))  # the first poll holds its lease while the other starts
    scenario.before(at(day, 14, 0), "ingest")
    event = pipeline.scheduled_event("ingest", at(day, 14, 0))  # one firing delivered twice
    out: list[Invocation] = []
    threads = [
        threading.Thread(target=lambda: out.append(pipeline.invoke("ingest", event))) for _ in range(2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(inv.ok for inv in out), [inv.error_message for inv in out]
    assert sorted(inv.result["status"] for inv in out) == ["ok", "skipped"]
    pipeline.fire("silver", at(day, 14, 15)).invocation.raise_for_error()
    pipeline.fire("gold", at(day, 1, 30, days=1)).invocation.raise_for_error()
    assert scenario.assert_day(day).bronze == 40


def test_events_across_a_day_boundary(scenario: Scenario, pipeline: Pipeline) -> None:
    d1, d2 = "2025-03-13", "2025-03-14"
    events = make_events(7, 90, d1)
    scenario.start(events[50:])
    arrivals = iter([events[40:50], events[30:40], events[20:30], events[10:20], events[:10]])

    def before(t: datetime, role: str) -> None:
        scenario.before(t, role)
        if role == "ingest" and t > at(d1, 23, 50):
            scenario.api.push_events(next(arrivals))

    # 23:50, 23:55 file under d1; 00:00 .. 00:15 under d2; silver at 00:15 covers both days.
    firings = pipeline.run(at(d1, 23, 50), at(d1, 0, 16, days=1), before=before, roles=LIVE_ROLES)
    assert [r["days"] for r in results(firings, "silver")] == [[d1, d2]]
    assert [r["ingest_dt"] for r in results(firings, "ingest")] == [d1] * 2 + [d2] * 4
    pipeline.fire("gold", at(d1, 1, 30, days=1)).invocation.raise_for_error()
    pipeline.fire("gold", at(d2, 1, 30, days=1)).invocation.raise_for_error()
    first, second = scenario.assert_day(d1), scenario.assert_day(d2)
    assert (first.bronze, second.bronze) == (50, 40)
    partitions = scenario.lake.rows(
        "SELECT DISTINCT ingest_dt FROM github_events_bronze WHERE ingest_dt BETWEEN ? AND ?", [d1, d2]
    )
    assert sorted(p[0] for p in partitions) == [d1, d2]


def _failure_sum(deployment: Deployment, pipeline: Pipeline, transform: str) -> float:
    cw = deployment.client("cloudwatch")
    now = datetime.now(UTC)
    stats = cw.get_metric_statistics(
        Namespace=pipeline.functions[transform].environment["METRICS_NAMESPACE"],
        MetricName="AthenaQueryFailures",
        Dimensions=[
            {"Name": "Environment", "Value": deployment.env},
            {"Name": "Transform", "Value": transform},
        ],
        StartTime=now - timedelta(hours=1),
        EndTime=now + timedelta(minutes=5),
        Period=3600,
        Statistics=["Sum"],
    )
    return sum(p["Sum"] for p in stats["Datapoints"])


def test_failing_query_raises_the_failure_metric_and_recovers(
    scenario: Scenario, pipeline: Pipeline, deployment: Deployment
) -> None:
    day = "2025-03-15"
    scenario.start(make_events(8, 25, day))
    scenario.ingest(at(day, 9, 0)).raise_for_error()
    alarm_name = f"dp-{deployment.env}-silver-athena-failures"
    (alarm,) = deployment.client("cloudwatch").describe_alarms(AlarmNames=[alarm_name])["MetricAlarms"]
    before = _failure_sum(deployment, pipeline, "silver")
    # A corrupt object in the day's Bronze partition: Athena cannot read it, the INSERT fails.
    s3, raw = deployment.client("s3"), pipeline.raw_bucket
    corrupt = f"github/events/ingest_dt={day}/00000000T000000Z-corrupt.jsonl.gz"
    s3.put_object(Bucket=raw, Key=corrupt, Body=b"this is not gzip")
    failed = pipeline.fire("silver", at(day, 9, 15)).invocation
    assert not failed.ok and failed.error_type == "QueryFailed", failed.error_message
    assert _failure_sum(deployment, pipeline, "silver") - before == 1
    # The emitted datum is the one the deployed alarm watches, and reaches its threshold.
    assert alarm["MetricName"] == "AthenaQueryFailures"
    assert {d["Name"]: d["Value"] for d in alarm["Dimensions"]} == {
        "Environment": deployment.env,
        "Transform": "silver",
    }
    assert _failure_sum(deployment, pipeline, "silver") - before >= alarm["Threshold"]
    # The operator removes the bad object; the next scheduled run recovers, with no new failure.
    s3.delete_object(Bucket=raw, Key=corrupt)
    assert scenario.lake.counts(day).silver == 0
    pipeline.fire("silver", at(day, 10, 15)).invocation.raise_for_error()
    pipeline.fire("gold", at(day, 1, 30, days=1)).invocation.raise_for_error()
    assert _failure_sum(deployment, pipeline, "silver") - before == 1
    assert scenario.assert_day(day).bronze == 25

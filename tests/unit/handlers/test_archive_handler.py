"""The archive handler against the fake GH Archive and moto S3: every path, every fault, bounded memory."""

from __future__ import annotations

import gc
import gzip
import json
import random
import tracemalloc
import zlib
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import archive
import pytest
from archive import ArchiveDeps, ArchiveInputError, Settings, TruncatedArchive, iter_lines
from handler_support import ENV, RAW, FakeClock, FakeContext, metric_sum
from lakehouse_common.config import ArchiveConfig, ConfigError
from lakehouse_common.keys import archive_state_key

from harness.local.fake_archive import ArchiveFault, FakeArchive, archive_file_name, parse_hour

# The fake clock starts at 2025-11-20T12:00Z; with a 1 h lag the newest due hour is 10:00, and a
# lookback of 3 makes a scheduled run check 08, 09 and 10.
WINDOW = ["2025-11-20T08", "2025-11-20T09", "2025-11-20T10"]
HOUR = "2025-11-20T09"


@pytest.fixture
def aws(aws_raw: dict[str, Any]) -> dict[str, Any]:
    """The Raw bucket is all this handler has: the transforms' buckets and tables are not made."""
    return aws_raw


@pytest.fixture
def fake_archive() -> Iterator[FakeArchive]:
    with FakeArchive(seed=11, events_per_hour=120, invalid_fraction=0.05) as server:
        yield server


def make_deps(aws: dict[str, Any], clock: FakeClock, url: str, env: dict[str, str] | None = None, **kw: Any):
    config = ArchiveConfig.from_env(
        {
            "LAKEHOUSE_ENV": ENV,
            "RAW_BUCKET": RAW,
            "ARCHIVE_BASE_URL": url,
            "ARCHIVE_LAG_HOURS": "1",
            "ARCHIVE_LOOKBACK_HOURS": "3",
            **(env or {}),
        }
    )
    settings = Settings(**{"request_timeout": 1.0, "reserve_seconds": 5.0, "backoff_base": 1.0, **kw})
    return ArchiveDeps(
        config=config,
        s3=aws["s3"],
        cloudwatch=aws["cloudwatch"],
        clock=clock,
        rng=random.Random(3),
        settings=settings,
    )


def load(deps: ArchiveDeps, clock: FakeClock, budget: float = 900.0, **event: Any) -> dict[str, Any]:
    return archive.run(event, FakeContext(clock, budget), deps)


def objects(aws: dict[str, Any], prefix: str) -> dict[str, list[Any]]:
    """The current objects under ``prefix`` (what Athena reads), each as its parsed lines."""
    out = {}
    for page in aws["s3"].get_paginator("list_objects_v2").paginate(Bucket=RAW, Prefix=prefix):
        for obj in page.get("Contents", []):
            body = aws["s3"].get_object(Bucket=RAW, Key=obj["Key"])["Body"].read()
            out[obj["Key"]] = [json.loads(x) for x in gzip.decompress(body).splitlines()]
    return out


def bronze_lines(aws: dict[str, Any]) -> list[dict[str, Any]]:
    return [line for lines in objects(aws, "github/events/").values() for line in lines]


def quarantine_lines(aws: dict[str, Any]) -> list[dict[str, Any]]:
    return [line for lines in objects(aws, "github/quarantine/").values() for line in lines]


def hour_state(aws: dict[str, Any], hour: str) -> dict[str, Any]:
    body = aws["s3"].get_object(Bucket=RAW, Key=archive_state_key(parse_hour(hour)))["Body"].read()
    return json.loads(body)


def assert_hours_exact(aws: dict[str, Any], server: FakeArchive, hours: list[str]) -> None:
    """Bronze holds each valid line of the hours exactly once, quarantine each invalid one."""
    ids = Counter(line["id"] for line in bronze_lines(aws))
    assert [i for i, n in ids.items() if n > 1] == []
    assert len(ids) == sum(server.expected_events(h).valid for h in hours)
    assert len(quarantine_lines(aws)) == sum(server.expected_events(h).invalid for h in hours)


# --- the happy path --------------------------------------------------------------------------------
def test_a_scheduled_run_loads_the_due_hours_of_the_lookback_window(aws, clock, fake_archive):
    summary = load(make_deps(aws, clock, fake_archive.url), clock)

    assert summary["mode"] == "scheduled"
    assert summary["hours"] == {"done": 3, "missing": 0, "failed": 0, "skipped": 0}
    assert [r["hour"] for r in summary["results"]] == WINDOW
    expected = [fake_archive.expected_events(h) for h in WINDOW]
    assert summary["events"] == sum(e.valid for e in expected)
    assert summary["invalid"] == sum(e.invalid for e in expected) > 0
    assert sorted(r["hour"] for r in fake_archive.request_log) == WINDOW  # 11:00 is not due yet
    assert_hours_exact(aws, fake_archive, WINDOW)
    for hour in WINDOW:
        doc = hour_state(aws, hour)
        assert doc["status"] == "done" and doc["events"] == fake_archive.expected_events(hour).valid
        assert doc["url"] == fake_archive.file_url(hour) and doc["attempts"] == 1
    assert metric_sum(aws["cloudwatch"], "ArchiveHoursDone") == 3
    assert metric_sum(aws["cloudwatch"], "ArchiveEventsWritten") == summary["events"]
    assert metric_sum(aws["cloudwatch"], "ArchiveEventsQuarantined") == summary["invalid"]


def test_bronze_lines_are_the_events_as_published_plus_ingested_at_and_source(aws, clock, fake_archive):
    load(make_deps(aws, clock, fake_archive.url), clock, hours=[HOUR])
    published = {r["id"]: r for r in fake_archive.records(HOUR) if isinstance(r, dict)}
    keys = list(objects(aws, "github/events/"))
    assert keys and all(
        k.startswith("github/events/ingest_dt=2025-11-20/archive-2025-11-20-09-") for k in keys
    )
    assert all(k.endswith(".jsonl.gz") for k in keys)
    for line in bronze_lines(aws):
        assert line["source"] == fake_archive.file_url(HOUR)  # http://.../2025-11-20-9.json.gz
        assert line["ingested_at"] == "2025-11-20T12:00:00.000Z"
        assert {k: v for k, v in line.items() if k not in {"ingested_at", "source"}} == published[line["id"]]


def test_invalid_lines_are_quarantined_with_their_reason(aws, clock, fake_archive):
    load(make_deps(aws, clock, fake_archive.url), clock, hours=[HOUR])
    lines = quarantine_lines(aws)
    assert len(lines) == fake_archive.expected_events(HOUR).invalid
    assert all(
        k.startswith("github/quarantine/ingest_dt=2025-11-20/archive-2025-11-20-09-")
        for k in objects(aws, "github/quarantine/")
    )
    reasons = Counter(line["reason"].split(":")[0] for line in lines)
    assert any(r.startswith("line is not JSON") for r in reasons)
    assert any(r.startswith("missing required field") or "must be" in r for r in reasons)
    assert all(line["source"] == fake_archive.file_url(HOUR) for line in lines)
    not_json = [line for line in lines if line["reason"].startswith("line is not JSON")]
    assert all(isinstance(line["record"], str) and line["record"].startswith("{") for line in not_json)


def test_a_done_hour_is_never_loaded_again(aws, clock, fake_archive):
    deps = make_deps(aws, clock, fake_archive.url)
    load(deps, clock)
    before = set(objects(aws, "github/"))
    clock.advance(3600)  # 11:00 is now due too
    summary = load(deps, clock)
    assert summary["hours"] == {"done": 1, "missing": 0, "failed": 0, "skipped": 2}
    assert [r["hour"] for r in summary["results"] if r["status"] == "done"] == ["2025-11-20T11"]
    again = load(deps, clock, hours=WINDOW)
    assert again["hours"]["skipped"] == 3 and again["events"] == 0
    assert before < set(objects(aws, "github/"))
    assert_hours_exact(aws, fake_archive, [*WINDOW, "2025-11-20T11"])
    assert sum(1 for r in fake_archive.request_log if r["hour"] in WINDOW) == 3  # never fetched again


def test_explicit_hours_load_exactly_those_in_order(aws, clock, fake_archive):
    summary = load(
        make_deps(aws, clock, fake_archive.url),
        clock,
        hours=["2025-11-19T23", "2025-11-18T05", "2025-11-19T23"],
    )
    assert summary["mode"] == "hours"
    assert [r["hour"] for r in summary["results"]] == ["2025-11-18T05", "2025-11-19T23"]
    days = {k.split("/")[2] for k in objects(aws, "github/events/")}
    assert days == {"ingest_dt=2025-11-18", "ingest_dt=2025-11-19"}  # the date of the archive hour
    assert_hours_exact(aws, fake_archive, ["2025-11-18T05", "2025-11-19T23"])


def test_parts_are_bounded_in_lines(aws, clock):
    with FakeArchive(seed=2, events_per_hour=450) as server:
        load(make_deps(aws, clock, server.url, part_lines=100), clock, hours=[HOUR])
        parts = objects(aws, "github/events/")
        assert [len(lines) for lines in parts.values()] == [100, 100, 100, 100, 50]
        assert sorted(parts) == list(parts)  # part numbers sort in file order
        assert [line["id"] for lines in parts.values() for line in lines] == [
            r["id"] for r in server.records(HOUR)
        ]
        assert hour_state(aws, HOUR)["parts"]["bronze"] == sorted(parts)


def test_parts_are_bounded_in_bytes(aws, clock):
    with FakeArchive(seed=2, events_per_hour=200) as server:
        load(make_deps(aws, clock, server.url, part_bytes=50_000), clock, hours=[HOUR])
    s3 = aws["s3"]
    keys = list(objects(aws, "github/events/"))
    sizes = [len(gzip.decompress(s3.get_object(Bucket=RAW, Key=k)["Body"].read())) for k in keys]
    assert len(keys) > 3 and max(sizes) <= 50_000 and sum(sizes) > 4 * 50_000 * 0.8


# --- bad input and configuration -------------------------------------------------------------------
@pytest.mark.parametrize(
    "event,message",
    [
        ({"hours": "2025-11-20T09"}, "non-empty list"),
        ({"hours": []}, "non-empty list"),
        ({"hours": ["2025-11-20T9"]}, "YYYY-MM-DDTHH"),
        ({"hours": ["2025-11-20 09"]}, "YYYY-MM-DDTHH"),
        ({"hours": ["2025-02-30T01"]}, "not a real hour"),
        ({"hours": ["2025-11-20T09", 7]}, "YYYY-MM-DDTHH"),
        ({"hours": ["2025-11-20T13"]}, "has not started yet"),
        ({"hours": ["2025-11-20T09"], "force": True}, "unknown keys beside 'hours'"),
        ({"hour": ["2025-11-20T09"]}, "unknown keys"),
        ({"hours": [f"2025-11-{d:02d}T{h:02d}" for d in range(1, 9) for h in range(24)]}, "at most 168"),
    ],
)
def test_bad_input_is_a_clear_error_and_nothing_is_read_or_written(aws, clock, fake_archive, event, message):
    with pytest.raises(ArchiveInputError, match=message) as caught:
        archive.run(event, FakeContext(clock), make_deps(aws, clock, fake_archive.url))
    assert "\n" not in str(caught.value)
    assert fake_archive.requests == 0
    assert aws["s3"].list_objects_v2(Bucket=RAW).get("KeyCount") == 0


def test_an_eventbridge_schedule_event_is_a_scheduled_run(aws, clock, fake_archive):
    event = {
        "version": "0",
        "id": "x",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": "2025-11-20T12:00:00Z",
        "region": "us-east-1",
        "resources": ["arn:aws:events:us-east-1:123456789012:rule/archive"],
        "detail": {},
    }
    summary = archive.run(event, FakeContext(clock), make_deps(aws, clock, fake_archive.url))
    assert summary["mode"] == "scheduled" and summary["hours"]["done"] == 3


@pytest.mark.parametrize(
    "env,message",
    [
        ({"ARCHIVE_BASE_URL": "ftp://x"}, "ARCHIVE_BASE_URL"),
        ({"ARCHIVE_BASE_URL": "https://data.gharchive.org/"}, "trailing slash"),
        ({"ARCHIVE_LAG_HOURS": "-1"}, "ARCHIVE_LAG_HOURS"),
        ({"ARCHIVE_LAG_HOURS": "one"}, "whole number"),
        ({"ARCHIVE_LOOKBACK_HOURS": "0"}, "ARCHIVE_LOOKBACK_HOURS"),
        ({"RAW_BUCKET": ""}, "RAW_BUCKET"),
    ],
)
def test_misconfiguration_fails_fast_naming_the_variable(env, message):
    base = {"LAKEHOUSE_ENV": ENV, "RAW_BUCKET": RAW, "ARCHIVE_BASE_URL": "https://data.gharchive.org"}
    with pytest.raises(ConfigError, match=message):
        ArchiveConfig.from_env({**base, **env})
    defaults = ArchiveConfig.from_env(base)
    assert (defaults.lag_hours, defaults.lookback_hours) == (1, 48)


def test_lag_and_lookback_choose_the_window():
    config = ArchiveConfig.from_env(
        {"LAKEHOUSE_ENV": ENV, "RAW_BUCKET": RAW, "ARCHIVE_LAG_HOURS": "0", "ARCHIVE_LOOKBACK_HOURS": "2"}
    )
    now = parse_hour("2025-11-20T12") + timedelta(minutes=59)
    mode, hours = archive.hours_to_load({}, config, now)
    assert mode == "scheduled" and [f"{h:%Y-%m-%dT%H}" for h in hours] == ["2025-11-20T10", "2025-11-20T11"]
    assert archive.file_url("https://x", parse_hour("2025-11-20T09")) == "https://x/2025-11-20-9.json.gz"


# --- 404: missing now, loaded once published ---------------------------------------------------------
def test_a_missing_hour_is_recorded_and_loaded_by_a_later_run_once_published(aws, clock, fake_archive):
    fake_archive.withdraw(HOUR)
    deps = make_deps(aws, clock, fake_archive.url)
    summary = load(deps, clock)
    assert summary["hours"] == {"done": 2, "missing": 1, "failed": 0, "skipped": 0}
    assert hour_state(aws, HOUR)["status"] == "missing"
    assert not any("2025-11-20-09-" in k for k in objects(aws, "github/"))
    clock.advance(600)
    assert load(deps, clock)["hours"] == {"done": 0, "missing": 1, "failed": 0, "skipped": 2}
    fake_archive.publish(HOUR)
    clock.advance(600)
    summary = load(deps, clock)
    assert summary["hours"] == {"done": 1, "missing": 0, "failed": 0, "skipped": 2}
    doc = hour_state(aws, HOUR)
    assert doc["status"] == "done" and doc["checks"] == 3
    assert_hours_exact(aws, fake_archive, WINDOW)
    assert metric_sum(aws["cloudwatch"], "ArchiveHoursMissing") == 2


# --- faults mid-stream: retried, never a partial hour ----------------------------------------------
@pytest.mark.parametrize(
    "fault",
    [
        ArchiveFault.server_error(503, times=2),
        ArchiveFault.truncated_gzip(times=2),
        ArchiveFault.cut(times=2),
        ArchiveFault.stall(5.0, times=1),
        ArchiveFault.slow(5.0, times=1),
        ArchiveFault.server_error(500, times=3),
    ],
    ids=["5xx", "truncated-gzip", "cut", "stall", "slow", "5xx-3"],
)
def test_a_fault_is_retried_and_the_hour_lands_exactly_once(aws, clock, fault):
    with FakeArchive(seed=4, events_per_hour=150, invalid_fraction=0.02) as server:
        fault.hour = parse_hour(HOUR)
        server.enqueue(fault)
        # Small reads and parts: an attempt that fails mid-body (damaged, cut, stalled) has written some
        # parts before the fault hits (one read of the default 256 KiB would take in the whole file, or
        # fail before any line). A stall or a slow answer (5 s) is cut by the request timeout, which need
        # not be longer than a quiet read here.
        timeout = 0.3 if fault.kind in {"stall", "slow"} else 1.0
        deps = make_deps(aws, clock, server.url, part_lines=25, read_bytes=4096, request_timeout=timeout)
        summary = load(deps, clock, hours=[HOUR])
        assert summary["hours"]["done"] == 1, summary
        assert summary["results"][0]["attempts"] > 1
        assert_hours_exact(aws, server, [HOUR])
        assert hour_state(aws, HOUR)["status"] == "done"
    assert metric_sum(aws["cloudwatch"], "ArchiveRetries") == summary["results"][0]["attempts"] - 1
    assert all(s > 0 for s in clock.sleeps)  # backed off between attempts


def test_final_failure_removes_the_attempts_parts_and_records_the_reason(aws, clock):
    with FakeArchive(seed=4, events_per_hour=150) as server:
        server.enqueue(ArchiveFault.truncated_gzip(times=3, hour=HOUR))
        deps = make_deps(aws, clock, server.url, part_lines=25, max_attempts=3)
        summary = load(deps, clock, hours=[HOUR])
        assert summary["hours"] == {"done": 0, "missing": 0, "failed": 1, "skipped": 0}
        assert summary["events"] == 0
        doc = hour_state(aws, HOUR)
        assert doc["status"] == "failed" and "truncated" in doc["reason"] and doc["attempts"] == 3
        assert "gave up after 3 attempts" in summary["results"][0]["reason"]
        assert objects(aws, "github/") == {}  # parts were written, then removed
        versions = aws["s3"].list_object_versions(Bucket=RAW, Prefix="github/events/").get("Versions", [])
        assert versions  # (they were there: the attempts wrote parts before the fault)
        # A later run tries the failed hour again and loads it.
        server.reset_counters()
        clock.advance(600)
        again = load(deps, clock, hours=[HOUR])
        assert again["hours"]["done"] == 1
        assert_hours_exact(aws, server, [HOUR])
    assert metric_sum(aws["cloudwatch"], "ArchiveHoursFailed") == 1


def test_a_4xx_other_than_404_fails_the_hour_without_retrying(aws, clock):
    class Forbidden:
        def open(self, url: str, timeout: float) -> Any:
            return archive._Answer(403)

    deps = make_deps(aws, clock, "http://127.0.0.1:9")
    deps.http = Forbidden()
    summary = load(deps, clock, hours=[HOUR])
    result = summary["results"][0]
    assert result["status"] == "failed" and result["attempts"] == 1 and "HTTP 403" in result["reason"]


def test_an_unreachable_archive_fails_the_hour_after_retries(aws, clock):
    deps = make_deps(aws, clock, "http://127.0.0.1:9", max_attempts=2)  # nothing listens on port 9
    summary = load(deps, clock, hours=[HOUR])
    assert summary["results"][0]["status"] == "failed"
    assert "TransientHttpError" in summary["results"][0]["reason"]


def test_a_file_that_is_not_gzip_fails_the_hour(aws, clock, tmp_path):
    (tmp_path / "2025-11-20-9.json.gz").write_bytes(b'{"id": "1"}\n')
    with FakeArchive(directory=tmp_path) as server:
        summary = load(make_deps(aws, clock, server.url, max_attempts=2), clock, hours=[HOUR])
    assert summary["results"][0]["status"] == "failed" and "error" in summary["results"][0]["reason"]
    assert objects(aws, "github/") == {}


# --- overlapping runs ------------------------------------------------------------------------------
def test_an_hour_leased_by_another_run_is_skipped(aws, clock, fake_archive):
    key = archive_state_key(parse_hour(HOUR))
    lease = {"status": "running", "lease_until": "2025-11-20T12:10:00.000Z", "lease_owner": "other"}
    aws["s3"].put_object(Bucket=RAW, Key=key, Body=json.dumps(lease).encode())
    summary = load(make_deps(aws, clock, fake_archive.url), clock, hours=[HOUR])
    assert summary["hours"]["skipped"] == 1 and "lease" in summary["results"][0]["reason"]
    assert fake_archive.requests == 0 and objects(aws, "github/") == {}


def test_the_loser_of_a_lease_race_skips(aws, clock, fake_archive, monkeypatch):
    deps = make_deps(aws, clock, fake_archive.url)
    real_read = archive.read_state

    def read_then_lose(s3: Any, bucket: str, key: str) -> Any:
        seen = real_read(s3, bucket, key)
        # Another run takes the lease between our read and our conditional write.
        s3.put_object(Bucket=bucket, Key=key, Body=b'{"status": "running"}')
        return seen

    monkeypatch.setattr(archive, "read_state", read_then_lose)
    summary = load(deps, clock, hours=[HOUR])
    assert summary["results"][0] == {
        "hour": HOUR,
        "status": "skipped",
        "events": 0,
        "invalid": 0,
        "parts": 0,
        "attempts": 0,
        "reason": "another run took the lease first",
    }
    assert fake_archive.requests == 0 and objects(aws, "github/") == {}


def test_an_expired_lease_is_taken_over_and_the_dead_runs_parts_removed(aws, clock, fake_archive):
    hour = parse_hour(HOUR)
    key = archive_state_key(hour)
    dead = {"status": "running", "lease_until": "2025-11-20T11:00:00.000Z", "lease_owner": "dead"}
    aws["s3"].put_object(Bucket=RAW, Key=key, Body=json.dumps(dead).encode())
    stale = "github/events/ingest_dt=2025-11-20/archive-2025-11-20-09-deadbeef0000-00000.jsonl.gz"
    first = next(r for r in fake_archive.records(HOUR) if isinstance(r, dict) and "actor" in r)
    aws["s3"].put_object(Bucket=RAW, Key=stale, Body=gzip.compress(json.dumps(first).encode() + b"\n"))
    other_hour = "github/events/ingest_dt=2025-11-20/archive-2025-11-20-10-aaaa-00000.jsonl.gz"
    aws["s3"].put_object(Bucket=RAW, Key=other_hour, Body=gzip.compress(b""))

    summary = load(make_deps(aws, clock, fake_archive.url), clock, hours=[HOUR])
    assert summary["hours"]["done"] == 1
    keys = set(objects(aws, "github/events/"))
    assert stale not in keys and other_hour in keys  # only this hour's leftovers go
    aws["s3"].delete_object(Bucket=RAW, Key=other_hour)
    assert_hours_exact(aws, fake_archive, [HOUR])


# --- the deadline ----------------------------------------------------------------------------------
class ShrinkingContext:
    """Remaining time drops by ``step`` seconds every time it is asked (each read checks it)."""

    def __init__(self, start: float, step: float) -> None:
        self.left = start
        self.step = step

    def get_remaining_time_in_millis(self) -> int:
        self.left -= self.step
        return int(max(0.0, self.left) * 1000)


def test_running_out_of_time_mid_hour_leaves_it_not_done_and_nothing_of_it_in_bronze(aws, clock):
    # Each read costs a second of the 30: ~22 reads of 1 KiB (~330 events, three parts) before time is out.
    with FakeArchive(seed=5, events_per_hour=600) as server:
        deps = make_deps(aws, clock, server.url, part_lines=100, read_bytes=1024)
        summary = archive.run({"hours": [HOUR]}, ShrinkingContext(30.0, 1.0), deps)
    result = summary["results"][0]
    assert result["status"] == "failed" and "out of time" in result["reason"]
    assert hour_state(aws, HOUR)["status"] == "failed"
    assert objects(aws, "github/") == {}
    assert aws["s3"].list_object_versions(Bucket=RAW, Prefix="github/events/").get("Versions")


def test_hours_that_do_not_fit_are_deferred_untouched(aws, clock, fake_archive):
    deps = make_deps(aws, clock, fake_archive.url)
    summary = archive.run({}, ShrinkingContext(8.0, 0.5), deps)  # time for the first checks only
    assert summary["deferred"] and summary["deferred"][-1] == WINDOW[-1]
    for hour in summary["deferred"]:
        with pytest.raises(aws["s3"].exceptions.NoSuchKey):
            hour_state(aws, hour)


def test_no_context_means_the_stacks_900_second_budget(aws, clock, fake_archive):
    summary = archive.run({"hours": [HOUR]}, None, make_deps(aws, clock, fake_archive.url))
    assert summary["hours"]["done"] == 1


# --- streaming and memory --------------------------------------------------------------------------
def _reader(data: bytes, size: int = 7) -> Any:
    view = memoryview(data)
    pos = 0

    def read(n: int) -> bytes:
        nonlocal pos
        chunk = bytes(view[pos : pos + min(n, size)])
        pos += len(chunk)
        return chunk

    return read


def test_iter_lines_reads_several_gzip_members_blank_and_unterminated_lines():
    data = gzip.compress(b'{"a":1}\n\n{"b":"\xc3\xa9"}\n') + gzip.compress(b'{"c":3}')
    lines = list(iter_lines(_reader(data), 5, lambda: None))
    assert lines == [b'{"a":1}', b"", b'{"b":"\xc3\xa9"}', b'{"c":3}']


def test_iter_lines_detects_truncation_and_non_gzip():
    data = gzip.compress(b"x" * 10_000 + b"\n")
    with pytest.raises(TruncatedArchive, match="truncated"):
        list(iter_lines(_reader(data[: len(data) // 2], 100), 100, lambda: None))
    with pytest.raises(TruncatedArchive, match="empty"):
        list(iter_lines(_reader(b""), 100, lambda: None))
    with pytest.raises(zlib.error):
        list(iter_lines(_reader(b"not gzip at all"), 100, lambda: None))


def test_iter_lines_bounds_what_one_small_chunk_inflates_to(monkeypatch):
    steps: list[int] = []
    original = zlib.decompressobj

    class Spy:
        def __init__(self) -> None:
            self.inner = original(31)

        def decompress(self, data: bytes, max_length: int = 0) -> bytes:
            out = self.inner.decompress(data, max_length)
            steps.append(len(out))
            return out

        def __getattr__(self, name: str) -> Any:
            return getattr(self.inner, name)

    monkeypatch.setattr(archive.zlib, "decompressobj", lambda wbits: Spy())
    bomb = gzip.compress(b"b" * 5_000_000 + b"\n")  # ~5 KB compressed: one read inflates to 5 MB
    lines = list(iter_lines(_reader(bomb, 64 * 1024), 64 * 1024, lambda: None))
    assert lines == [b"b" * 5_000_000]
    assert max(steps) == archive._INFLATE_STEP and len(steps) >= 5


def test_a_line_that_already_has_a_source_field_is_rewritten_not_duplicated(aws, clock, tmp_path):
    event = next(r for r in FakeArchive(events_per_hour=5).records(HOUR) if isinstance(r, dict))
    event = {**event, "source": "elsewhere"}
    (tmp_path / "2025-11-20-9.json.gz").write_bytes(gzip.compress(json.dumps(event).encode() + b"\n"))
    with FakeArchive(directory=tmp_path) as server:
        load(make_deps(aws, clock, server.url), clock, hours=[HOUR])
        (line,) = bronze_lines(aws)
        assert line["source"] == server.file_url(HOUR)


def _archive_file(folder: Path, events: int, hour: str) -> int:
    """Writes the hour's generated file into `folder` (before tracing starts: making the fake's data is not
    the load's work, and tracing every allocation of it would only cost time); returns its JSON bytes."""
    generated = FakeArchive(seed=8, events_per_hour=events)
    path = folder / archive_file_name(parse_hour(hour))
    with gzip.open(path, "wb", compresslevel=generated.compresslevel) as out:
        size = 0
        for line in generated.lines(hour):
            out.write(line)
            size += len(line)
    return size


# The memory test's scale. Its files compress about 25:1, so one read of 8 KiB inflates to ~200 KiB (under the
# 1 MiB inflate step), and a part is 200 lines: the working set they bound is ~1.5 MiB, under half the big
# file, which can then be 3,000 events instead of the 9,000 that the default 256 KiB reads (each inflating
# to a full 1 MiB step, a working set of ~5.4 MiB) needed to stay below the file.
_READ_BYTES = 8 * 1024
_PART_LINES = 200


def _working_memory(aws: dict[str, Any], clock: FakeClock, folder: Path, events: int, hour: str) -> int:
    """The load's working set: its peak traced allocation above what stays allocated afterwards, i.e.
    without moto's copies of the parts it stored, which in AWS live in S3."""
    with FakeArchive(directory=folder) as server:
        gc.collect()  # garbage of earlier work must not be counted, nor freed, during the measurement
        tracemalloc.reset_peak()
        deps = make_deps(aws, clock, server.url, part_lines=_PART_LINES, read_bytes=_READ_BYTES)
        summary = load(deps, clock, hours=[hour])
        _, peak = tracemalloc.get_traced_memory()
        gc.collect()
        after, _ = tracemalloc.get_traced_memory()
    assert summary["events"] == events and summary["results"][0]["parts"] == -(-events // _PART_LINES)
    return peak - after


def test_memory_is_bounded_by_the_part_not_the_file(aws, clock, tmp_path):
    # What the load holds is one read, one inflate step, one line and one compressed part (of 200 lines
    # here), whatever the file's size. Six times the events: the working set (which also holds the
    # in-process fake server's and moto's transient copies of each request) hardly moves.
    warm_up, small, big = (10, "2025-11-20T01"), (500, "2025-11-20T02"), (3_000, "2025-11-20T03")
    small_size, big_size = (_archive_file(tmp_path, n, hour) for n, hour in (small, big))
    _archive_file(tmp_path, *warm_up)
    # Everything alive now is out of the measurement's way: frozen, each gc.collect() below looks only at
    # what the loads allocate (it would otherwise walk all of the worker's objects, ~0.15 s a time).
    gc.collect()
    gc.freeze()
    tracemalloc.start()
    try:
        _working_memory(aws, clock, tmp_path, *warm_up)  # clients and models allocate once
        small_peak = _working_memory(aws, clock, tmp_path, *small)
        big_peak = _working_memory(aws, clock, tmp_path, *big)
    finally:
        tracemalloc.stop()
        gc.unfreeze()
    print(
        f"working set {small_peak / 2**20:.2f} MiB for {small_size / 2**20:.1f} MiB of JSON, "
        f"{big_peak / 2**20:.2f} MiB for {big_size / 2**20:.1f} MiB"
    )
    assert big_size > 3 * 1024 * 1024 and big_size > 5 * small_size
    assert big_peak - small_peak < (big_size - small_size) / 4, "the working set grows with the file"
    assert big_peak < big_size * 3 / 4  # less than the file: it is never held whole

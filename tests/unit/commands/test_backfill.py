"""`lakehouse backfill`: arguments and clear errors, throttled batches, deferred hours, counts and exit codes.

The archive invocations run the real archive handler in-process (moto S3, the fake GH Archive); Silver,
Gold and the lake's counts are a stub deployment that counts what Bronze holds (the deployed path is the
integration tests')."""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import archive as archive_handler
import boto3
import pytest
from lakehouse_common.config import ArchiveConfig
from moto import mock_aws

from harness.commands import backfill, cli, session
from harness.commands.events_file import CliError
from harness.local import moto_state
from harness.local.fake_archive import FakeArchive
from harness.local.moto_dispatch import memoize_s3_url_patterns
from harness.pipeline.runtime import Invocation
from harness.targets import names

RAW = "dp-bf-123456789012-raw"
NOW = datetime(2025, 11, 21, 6, 30, tzinfo=UTC)


# --- arguments -------------------------------------------------------------------------------------
def test_hour_range_is_inclusive_and_crosses_days():
    hours = backfill.hour_range("2025-11-20T22", "2025-11-21T01", now=NOW)
    assert hours == ["2025-11-20T22", "2025-11-20T23", "2025-11-21T00", "2025-11-21T01"]
    assert backfill.hour_range("2025-11-20T05", "2025-11-20T05", now=NOW) == ["2025-11-20T05"]


@pytest.mark.parametrize(
    ("first", "last", "message"),
    [
        ("2025-11-20T9", "2025-11-20T10", "--from '2025-11-20T9' is not an hour"),
        ("2025-11-20", "2025-11-20T10", "YYYY-MM-DDTHH"),
        ("2025-11-20T10", "2025-11-20T24", "--to '2025-11-20T24'"),
        ("2025-02-30T01", "2025-03-01T01", "--from"),
        ("2025-11-20T10", "2025-11-20T09", "before --from"),
        ("2025-01-01T00", "2025-03-01T00", "at most 744"),
        ("2025-11-21T00", "2025-11-21T07", "has not started yet"),
    ],
)
def test_hour_range_errors(first: str, last: str, message: str):
    with pytest.raises(CliError, match=message):
        backfill.hour_range(first, last, now=NOW)


def test_gh_archive_file_names_drop_the_leading_zero():
    assert backfill.file_name("2025-11-20T09") == "2025-11-20-9.json.gz"
    assert backfill.file_name("2025-11-20T00") == "2025-11-20-0.json.gz"


def test_archive_dir_checks(tmp_path: Path):
    hours = ["2025-11-20T08", "2025-11-20T09"]
    with pytest.raises(CliError, match="does not exist"):
        backfill.check_archive_dir(tmp_path / "nope", hours)
    (tmp_path / "f").write_text("x")
    with pytest.raises(CliError, match="is not a folder"):
        backfill.check_archive_dir(tmp_path / "f", hours)
    with pytest.raises(CliError, match="holds none of the 2 hours' files"):
        backfill.check_archive_dir(tmp_path, hours)
    (tmp_path / "2025-11-20-9.json.gz").write_bytes(b'{"id": "1"}\n')
    with pytest.raises(CliError, match="is not gzip"):
        backfill.check_archive_dir(tmp_path, hours)
    (tmp_path / "2025-11-20-9.json.gz").write_bytes(gzip.compress(b'{"id": "1"}\n'))
    assert backfill.check_archive_dir(tmp_path, hours) == 1


def test_archive_url_checks():
    assert backfill.check_archive_url("https://data.gharchive.org/") == "https://data.gharchive.org"
    with pytest.raises(CliError, match="not an http"):
        backfill.check_archive_url("data.gharchive.org")


def test_bad_arguments_exit_2_before_anything_is_deployed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    def no_deploy(*args: Any, **kw: Any) -> None:
        raise AssertionError("must not deploy for bad arguments")

    monkeypatch.setattr(session, "local_environment", no_deploy)
    cases = [
        (["--from", "2025-11-20T10", "--to", "2025-11-20T09"], "before --from"),
        (["--from", "2025-11-20T08", "--to", "2025-11-20T09", "--archive-dir", str(tmp_path)], "holds none"),
        (["--from", "2025-11-20T08", "--to", "2025-11-20T09", "--batch-hours", "0"], "--batch-hours"),
        (["--from", "2025-11-20T08", "--to", "2025-11-20T09", "--archive-url", "ftp://x"], "not an http"),
    ]
    for argv, message in cases:
        assert cli.main(["backfill", *argv]) == 2, argv
        assert message in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:  # one source at a time
        cli.main(["backfill", "--from", "x", "--to", "y", "--archive-dir", "d", "--archive-url", "u"])
    assert exc.value.code == 2


# --- a stub deployment around the real archive handler ------------------------------------------------
@dataclass
class Counts:
    bronze: int
    quarantined: int
    silver: int
    silver_ids: int
    gold_rows: int
    gold_events: int


class StubDeployment:
    """`pipe` and `lake` of a session: archive invocations run the real handler against moto and the fake
    archive; silver and gold are recorded; the lake counts Bronze (its 'silver' and 'gold' are what a
    correct pipeline would make of it)."""

    def __init__(self, s3: Any, cloudwatch: Any, url: str) -> None:
        self.s3 = s3
        config = ArchiveConfig.from_env(
            {"LAKEHOUSE_ENV": "bfill", "RAW_BUCKET": RAW, "ARCHIVE_BASE_URL": url}
        )
        self.deps = archive_handler.ArchiveDeps(
            config=config,
            s3=s3,
            cloudwatch=cloudwatch,
            rng=random.Random(1),
            settings=archive_handler.Settings(request_timeout=2.0, reserve_seconds=1.0, backoff_base=0.01),
        )
        self.invocations: list[tuple[str, Any]] = []

    def invoke(self, role: str, event: dict[str, Any]) -> Invocation:
        self.invocations.append((role, event))
        if role == "archive":
            result = archive_handler.run(event, None, self.deps)  # the stack's 900 s budget
            return Invocation(role, event, ok=True, result=result)
        return Invocation(role, event, ok=True, result={"status": "ok"})

    def _lines(self, prefix: str) -> list[Any]:
        out = []
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=RAW, Prefix=prefix):
            for obj in page.get("Contents", []):
                body = self.s3.get_object(Bucket=RAW, Key=obj["Key"])["Body"].read()
                out += [json.loads(x) for x in gzip.decompress(body).splitlines()]
        return out

    def counts(self, day: str) -> Counts:
        bronze = self._lines(f"github/events/ingest_dt={day}/")
        quarantined = self._lines(f"github/quarantine/ingest_dt={day}/")
        ids = {e["id"] for e in bronze}
        groups = {(e["type"], e["repo"]["name"]) for e in bronze}
        return Counts(len(bronze), len(quarantined), len(ids), len(ids), len(groups), len(ids))


memoize_s3_url_patterns()  # moto's S3 URL patterns loaded once, not on each request (moto_dispatch.py)


@pytest.fixture(scope="module")
def boto_clients() -> tuple[Any, Any]:
    """S3 and CloudWatch clients made once: making one loads its service model (~50 ms of CPU each time
    from a fresh session). moto intercepts a client's requests whenever a mock is active, whenever the
    client was made, so each test still starts them on empty backends."""
    made = boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )
    return made.client("s3"), made.client("cloudwatch")


@pytest.fixture(scope="module")
def moto_mock() -> Iterator[None]:
    """One moto mock for the module (starting one costs ~3 ms: tests/unit/handlers/conftest.py says why);
    each test empties its backends before and after, as stopping a mock of its own would."""
    with mock_aws():
        yield


@pytest.fixture
def aws(
    monkeypatch: pytest.MonkeyPatch, boto_clients: tuple[Any, Any], moto_mock: None
) -> Iterator[tuple[Any, Any]]:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    moto_state.empty_backends()
    try:
        s3, cloudwatch = boto_clients
        s3.create_bucket(Bucket=RAW)
        yield s3, cloudwatch
    finally:
        moto_state.empty_backends()


@pytest.fixture
def fake() -> Iterator[FakeArchive]:
    with FakeArchive(seed=21, events_per_hour=30, invalid_fraction=0.1, gaps=["2025-11-20T23"]) as server:
        yield server


HOURS = ["2025-11-20T21", "2025-11-20T22", "2025-11-20T23", "2025-11-21T00", "2025-11-21T01"]


def test_hours_go_in_batches_one_invocation_at_a_time_then_silver_and_gold_per_day(aws, fake):
    stub = StubDeployment(*aws, fake.url)
    lines: list[str] = []
    shown, facts, loaded = backfill.backfill(HOURS, stub, stub, fake, batch_hours=2, progress=lines.append)

    archive_calls = [e["hours"] for role, e in stub.invocations if role == "archive"]
    assert archive_calls == [HOURS[0:2], HOURS[2:4], HOURS[4:5]]
    assert [r for r, _ in stub.invocations] == ["archive"] * 3 + ["silver", "gold", "gold"]
    assert stub.invocations[3][1] == {"ingest_dts": ["2025-11-20", "2025-11-21"]}
    assert [e for r, e in stub.invocations if r == "gold"] == [
        {"ingest_dt": "2025-11-20"},
        {"ingest_dt": "2025-11-21"},
    ]
    assert lines[0].startswith("archive batch 1/3 (2025-11-20T21 .. 2025-11-20T22): 2 done, 0 missing")
    assert "1 done, 1 missing" in lines[1]

    done = [h for h in HOURS if h != "2025-11-20T23"]
    expected = [fake.expected_events(h) for h in done]
    assert shown == {
        "from": HOURS[0],
        "to": HOURS[-1],
        "hours": 5,
        "hours_done": 4,
        "hours_missing": 1,
        "hours_failed": 0,
        "served": sum(e.lines for e in expected),
        "unique": sum(e.lines for e in expected),  # every generated line is distinct
        "bronze": sum(e.valid for e in expected),
        "quarantined": sum(e.invalid for e in expected),
        "silver": sum(e.valid for e in expected),
        "gold_rows": shown["gold_rows"],
        "gold_events": sum(e.valid for e in expected),
    }
    assert facts["distinct_valid"] == shown["silver"] and facts["groups"] == shown["gold_rows"]
    assert loaded.hours("missing") == ["2025-11-20T23"]


def test_a_second_backfill_of_the_range_loads_nothing_again(aws, fake):
    stub = StubDeployment(*aws, fake.url)
    first, _, _ = backfill.backfill(HOURS, stub, stub, fake, batch_hours=24, progress=lambda _: None)
    again, _, loaded = backfill.backfill(HOURS, stub, stub, fake, batch_hours=24, progress=lambda _: None)
    assert again == first  # done hours count as done; nothing doubled
    assert loaded.hours("done") == [h for h in HOURS if h != "2025-11-20T23"]


def test_deferred_hours_go_again_and_no_progress_is_an_error(aws, fake):
    class OutOfTimeAfterTwo(StubDeployment):
        """The first invocation has time for two hours only: the handler reports the rest deferred."""

        def invoke(self, role: str, event: dict[str, Any]) -> Invocation:
            if role == "archive" and not any(r == "archive" for r, _ in self.invocations):
                inv = super().invoke(role, {"hours": event["hours"][:2]})
                inv.result["deferred"] = event["hours"][2:]
                self.invocations[-1] = (role, event)
                return inv
            return super().invoke(role, event)

    stub = OutOfTimeAfterTwo(*aws, fake.url)
    lines: list[str] = []
    shown, _, _ = backfill.backfill(HOURS, stub, stub, fake, batch_hours=5, progress=lines.append)
    archive_calls = [e["hours"] for role, e in stub.invocations if role == "archive"]
    assert archive_calls == [HOURS, HOURS[2:]]
    assert lines[0].endswith("3 deferred") and lines[0].startswith("archive batch 1/2")
    assert shown["hours_done"] == 4 and shown["hours_missing"] == 1

    class Stuck:
        def invoke(self, role: str, event: dict[str, Any]) -> Invocation:
            result = {"hours": {}, "results": [], "deferred": list(event["hours"]), "events": 0}
            return Invocation(role, event, ok=True, result=result)

    with pytest.raises(backfill.BackfillFailed, match="no progress"):
        backfill.load_hours(HOURS, Stuck(), 24, progress=lambda _: None)


def test_an_outside_archive_reports_what_the_function_counted(aws, fake):
    stub = StubDeployment(*aws, fake.url)
    shown, facts, _ = backfill.backfill(HOURS[:2], stub, stub, None, batch_hours=24, progress=lambda _: None)
    assert shown["served"] == shown["bronze"] + shown["quarantined"] and shown["unique"] is None
    assert "distinct_valid" not in facts


# --- the command around it ---------------------------------------------------------------------------
@contextlib.contextmanager
def _stub_environment(stub: StubDeployment, seen: dict[str, Any]) -> Iterator[Any]:
    @contextlib.contextmanager
    def local_environment(prefix: str, extra_vars: dict[str, Any] | None = None) -> Iterator[Any]:
        seen["prefix"], seen["vars"] = prefix, extra_vars
        yield argparse.Namespace(
            target=None, env="bfill", deployment=argparse.Namespace(outputs={}), zips=None, api=None
        )

    def session_for(*args: Any) -> Any:
        return argparse.Namespace(pipe=stub, lake=stub)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(session, "local_environment", local_environment)
        mp.setattr(session, "session_for", session_for)
        yield


def test_the_command_serves_the_folder_deploys_with_its_url_and_prints_counts_last(
    aws, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    with FakeArchive(seed=3, events_per_hour=20) as source:
        for hour in ("2025-11-20T08", "2025-11-20T09"):
            (tmp_path / backfill.file_name(hour)).write_bytes(b"".join(source._body(source_hour(hour))[0]))
    seen: dict[str, Any] = {}
    stub = StubDeployment(*aws, "http://placeholder")

    real_source = backfill.archive_source

    @contextlib.contextmanager
    def archive_source(args: argparse.Namespace, hours: Any) -> Iterator[Any]:
        with real_source(args, hours) as (url, served):
            stub.deps.config = ArchiveConfig.from_env(
                {"LAKEHOUSE_ENV": "bfill", "RAW_BUCKET": RAW, "ARCHIVE_BASE_URL": url}
            )
            yield url, served

    with _stub_environment(stub, seen), pytest.MonkeyPatch.context() as mp:
        mp.setattr(backfill, "archive_source", archive_source)
        argv = [
            "backfill",
            "--from",
            "2025-11-20T07",
            "--to",
            "2025-11-20T09",
            "--archive-dir",
            str(tmp_path),
        ]
        assert cli.main([*argv, "--json"]) == 0
    out, err = capsys.readouterr()
    counts = json.loads(out.strip().splitlines()[-1])
    assert out.strip().count("\n") == 0  # --json: the counts alone
    assert counts["hours_done"] == 2 and counts["hours_missing"] == 1 and counts["bronze"] == 40
    assert names.is_ephemeral(names.ephemeral_env_name(seen["prefix"]))  # a temporary environment
    assert seen["vars"]["archive"]["base_url"].startswith("http://127.0.0.1:")
    assert "2 of the 3 hours' files are in" in err and "archive batch 1/1" in err


def source_hour(hour: str) -> datetime:
    return datetime.strptime(hour, "%Y-%m-%dT%H").replace(tzinfo=UTC)


def test_a_failed_hour_prints_the_counts_then_exits_non_zero(aws, capsys: pytest.CaptureFixture[str]):
    with FakeArchive(seed=3, events_per_hour=20) as served:
        from harness.local.fake_archive import ArchiveFault

        served.enqueue(ArchiveFault.server_error(503, times=50, hour="2025-11-20T09"))
        stub = StubDeployment(*aws, served.url)
        stub.deps.settings.max_attempts = 2

        @contextlib.contextmanager
        def archive_source(args: argparse.Namespace, hours: Any) -> Iterator[Any]:
            yield served.url, served

        seen: dict[str, Any] = {}
        with _stub_environment(stub, seen), pytest.MonkeyPatch.context() as mp:
            mp.setattr(backfill, "archive_source", archive_source)
            code = cli.main(["backfill", "--from", "2025-11-20T08", "--to", "2025-11-20T09"])
    out, err = capsys.readouterr()
    assert code == 1
    counts = json.loads(out.strip().splitlines()[-1])
    assert counts["hours_failed"] == 1 and counts["hours_done"] == 1
    assert "hours_failed" in out.splitlines()[3]  # the table before the JSON line
    assert "1 hour(s) failed to load (2025-11-20T09: gave up after 2 attempts: HTTP 503)" in err


def test_an_hour_another_run_holds_is_not_counted_as_done(aws, fake):
    stub = StubDeployment(*aws, fake.url)
    lease = {"status": "running", "lease_until": "2999-01-01T00:00:00.000Z", "lease_owner": "other"}
    stub.s3.put_object(
        Bucket=RAW, Key="_state/archive/hours/2025-11-20-22.json", Body=json.dumps(lease).encode()
    )
    shown, _, loaded = backfill.backfill(HOURS[:2], stub, stub, fake, batch_hours=24, progress=lambda _: None)
    assert loaded.hours("skipped") == ["2025-11-20T22"] and shown["hours_done"] == 1
    assert shown["bronze"] == fake.expected_events("2025-11-20T21").valid


def test_the_command_exits_non_zero_when_another_run_holds_an_hour(aws, capsys: pytest.CaptureFixture[str]):
    with FakeArchive(seed=3, events_per_hour=20) as served:
        stub = StubDeployment(*aws, served.url)
        lease = {"status": "running", "lease_until": "2999-01-01T00:00:00.000Z", "lease_owner": "other"}
        key = "_state/archive/hours/2025-11-20-09.json"
        stub.s3.put_object(Bucket=RAW, Key=key, Body=json.dumps(lease).encode())

        @contextlib.contextmanager
        def archive_source(args: argparse.Namespace, hours: Any) -> Iterator[Any]:
            yield served.url, served

        with _stub_environment(stub, {}), pytest.MonkeyPatch.context() as mp:
            mp.setattr(backfill, "archive_source", archive_source)
            code = cli.main(["backfill", "--from", "2025-11-20T08", "--to", "2025-11-20T09", "--json"])
    out, err = capsys.readouterr()
    assert code == 1 and json.loads(out.strip().splitlines()[-1])["hours_done"] == 1
    assert "1 hour(s) were being loaded by another run (2025-11-20T09)" in err

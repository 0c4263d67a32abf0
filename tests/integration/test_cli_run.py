"""`lakehouse run` on the deployed environment: the invariants of docs/design.md on any events file.

The command runs in-process against the session's environment (the `deployment` fixture), the same
code path `lakehouse run` takes after it has an environment, so the suite pays for one apply/destroy.
Each case files its events under its own day with its own ids.
"""

from __future__ import annotations

import copy
import gzip
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from harness.commands import cli, up
from harness.commands import run as run_command
from harness.commands.feed import LocalFeed
from harness.commands.session import Session
from harness.fixtures import invalid_events, load_events
from harness.local.fake_github import FakeGitHub
from harness.pipeline.counts import Lake, expected_counts, record_key
from harness.pipeline.schedule import Pipeline

pytestmark = [pytest.mark.toolchain, pytest.mark.integration, pytest.mark.xdist_group("deployed")]


def relabel(events: list[dict[str, Any]], tag: str) -> list[dict[str, Any]]:
    out = []
    for event in events:
        event = copy.deepcopy(event)
        event["id"] = f"{tag}{event['id']}"
        out.append(event)
    return out


@pytest.fixture
def run_cli(
    fake_github: FakeGitHub, pipeline: Pipeline, lake: Lake, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Any]:
    """`lakehouse run --json ...` against the session's environment; returns (exit code, stdout lines)."""

    @contextmanager
    def session_environment() -> Iterator[Session]:
        yield Session("session", LocalFeed(fake_github), pipeline, lake)

    monkeypatch.setattr(up, "read_up_state", lambda: None)
    monkeypatch.setattr(run_command, "temporary_environment", session_environment)

    def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str], str]:
        code = cli.main(["run", *args])
        captured = capsys.readouterr()
        return code, captured.out.strip().splitlines(), captured.err

    yield run


def check_invariants(records: list[Any], counts: dict[str, Any], lake: Lake, pipeline: Pipeline) -> None:
    exp = expected_counts(records)
    day = counts["ingest_dt"]
    assert counts["served"] == len(records)  # each record served once
    assert counts["unique"] == len({record_key(r) for r in records}) == exp.unique
    assert counts["bronze"] == exp.bronze  # every distinct valid event, nothing lost
    assert counts["quarantined"] == exp.quarantined  # every distinct invalid one
    assert counts["bronze"] + counts["quarantined"] == counts["unique"]
    assert counts["silver"] == counts["bronze"]  # one row per distinct valid id
    assert counts["gold_events"] == counts["silver"]
    assert counts["gold_rows"] == len(exp.groups)  # distinct (ingest_dt, event_type, repo_name)
    assert lake.day_keys(day).bronze_ids == set(exp.valid_ids)
    reasons = [q["reason"] for q in lake.quarantine(day)]
    assert len(reasons) == exp.quarantined and all(reasons)
    # Re-running any transform changes no count.
    pipeline.invoke("silver", {"ingest_dts": [day]}).raise_for_error()
    pipeline.invoke("gold", {"ingest_dt": day}).raise_for_error()
    again = lake.counts(day)
    assert (again.bronze, again.quarantined, again.silver, again.gold_rows, again.gold_events) == (
        counts["bronze"],
        counts["quarantined"],
        counts["silver"],
        counts["gold_rows"],
        counts["gold_events"],
    )


def write_jsonl(path: Path, records: list[Any], compress: bool = False) -> Path:
    text = "".join(json.dumps(r) + "\n" for r in records)
    if compress:
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_canned_fixtures(
    run_cli: Any, capsys: pytest.CaptureFixture[str], lake: Lake, pipeline: Pipeline, tmp_path: Path
) -> None:
    records = relabel(load_events(), "81")
    path = write_jsonl(tmp_path / "events.jsonl", records)
    code, out, _ = run_cli(capsys, "--events", str(path), "--date", "2025-04-01", "--json")
    assert code == 0
    counts = json.loads(out[-1])
    assert list(counts)[1:] == list(run_command.COUNT_KEYS)
    assert counts["bronze"] == len(records) and counts["quarantined"] == 0
    check_invariants(records, counts, lake, pipeline)


def test_duplicates_and_invalid_lines(
    run_cli: Any, capsys: pytest.CaptureFixture[str], lake: Lake, pipeline: Pipeline, tmp_path: Path
) -> None:
    valid = relabel(load_events(), "82")
    bad = [e for e, _ in invalid_events(valid[0])]
    # Repeats of valid and invalid records, spread over more than one API window (300) of 420 lines.
    records = (valid + bad) * 12
    records = records[:420]
    path = write_jsonl(tmp_path / "dups.jsonl", records)
    code, out, _ = run_cli(capsys, "--events", str(path), "--date", "2025-04-02")
    assert code == 0
    counts = json.loads(out[-1])
    assert out[0].startswith("served") and len(out) == len(run_command.COUNT_KEYS) + 1  # table, then the JSON
    assert counts["served"] == 420 and counts["unique"] == len(valid) + len(bad)
    check_invariants(records, counts, lake, pipeline)


def test_gzip_file(
    run_cli: Any, capsys: pytest.CaptureFixture[str], lake: Lake, pipeline: Pipeline, tmp_path: Path
) -> None:
    records = relabel(load_events(), "83")[:15]
    path = write_jsonl(tmp_path / "events.jsonl.gz", records, compress=True)
    code, out, _ = run_cli(capsys, "--events", str(path), "--date", "2025-04-03", "--json")
    assert code == 0
    counts = json.loads(out[-1])
    check_invariants(records, counts, lake, pipeline)


def test_a_day_with_data_is_refused(run_cli: Any, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    records = relabel(load_events(), "84")[:3]
    path = write_jsonl(tmp_path / "e.jsonl", records)
    assert run_cli(capsys, "--events", str(path), "--date", "2025-04-04", "--json")[0] == 0
    code, out, err = run_cli(capsys, "--events", str(path), "--date", "2025-04-04", "--json")
    assert code == 2 and out == [] and "2025-04-04 already holds data" in err

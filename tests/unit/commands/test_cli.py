"""`lakehouse` CLI: reading events files (clear errors), arguments, exit codes. No deployment here."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pytest

from harness.commands import cli, events_file, run, up
from harness.fixtures import load_events


def test_reads_jsonl_and_gzip_alike(tmp_path: Path) -> None:
    events = load_events()
    text = "\n".join(json.dumps(e) for e in events) + "\n\n"
    plain, packed = tmp_path / "e.jsonl", tmp_path / "e.jsonl.gz"
    plain.write_text(text, encoding="utf-8")
    packed.write_bytes(gzip.compress(text.encode()))
    assert events_file.read_events(plain) == events
    assert events_file.read_events(packed) == events


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda p: None, "does not exist"),
        (lambda p: p.mkdir(), "is a directory"),
        (lambda p: p.write_text('{"id": "1"}\n{"id": 2,\n', encoding="utf-8"), ":2 is not JSON"),
        (lambda p: p.write_text("id,type\n1,PushEvent\n", encoding="utf-8"), ":1 is not JSON"),
        (lambda p: p.write_bytes(b"\x1f\x8b\x08\x00garbage"), "damaged"),
        (lambda p: p.write_bytes(b"\xff\xfe\x00{"), "not UTF-8"),
        (lambda p: p.write_text("\n\n", encoding="utf-8"), "holds no events"),
    ],
)
def test_clear_errors_for_bad_files(tmp_path: Path, setup: object, message: str) -> None:
    path = tmp_path / "events.jsonl"
    setup(path)  # type: ignore[operator]
    with pytest.raises(events_file.CliError, match=message):
        events_file.read_events(path)


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "secret.jsonl"
    path.write_text('{"id": "1"}\n', encoding="utf-8")
    path.chmod(0)
    if os.geteuid() == 0:  # root reads any file: make the read fail as it would for anyone else
        denied = PermissionError(13, "Permission denied")
        monkeypatch.setattr(Path, "read_bytes", lambda self: (_ for _ in ()).throw(denied))
    with pytest.raises(events_file.CliError, match="cannot be read: Permission denied"):
        events_file.read_events(path)


def test_run_fails_fast_with_exit_2_and_no_deployment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_deploy() -> None:
        raise AssertionError("must not deploy for a bad file")

    monkeypatch.setattr(run, "temporary_environment", no_deploy)
    assert cli.main(["run", "--events", str(tmp_path / "missing.jsonl")]) == 2
    assert "does not exist" in capsys.readouterr().err
    good = tmp_path / "e.jsonl"
    good.write_text(json.dumps(load_events()[0]) + "\n", encoding="utf-8")
    assert cli.main(["run", "--events", str(good), "--date", "2025-02-30"]) == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err


def test_run_requires_events() -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(["run"])
    assert exc.value.code == 2


def test_down_without_an_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(up, "state_path", lambda: tmp_path / "lakehouse-up.json")
    (tmp_path / "lakehouse-up.json").write_text(json.dumps({"pid": 2**22 + 12345}), encoding="utf-8")
    assert up.read_up_state() is None  # a stale file of a dead process is no environment
    assert cli.main(["down"]) == 0
    assert "no environment is running" in capsys.readouterr().err
    assert not (tmp_path / "lakehouse-up.json").exists()


def test_snippet_names_the_environment() -> None:
    state = {
        "athena": "http://127.0.0.1:1234",
        "outputs": {"athena_workgroup": "dp-x-wg", "glue_database": "lakehouse_x"},
    }
    snippet = up.pyathena_snippet(state)
    compile(snippet, "<snippet>", "exec")
    assert "endpoint_url='http://127.0.0.1:1234'" in snippet and "'lakehouse_x'" in snippet


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_run_on_an_up_environment_that_does_not_answer_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    dead = f"http://127.0.0.1:{_closed_port()}"
    state = {
        "env": "up-x",
        "aws": dead,
        "athena": dead,
        "control": dead,
        "outputs": {},
        "zips": str(tmp_path),
    }
    monkeypatch.setattr(up, "read_up_state", lambda: state)
    good = tmp_path / "e.jsonl"
    good.write_text(json.dumps(load_events()[0]) + "\n", encoding="utf-8")
    assert cli.main(["run", "--events", str(good)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    (line,) = [x for x in err.splitlines() if "error:" in x]
    assert (
        line.startswith("[lakehouse] error: the `lakehouse up` local AWS at ") and "does not answer" in line
    )


def test_describe_gives_the_client_environment_of_the_up_target() -> None:
    state = {
        "env": "up-x",
        "pid": 1,
        "log": "l",
        "aws": "http://127.0.0.1:1",
        "athena": "http://127.0.0.1:2",
        "github": "http://127.0.0.1:3",
        "outputs": {
            "bucket_names": {"raw": "r"},
            "function_names": {"ingest": "i"},
            "athena_workgroup": "w",
            "glue_database": "d",
        },
    }
    text = up.describe(state)
    assert "AWS_ENDPOINT_URL=http://127.0.0.1:1 AWS_ENDPOINT_URL_ATHENA=http://127.0.0.1:2" in text
    assert up.target_of(state).client_env()["AWS_ENDPOINT_URL_ATHENA"] == "http://127.0.0.1:2"

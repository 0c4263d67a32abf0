"""`--dist loadgroup` really keeps an `xdist_group` on one worker: the suites rely on it (one Trino per
session for the `trino` group, one applied environment for the `deployed` group), and a pytest/xdist
pairing that ignores the mark fails nothing by itself; it just starts everything once per worker."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

GROUPED = """
import pytest

pytestmark = pytest.mark.xdist_group("shared")


@pytest.mark.parametrize("i", range(8))
def test_grouped(i):
    pass
"""
FREE = """
import pytest


@pytest.mark.parametrize("i", range(8))
def test_free(i):
    pass
"""


def test_loadgroup_keeps_a_group_on_one_worker(tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\naddopts = --dist loadgroup -p no:cacheprovider\n")
    (tmp_path / "test_grouped.py").write_text(GROUPED)
    (tmp_path / "test_free.py").write_text(FREE)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-n", "2", "-v"], cwd=tmp_path, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout[-2000:]
    ran = re.findall(r"\[(gw\d)\] \[ *\d+%\] PASSED (test_grouped\.py::\S+)", proc.stdout)
    assert len(ran) == 8, proc.stdout[-2000:]
    assert all(nodeid.endswith("@shared") for _, nodeid in ran), ran  # the group reached the scheduler
    assert len({worker for worker, _ in ran}) == 1, f"the group ran on several workers: {ran}"


def test_a_pytest_started_from_a_worker_keeps_its_exit_status(tmp_path: Path, repo_root: Path) -> None:
    """The root conftest.py ends an xdist worker with os._exit(0) once pytest is done with it; a pytest
    that a worker starts inherits PYTEST_XDIST_WORKER but is no worker, and its failures must fail it."""
    (tmp_path / "pytest.ini").write_text("[pytest]\naddopts = -p no:cacheprovider\n")
    (tmp_path / "test_fails.py").write_text("def test_fails():\n    assert False\n")
    env = {**os.environ, "PYTEST_XDIST_WORKER": "gw0", "PYTHONPATH": str(repo_root)}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "conftest", "-q"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert "1 failed" in proc.stdout, proc.stdout[-2000:]
    assert proc.returncode == 1, proc.stdout[-2000:]

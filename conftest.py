"""Shared fixtures: target selection, environment naming, xdist isolation."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

# Arrow's "system" allocator for the local Athena's writes, set before anything loads pyarrow (Arrow reads
# it once): harness/local/athena/arrow_pool.py says why.
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")

ROOT = Path(__file__).resolve().parent
# The Lambda handlers are plain modules (as in their zips), importable in tests like in the runtime.
sys.path.insert(0, str(ROOT / "handlers"))


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def worker_id_suffix(request: pytest.FixtureRequest) -> str:
    """'gw0', 'gw1', ... under xdist, 'main' otherwise: keeps per-worker resources apart."""
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def pytest_itemcollected(item: pytest.Item) -> None:
    """Every Trino test is in the slow tier: a JVM start (~20 s quiet, minutes under load) is never a unit
    test's cost, so `make unit` (-m "not slow") leaves them to `make slow`, `make test` and `make verify`."""
    if item.get_closest_marker("trino") and not item.get_closest_marker("slow"):
        item.add_marker(pytest.mark.slow)

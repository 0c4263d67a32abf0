"""Shared fixtures: target selection, environment naming, xdist isolation."""

from __future__ import annotations

import functools
import gc
import os
import sys
from pathlib import Path

import botocore.session
import pytest

from harness.local.athena.arrow_pool import prefer_system_pool
from harness.processes import exit_without_teardown

# Arrow's "system" allocator for the local Athena's writes, chosen before anything loads pyarrow (Arrow
# reads it once): harness/local/athena/arrow_pool.py says why.
prefer_system_pool()

ROOT = Path(__file__).resolve().parent
# The Lambda handlers are plain modules (as in their zips), importable in tests like in the runtime.
sys.path.insert(0, str(ROOT / "handlers"))

# One botocore data loader per test process. A loader keeps the JSON it parses (service models, endpoints,
# partitions), but every new session starts with a loader of its own and parses them again: boto3's
# default session, which each `mock_aws` resets, and the sessions moto makes itself (~0.1 s of CPU a client
# or session). The files are the installed botocore's, the same for every session, and botocore only reads
# what it loads (one session already hands the same objects to all of its clients), so sharing them changes
# nothing but the time.
botocore.session.create_loader = functools.cache(botocore.session.create_loader)

# Full garbage collections a tenth as often in test processes. Their heaps are mostly long-lived objects
# (moto's backends, botocore's models, the engines' catalogs), and each full collection walks all of them
# (~0.1 s at 300-400k objects; ~1 s of CPU per xdist worker in the unit tier). Young garbage is collected
# as before, and cycles that reach the oldest generation still are, later.
gc.set_threshold(*gc.get_threshold()[:2], 100)


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def worker_id_suffix(request: pytest.FixtureRequest) -> str:
    """'gw0', 'gw1', ... under xdist, 'main' otherwise: keeps per-worker resources apart."""
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """An xdist worker leaves as soon as pytest is done with it. By now it has sent the controller every
    report and its exit status, and its session fixtures are torn down; what is left is the interpreter's
    own teardown (freeing every module: moto's backends, botocore's models, DuckDB), ~0.5-1 s the controller
    waits for at the end of every run. The atexit handlers (the harness's provider servers and compliance
    runners end there) still run first; threads a test left running are not waited for.
    `workerinput` is set only in a worker's own config, never in a pytest a worker starts (which inherits
    PYTEST_XDIST_WORKER and must keep its own exit status)."""
    if hasattr(config, "workerinput"):
        exit_without_teardown(0)


def pytest_itemcollected(item: pytest.Item) -> None:
    """Every Trino test is in the slow tier: a JVM start (~20 s quiet, minutes under load) is never a unit
    test's cost, so `make unit` (-m "not slow") leaves them to `make slow`, `make test` and `make verify`."""
    if item.get_closest_marker("trino") and not item.get_closest_marker("slow"):
        item.add_marker(pytest.mark.slow)

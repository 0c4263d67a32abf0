"""The local Athena's writes allocate with Arrow's "system" pool (harness/local/athena/arrow_pool.py)."""

from __future__ import annotations

import os
import subprocess
import sys

from harness.local.athena import arrow_pool


def test_the_tests_load_pyarrow_with_the_chosen_pool() -> None:
    import pyarrow as pa

    assert pa.default_memory_pool().backend_name == os.environ[arrow_pool.SETTING]


def test_the_package_chooses_it_before_pyarrow_loads() -> None:
    """What the local AWS process does: import the local Athena, then use Arrow."""
    env = {k: v for k, v in os.environ.items() if k != arrow_pool.SETTING}
    code = "import harness.local.athena, pyarrow; print(pyarrow.default_memory_pool().backend_name)"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == arrow_pool.POOL

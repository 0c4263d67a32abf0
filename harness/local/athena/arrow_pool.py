"""Arrow's allocator for the local Athena's writes: glibc's malloc (Arrow's "system" pool), not mimalloc.

The pyarrow wheels default to mimalloc, which hands freed memory back to the OS within milliseconds.
Arrow's S3 writer buffers every file it writes in a part buffer of several MiB, allocated by its IO
threads; under mimalloc each of those buffers is fresh memory again, page-faulted in by the kernel, so a
CTAS of 100 one-row partitions cost ~1.5 s of kernel CPU (and a unit tier's worth of writes more).
glibc's malloc keeps and reuses them. Only the allocator changes; no result does.

Arrow reads the choice once, when pyarrow loads, so it takes effect only where this runs first: the
local AWS process and `python -m harness.local.athena` import this package before pyarrow, and the test
suites' root conftest.py calls prefer_system_pool itself. An explicit ARROW_DEFAULT_MEMORY_POOL is kept.
"""

from __future__ import annotations

import os

SETTING = "ARROW_DEFAULT_MEMORY_POOL"
POOL = "system"


def prefer_system_pool() -> None:
    os.environ.setdefault(SETTING, POOL)

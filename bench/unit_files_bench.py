"""Wall and CPU of a set of unit-test files, in one pytest process (no xdist), before and after a change.

    .venv/bin/python bench/unit_files_bench.py --before /path/to/old/tree --runs 3

The "before" tree is another checkout of the repository (`git archive <commit> | tar -x -C DIR`); both
run with this virtualenv, alternating, so both arms see the same machine load. The default files are the
handler-side ones of the unit tier (handlers, commands, the fake GH Archive and GitHub API, the pipeline,
the entry points' errors, the xdist group check, the Trino install). Prints each run and the medians.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FILES = [
    "tests/unit/handlers",
    "tests/unit/commands",
    "tests/unit/local/test_fake_archive.py",
    "tests/unit/local/test_fake_github.py",
    "tests/unit/pipeline",
    "tests/unit/test_errors.py",
    "tests/unit/test_xdist_groups.py",
    "tests/unit/local/athena/trino/test_install.py",
]


def run_once(tree: Path, files: list[str]) -> tuple[float, float, str]:
    """(wall s, CPU s of the pytest process and its children, pytest's summary line)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", *files, "-m", "not slow", "-p", "no:cacheprovider", "-q"],
        cwd=tree,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    lines = proc.stdout.strip().splitlines()
    summary = lines[-1] if lines else proc.stderr.strip()[-200:]
    if proc.returncode != 0:
        raise SystemExit(f"{tree}: pytest failed: {summary}")
    return wall, cpu, summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, help="a checkout of the code before the change")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("files", nargs="*", default=FILES)
    args = parser.parse_args()
    arms = {"after": ROOT} | ({"before": args.before.resolve()} if args.before else {})
    results: dict[str, list[tuple[float, float]]] = {arm: [] for arm in arms}
    for i in range(args.runs):
        for arm in sorted(arms, reverse=len(arms) > 1):  # before, then after
            wall, cpu, summary = run_once(arms[arm], args.files)
            results[arm].append((wall, cpu))
            load = os.getloadavg()[0]
            print(f"{arm:6} run {i + 1}: {wall:6.1f} s wall {cpu:6.1f} s CPU  load {load:.1f}  {summary}")
    for arm, runs in sorted(results.items(), reverse=True):
        wall = statistics.median(w for w, _ in runs)
        cpu = statistics.median(c for _, c in runs)
        print(f"{arm:6} median of {len(runs)}: {wall:.1f} s wall, {cpu:.1f} s CPU")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

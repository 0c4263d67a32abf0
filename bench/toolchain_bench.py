"""Benchmark the warm toolchain check and the unit suite (docs/design.md, section 8: budgets).

    .venv/bin/python bench/toolchain_bench.py [--runs 5] [--unit-runs 3]

Prints a Markdown table of medians (and min/max); nothing here is asserted, figures go to
docs/benchmarks.md. Run it with the toolchain already built (`make tools`), else the first run
measures a build, not a check.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(cmd: list[str]) -> float:
    started = time.monotonic()
    subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True)
    return time.monotonic() - started


def row(name: str, samples: list[float], budget: str) -> str:
    return (
        f"| {name} | {statistics.median(samples):.2f} s | {min(samples):.2f} to {max(samples):.2f} s "
        f"| {len(samples)} | {budget} |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5, help="runs of the warm check")
    parser.add_argument("--unit-runs", type=int, default=3, help="runs of the unit suite (0 skips it)")
    args = parser.parse_args()
    py = sys.executable
    warm = [timed([py, "-m", "harness.iac.toolchain", "ensure"]) for _ in range(args.runs)]
    make_warm = [timed(["make", "--no-print-directory", "tools"]) for _ in range(args.runs)]
    unit = [
        timed(
            [py, "-m", "pytest", "tests/unit", "-m", "not slow", "-n", "auto", "-q", "-p", "no:cacheprovider"]
        )
        for _ in range(args.unit_runs)
    ]
    load = os.getloadavg()
    print(f"load average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {os.cpu_count()} CPUs\n")
    print("| what | median | range | runs | budget |")
    print("|---|---:|---:|---:|---|")
    print(row("warm toolchain check (`python -m harness.iac.toolchain ensure`)", warm, "≤ 5 s"))
    print(row("`make tools` when warm (venv stamp + check)", make_warm, "≤ 5 s"))
    if unit:
        print(row("unit tier (`make unit`: `pytest tests/unit -m 'not slow' -n auto`)", unit, "≤ 20 s"))
    return 0


if __name__ == "__main__":
    sys.exit(main())

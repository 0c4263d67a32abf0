"""Benchmark one environment's apply + pipeline + destroy on the local target, and `make verify` by phase.

    .venv/bin/python bench/pipeline_bench.py [--runs 3] [--waits both|switched|upstream] [--up N] [--verify]

Environment: a fresh local AWS and fake GitHub API per run, `tofu apply` of the stack, then the pipeline
driven on its deployed schedules for one simulated day boundary (23:40 .. 01:31: 23 ingest polls, two
Silver runs, one Gold run) over the 22 canned events, the counts read through pyathena, then
`tofu destroy` and the leftover check. Each phase is timed separately (wall clock, medians over runs).
--waits both (the default) alternates runs with the provider's own AWS-tuned consistency waits
(LAKEHOUSE_PROVIDER_WAITS=upstream, "before") and with the emulator switch (harness.iac.provider_waits,
"after"), so both are measured in one run under the same load.
--verify also runs `python -m harness.commands.verify` once (warm tools) and reads its per-phase
times from the report. Nothing is asserted; figures go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness.fixtures import load_events  # noqa: E402
from harness.iac import provider_waits  # noqa: E402
from harness.iac.tofu import resolve  # noqa: E402
from harness.local.fake_github import FakeGitHub  # noqa: E402
from harness.paths import work_dir  # noqa: E402
from harness.pipeline import zips as lambda_zip  # noqa: E402
from harness.pipeline.counts import expected_counts  # noqa: E402
from harness.pipeline.runtime import LambdaRuntime  # noqa: E402
from harness.pipeline.schedule import LIVE_ROLES, Pipeline, day_start  # noqa: E402
from harness.targets.environment import deploy  # noqa: E402
from harness.targets.names import ephemeral_env_name  # noqa: E402
from harness.targets.target import open_target  # noqa: E402

DAY = "2025-06-01"


def one_run(zips: Path, waits: str) -> dict[str, float | int | str]:
    if waits == "upstream":
        os.environ[provider_waits.OPT_OUT_VAR] = provider_waits.OPT_OUT_VALUE
    else:
        os.environ.pop(provider_waits.OPT_OUT_VAR, None)
    tofu = resolve(build=False)
    times: dict[str, float | int | str] = {}
    started = time.monotonic()
    with open_target("local") as local, FakeGitHub(load_events()) as api:
        times["local_aws_start"] = time.monotonic() - started
        env = ephemeral_env_name("bench")
        dep = deploy(
            local,
            env,
            tofu,
            zips,
            name=f"bench-{env}",
            extra_vars={"github_api_url": api.url},
        )
        times["apply"] = dep.timings["apply"]
        try:
            t = time.monotonic()
            runtime = LambdaRuntime(aws_env=local.client_env())
            pipe = Pipeline.load(env=env, client=dep.client, runtime=runtime, search_dirs=[zips])
            start = day_start(DAY).replace(hour=23, minute=40)
            # The live path: the archive (its own bench, bench/archive_bench.py) is not fired here.
            firings = pipe.run(start, day_start("2025-06-02").replace(hour=1, minute=31), roles=LIVE_ROLES)
            failed = [f for f in firings if not f.ok]
            if failed:
                raise RuntimeError(f"{len(failed)} firings failed: {failed[0].invocation.error_message}")
            times["firings"] = len(firings)
            times["pipeline"] = time.monotonic() - t
            t = time.monotonic()
            lake = local.lake(dep.outputs)
            counts = lake.counts(DAY)
            lake.close()
            times["counts"] = time.monotonic() - t
            exp = expected_counts(api.served_records)
            if (counts.bronze, counts.silver, counts.gold_events) != (exp.bronze,) * 3:
                raise RuntimeError(f"counts {counts} do not match what was served ({exp.bronze})")
            runtime.close()
        finally:
            left = dep.destroy()
            times["destroy"] = dep.timings["destroy"]
            if left:
                print(f"warning: leftovers {left}", file=sys.stderr)
    times["total"] = time.monotonic() - started
    return times


def up_down() -> dict[str, float]:
    """`lakehouse up` until it prints the endpoints, then `lakehouse down` until the process is gone."""
    cli = [sys.executable, "-m", "harness.commands.cli"]
    started = time.monotonic()
    subprocess.run([*cli, "up"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    up = time.monotonic() - started
    started = time.monotonic()
    subprocess.run([*cli, "down"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return {"up": up, "down": time.monotonic() - started}


def verify_phases() -> dict[str, float]:
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "harness.commands.verify"], cwd=ROOT, check=False)
    wall = time.monotonic() - started
    report = (work_dir() / "verify-report.md").read_text(encoding="utf-8")
    phases = {
        m.group(1): float(m.group(3))
        for m in re.finditer(r"^\| (\w+) \| (passed|FAILED) \| [0-9.]+ \| ([0-9.]+) \|", report, re.M)
    }
    return {**phases, "wall": wall}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3, help="apply+pipeline+destroy runs per wait mode")
    parser.add_argument("--waits", choices=("both", "switched", "upstream"), default="both")
    parser.add_argument(
        "--verify", action="store_true", help="also time `python -m harness.commands.verify` once"
    )
    parser.add_argument("--up", type=int, default=0, metavar="N", help="also time N `lakehouse up`/`down`")
    args = parser.parse_args()
    zips = work_dir() / "bench-zips"
    lambda_zip.build_all(zips)
    modes = ("upstream", "switched") if args.waits == "both" else (args.waits,)
    runs: dict[str, list[dict[str, float | int | str]]] = {mode: [] for mode in modes}
    for i in range(args.runs):
        for mode in modes:  # alternating, so load changes hit both modes alike
            print(f"[bench] run {i + 1}/{args.runs}, {mode} waits ...", file=sys.stderr, flush=True)
            runs[mode].append(one_run(zips, mode))
            print(json.dumps({"waits": mode, **runs[mode][-1]}), file=sys.stderr, flush=True)
    keys = ("local_aws_start", "apply", "pipeline", "counts", "destroy", "total") if args.runs else ()
    print("| phase | " + " | ".join(f"{m} waits: median (min .. max)" for m in modes) + " |")
    print("|---|" + "---|" * len(modes))
    for key in keys:
        cells = []
        for mode in modes:
            values = [float(r[key]) for r in runs[mode]]
            cells.append(f"{statistics.median(values):.1f} s ({min(values):.1f} .. {max(values):.1f})")
        print(f"| {key} | " + " | ".join(cells) + " |")
    if len(modes) == 2 and args.runs:
        before, after = (statistics.median(float(r["total"]) for r in runs[m]) for m in modes)
        print(f"\nmedian total, switched / upstream: {after / before:.2f} ({args.runs} runs each)")
    if args.up:
        cycles = [up_down() for _ in range(args.up)]
        print("\n| lakehouse | median | min .. max | runs |\n|---|---|---|---|")
        for key in ("up", "down"):
            values = [c[key] for c in cycles]
            print(
                f"| {key} | {statistics.median(values):.1f} s | {min(values):.1f} .. {max(values):.1f} s "
                f"| {len(values)} |"
            )
    if args.verify:
        phases = verify_phases()
        print("\n| make verify phase | seconds |\n|---|---|")
        for name, seconds in phases.items():
            print(f"| {name} | {seconds:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

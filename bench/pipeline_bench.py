"""Benchmark one environment's apply + pipeline + destroy on the local target, and `make verify` by phase.

    .venv/bin/python bench/pipeline_bench.py [--runs 3] [--waits both|switched|upstream] [--up N] [--verify]
    .venv/bin/python bench/pipeline_bench.py --baseline DIR [--runs 3] [--up N]

Environment: a fresh local AWS and fake GitHub API per run, `tofu apply` of the stack, then the pipeline
driven on its deployed schedules for one simulated day boundary (23:40 .. 01:31: 23 ingest polls, two
Silver runs, one Gold run) over the 22 canned events, the counts read through pyathena, then
`tofu destroy` and the leftover check. Each phase is timed separately (wall clock, medians over runs).
--waits both (the default) alternates runs with the provider's own AWS-tuned consistency waits
(LAKEHOUSE_PROVIDER_WAITS=upstream, "before") and with the emulator switch (harness.iac.provider_waits,
"after"), so both are measured in one run under the same load.
--baseline DIR compares this checkout with another one of the same repository (an older commit,
exported with `git archive <commit> | tar -x -C DIR`): runs alternate between DIR's own benchmark
("before") and this one ("after"), each a fresh process with the emulator switch on, so both are measured
in one run under the same load; --up N alternates their `lakehouse up`/`down` the same way.
--up N times `lakehouse up` until it prints the endpoints, then until a first query answers through
the env's Athena workgroup (the engine ready), then `lakehouse down`.
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


def first_query(root: Path) -> None:
    """SELECT 1 through the running `lakehouse up` environment's workgroup, polled every 50 ms."""
    import boto3

    state = json.loads((root / ".work" / "lakehouse-up.json").read_text(encoding="utf-8"))
    athena = boto3.client(
        "athena",
        endpoint_url=state["athena"],
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    qid = athena.start_query_execution(QueryString="SELECT 1", WorkGroup=state["outputs"]["athena_workgroup"])
    while True:
        status = athena.get_query_execution(QueryExecutionId=qid["QueryExecutionId"])["QueryExecution"]
        if status["Status"]["State"] not in ("QUEUED", "RUNNING"):
            if status["Status"]["State"] != "SUCCEEDED":
                raise RuntimeError(f"first query {status['Status']}")
            return
        time.sleep(0.05)


def up_down(root: Path = ROOT) -> dict[str, float]:
    """`lakehouse up` until it prints the endpoints, then until a first query answers, then `lakehouse down`
    until the process is gone."""
    cli = [sys.executable, "-m", "harness.commands.cli"]
    env = {k: v for k, v in os.environ.items() if k != "LAKEHOUSE_ROOT"}
    started = time.monotonic()
    subprocess.run([*cli, "up"], cwd=root, env=env, check=True, stdout=subprocess.DEVNULL)
    up = time.monotonic() - started
    first_query(root)
    ready = time.monotonic() - started
    started = time.monotonic()
    subprocess.run([*cli, "down"], cwd=root, env=env, check=True, stdout=subprocess.DEVNULL)
    return {"up": up, "up_query_ready": ready, "down": time.monotonic() - started}


def one_run_of(root: Path) -> dict[str, float | int | str]:
    """One switched-waits run of the benchmark of the checkout at root, in a fresh process."""
    env = {k: v for k, v in os.environ.items() if k != "LAKEHOUSE_ROOT"}
    env.pop(provider_waits.OPT_OUT_VAR, None)
    proc = subprocess.run(
        [sys.executable, str(root / "bench" / "pipeline_bench.py"), "--runs", "1", "--waits", "switched"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
    )
    for line in reversed(proc.stderr.splitlines()):
        if line.startswith('{"waits"'):
            return dict(json.loads(line))
    raise RuntimeError(f"no run figures from {root} (exit {proc.returncode}):\n{proc.stderr[-3000:]}")


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def table(runs: dict[str, list[dict[str, float | int | str]]], keys: tuple[str, ...], label: str) -> None:
    modes = list(runs)
    print(f"| {label} | " + " | ".join(f"{m}: median (min .. max)" for m in modes) + " |")
    print("|---|" + "---|" * len(modes))
    for key in keys:
        cells = []
        unit = "" if key.startswith("load") else " s"
        for mode in modes:
            values = [float(r[key]) for r in runs[mode]]
            cells.append(f"{statistics.median(values):.1f}{unit} ({min(values):.1f} .. {max(values):.1f})")
        print(f"| {key} | " + " | ".join(cells) + " |")


def compare(baseline: Path, runs: int, ups: int) -> None:
    """Alternate runs of the baseline checkout ("before") and this one ("after")."""
    checkouts = {"before": baseline.resolve(), "after": ROOT}
    cycles: dict[str, list[dict[str, float | int | str]]] = {m: [] for m in checkouts}
    for i in range(runs):
        for mode, root in checkouts.items():
            print(
                f"[bench] run {i + 1}/{runs}, {mode} ({root}), load {load()} ...", file=sys.stderr, flush=True
            )
            cycles[mode].append({**one_run_of(root), "load1": os.getloadavg()[0]})
            print(json.dumps({"checkout": mode, **cycles[mode][-1]}), file=sys.stderr, flush=True)
    if runs:
        keys = ("local_aws_start", "apply", "pipeline", "counts", "destroy", "total", "load1")
        table(cycles, keys, "phase")
        before, after = (statistics.median(float(r["total"]) for r in cycles[m]) for m in checkouts)
        print(f"\nmedian total, after / before: {after / before:.2f} ({runs} runs each)")
    if ups:
        updown: dict[str, list[dict[str, float | int | str]]] = {m: [] for m in checkouts}
        for i in range(ups):
            for mode, root in checkouts.items():
                print(
                    f"[bench] lakehouse up/down {i + 1}/{ups}, {mode}, load {load()}",
                    file=sys.stderr,
                    flush=True,
                )
                updown[mode].append({**up_down(root), "load1": os.getloadavg()[0]})
                print(json.dumps({"checkout": mode, **updown[mode][-1]}), file=sys.stderr, flush=True)
        print()
        table(updown, ("up", "up_query_ready", "down", "load1"), "lakehouse")


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
    parser.add_argument(
        "--baseline", type=Path, metavar="DIR", help="alternate with the checkout in DIR (before/after)"
    )
    args = parser.parse_args()
    if args.baseline is not None:
        compare(args.baseline, args.runs, args.up)
        return 0
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
        for key in ("up", "up_query_ready", "down"):
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

"""Benchmark the compliance gates: before and after the long-lived runner and the one run per plan.

    .venv/bin/python bench/compliance_bench.py [--runs 5] [--mutants 8] [--mutant-runs 3]

Two measurements, each with its arms alternated in one run, medians of wall and CPU time (this process
and every process it waited for: terraform-compliance, the runner and its children, tofu, the provider,
the local AWS):

1. gating N plans (the real dev, staging and prod plans, planned once at the start):
   "before" = a fresh terraform-compliance process per run, each data-source feature in a run of its own
   (run_gates(mode="process", merged=False)); "after" = the default, a runner started for the repetition
   (its start counted) and one forked run per plan.
2. the first --mutants stack mutants of tests/integration/test_compliance.py under `pytest -n 2`: each a
   fresh plan of its mutated stack and its gates; "before" loads bench/compliance_before.py, a pytest
   plugin that gates as before.
3. `tofu plan` + `tofu show -json` of the dev stack in one initialised working copy (what each mutant
   costs besides its gates), with Go's default GC target (GOGC=100) and with the one the harness sets
   for its own build (harness.iac.tofu.GO_GC_PERCENT).

    .venv/bin/python bench/compliance_bench.py --runs 0 --mutants 0 --plan-runs 5   # only the third

4. per stack mutant, in this process (--per-mutant N mutants, --per-mutant-runs repetitions): the plans
   and shows of N mutated stacks, then their gates, each phase's CPU divided by N. "before" = tofu
   starting its own providers (LAKEHOUSE_PROVIDER_SERVER=per-command) and a runner without gc.freeze;
   "after" = the defaults, plans attached to one provider server (harness.iac.provider_server) and the
   runner freezing its imports. Each phase ends its long-lived processes (provider servers, the runner)
   so that their CPU is counted; the local AWS (one process for all arms) is not.

    .venv/bin/python bench/compliance_bench.py --runs 0 --mutants 0 --plan-runs 0 --per-mutant 8

Prints Markdown; nothing is asserted. Figures go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness.gates import compliance, mutants  # noqa: E402

ENVS = ("dev", "staging", "prod")


def cpu_seconds() -> float:
    """CPU of this process and of every descendant it (or they) waited for."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def measured(action: Callable[[], None]) -> tuple[float, float]:
    cpu, wall = cpu_seconds(), time.monotonic()
    action()
    return time.monotonic() - wall, cpu_seconds() - cpu


def lambda_zips() -> Path:
    from harness.paths import work_dir
    from harness.pipeline import zips

    out = work_dir() / "bench-compliance" / "zips"
    zips.build_all(out)
    return out


def plans() -> list[Path]:
    from harness.local.aws import LocalAws

    zips = lambda_zips()
    with LocalAws(with_athena=False) as endpoints:
        return [compliance.plan_env(env, endpoints.aws, zips, name=f"bench-compliance-{env}") for env in ENVS]


def plan_samples(runs: int) -> dict[str, list[tuple[float, float]]]:
    """Plan + show of dev in one initialised working copy, per GC target, arms alternated."""
    from harness.iac import tofu
    from harness.local.aws import LocalAws
    from harness.paths import repo_root
    from harness.targets.endpoints import Endpoints
    from harness.targets.target import Target

    zips = lambda_zips()
    with LocalAws(with_athena=False) as endpoints:
        ws = Target("local", Endpoints(aws=endpoints.aws)).workspace(
            "bench-compliance-plan",
            "dev",
            # without the GC target resolve() adds, so that each arm's GOGC (set below) is the one used
            dataclasses.replace(
                tofu.resolve(), env={k: v for k, v in tofu.resolve().env.items() if k != "GOGC"}
            ),
            var_files=[repo_root() / "terraform" / "envs" / "dev.tfvars"],
            variables={"lambda_artifacts_dir": str(zips)},
        )
        ws.init()
        return alternate(runs, {f"GOGC={g}": plan_with(ws, g) for g in ("100", tofu.GO_GC_PERCENT)})


def plan_with(ws: object, gogc: str) -> Callable[[], None]:
    def run() -> None:
        os.environ["GOGC"] = gogc  # Tofu.run passes the caller's environment on
        try:
            ws.plan()  # type: ignore[attr-defined]
            ws.show_json()  # type: ignore[attr-defined]
        finally:
            os.environ.pop("GOGC", None)

    return run


PER_MUTANT_ARMS = {
    "before (tofu starts its providers; runner without gc.freeze)": (True, False),
    "after (one provider server; runner with gc.freeze)": (False, True),
}


def per_mutant_samples(count: int, runs: int) -> dict[str, list[tuple[float, float]]]:
    """Per stack mutant: plan + show, and the gates, in each arm of PER_MUTANT_ARMS, arms alternated."""
    from harness.iac import provider_server
    from harness.local.aws import LocalAws
    from harness.paths import work_dir

    chosen = mutants.MUTANTS[:count]
    scratch = work_dir() / "bench-compliance" / "mutants"
    stacks = {m.id: mutants.mutated_copy(m, scratch / m.id) for m in chosen}
    zips, binary, name = lambda_zips(), compliance.compliance_bin(), "bench-compliance-mutants"
    samples: dict[str, list[tuple[float, float]]] = {}
    with LocalAws(with_athena=False) as endpoints:
        compliance.plan_env("dev", endpoints.aws, zips, name=name, reuse_init=True)  # init, not measured
        provider_server.close_idle()

        def plan_all(per_command: bool) -> None:
            if per_command:
                os.environ[provider_server.OPT_OUT_VAR] = provider_server.OPT_OUT_VALUE
            try:
                for m in chosen:
                    plan = compliance.plan_env(
                        m.env, endpoints.aws, zips, source=stacks[m.id], name=name, reuse_init=True
                    )
                    shutil.copy(plan, scratch / f"{m.id}.json")
            finally:
                os.environ.pop(provider_server.OPT_OUT_VAR, None)
                provider_server.close_idle()  # the servers' CPU reaches this process when they end

        def gate_all(gc_freeze: bool) -> None:
            runner = compliance._RUNNERS[binary] = compliance.ForkedRunner(binary, gc_freeze=gc_freeze)
            try:
                for m in chosen:
                    failed = compliance.run_gates(scratch / f"{m.id}.json").failed
                    assert failed == [m.feature], f"{m.id}: {failed}"
            finally:  # the runner's children's CPU reaches this process when it ends
                compliance._RUNNERS.pop(binary, None)
                runner.close()

        for i in range(runs):
            order = list(PER_MUTANT_ARMS) if i % 2 == 0 else list(reversed(PER_MUTANT_ARMS))
            for arm in order:
                per_command, gc_freeze = PER_MUTANT_ARMS[arm]
                for phase, action in (
                    ("plan + show", lambda: plan_all(per_command)),  # noqa: B023 (called at once)
                    ("gates", lambda: gate_all(gc_freeze)),  # noqa: B023
                ):
                    wall, cpu = measured(action)
                    samples.setdefault(f"{phase}, {arm}", []).append((wall / count, cpu / count))
    return samples


def gate_before(paths: list[Path]) -> None:
    for path in paths:
        assert compliance.run_gates(path, mode="process", merged=False).ok


def gate_after(paths: list[Path]) -> None:
    binary = compliance.compliance_bin()
    try:
        for path in paths:
            assert compliance.run_gates(path, mode="fork", merged=True).ok
    finally:  # the runner's start and its children count in this repetition
        runner = compliance._RUNNERS.pop(binary, None)
        if runner is not None:
            runner.close()


def pytest_mutants(ids: list[str], before: bool) -> None:
    test = "tests/integration/test_compliance.py::test_mutant_is_caught_by_its_feature_only"
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        *[f"{test}[{i}]" for i in ids],
        "-n",
        "2",
        "-q",
        "-p",
        "no:cacheprovider",
    ]
    env = dict(os.environ)
    if before:
        cmd += ["-p", "compliance_before"]
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "bench"), env.get("PYTHONPATH", "")]))
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    if proc.returncode != 0 or f"{len(ids)} passed" not in proc.stdout:
        raise SystemExit(f"pytest failed:\n{proc.stdout[-3000:]}{proc.stderr[-2000:]}")


def alternate(runs: int, arms: dict[str, Callable[[], None]]) -> dict[str, list[tuple[float, float]]]:
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in arms}
    for i in range(runs):
        order = list(arms) if i % 2 == 0 else list(reversed(arms))
        for name in order:
            samples[name].append(measured(arms[name]))
    return samples


def table(title: str, samples: dict[str, list[tuple[float, float]]]) -> None:
    print(f"\n{title}\n")
    print("| arm | wall, median (range) | CPU, median (range) | runs |")
    print("|---|---:|---:|---:|")
    for name, rows in samples.items():
        walls, cpus = [w for w, _ in rows], [c for _, c in rows]
        print(
            f"| {name} | {statistics.median(walls):.1f} s ({min(walls):.1f} to {max(walls):.1f}) "
            f"| {statistics.median(cpus):.1f} s ({min(cpus):.1f} to {max(cpus):.1f}) | {len(rows)} |"
        )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5, help="repetitions of gating the env plans, per arm")
    parser.add_argument("--mutants", type=int, default=8, help="stack mutants in the pytest arm (0 skips it)")
    parser.add_argument("--mutant-runs", type=int, default=3, help="repetitions of the pytest arm, per arm")
    parser.add_argument("--plan-runs", type=int, default=5, help="plan + show repetitions, per arm (0 skips)")
    parser.add_argument(
        "--per-mutant", type=int, default=0, help="stack mutants planned and gated per arm (default 0: skip)"
    )
    parser.add_argument("--per-mutant-runs", type=int, default=3, help="repetitions of the per-mutant arms")
    args = parser.parse_args()
    per_mutant = per_mutant_samples(args.per_mutant, args.per_mutant_runs) if args.per_mutant else {}
    planning = plan_samples(args.plan_runs) if args.plan_runs else {}
    paths = plans() if args.runs else []
    gating = alternate(
        args.runs,
        {
            "before (process per run, separate data-source run)": lambda: gate_before(paths),
            "after (forked runs, one run per plan)": lambda: gate_after(paths),
        },
    )
    mutant_samples = {}
    ids = [m.id for m in mutants.MUTANTS[: args.mutants]]
    if ids:
        mutant_samples = alternate(
            args.mutant_runs,
            {
                "before": lambda: pytest_mutants(ids, before=True),
                "after": lambda: pytest_mutants(ids, before=False),
            },
        )
    load = os.getloadavg()
    print(f"load average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {os.cpu_count()} CPUs")
    runs_after = len(compliance.feature_batches(compliance.features_dir()))
    if per_mutant:
        title = f"Per stack mutant (the first {args.per_mutant}, each phase divided by their number)"
        table(title, per_mutant)
    if planning:
        table("`tofu plan` + `tofu show -json` of dev (one initialised working copy)", planning)
    if args.runs:
        table(
            f"Gating {len(paths)} plans ({', '.join(ENVS)}), {runs_after} run(s) per plan after",
            gating,
        )
    if mutant_samples:
        table(
            f"`pytest -n 2` of the first {len(ids)} stack mutants of tests/integration/test_compliance.py",
            mutant_samples,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

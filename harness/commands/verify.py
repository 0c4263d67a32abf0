"""`make verify`: the main job, phase by phase, with a summary and a Markdown report.

The main job proves the stack: lint, validate, a plan per env and the gates on those plans, the unit
tier, and one local environment applied, fed through the pipeline scenarios with their counts asserted,
and destroyed. `make test` runs every tier besides: the harness's own proofs (each gate's mutants, the
toolchain, bootstrap and workflow tests, the engine parity and archive scenarios, the slow tier);
`--full` (`make verify FULL=1`) adds them here too.

Every phase runs even when an earlier one failed (so one run shows everything that is wrong); the
exit code is non-zero if any phase failed. The report lands in .work/verify-report.md.

    python -m harness.commands.verify [--full] [--only lint,plans] [--envs dev,staging,prod]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from harness.console import say
from harness.errors import HarnessError, entry_point
from harness.iac.tofu import resolve
from harness.iac.workspace import Workspace
from harness.paths import repo_root, work_dir
from harness.targets.environment import plan_json_path
from harness.targets.target import open_target

ENVS = ("dev", "staging", "prod")


@dataclass
class PhaseResult:
    name: str
    ok: bool
    seconds: float
    detail: str = ""
    started: float = 0.0  # seconds after verify began


# Phases that can overlap run in lanes, each lane in order: the integration suite (the longest, and the
# one whose time is mostly waiting on subprocesses) beside everything else. The unit tier comes right
# after lint so its verdict is early; the slow tier of tests/unit (a Trino start, long scenarios) last.
LANES: tuple[tuple[str, ...], ...] = (
    ("integration",),
    ("lint", "unit", "validate", "plans", "compliance", "slow"),
)


# The main job's integration phase: the pipeline scenarios on one deployed environment. With --full, the
# whole integration suite (every scenario, the CLI, the gates' mutants, toolchain, bootstrap, workflows).
PIPELINE_SUITE = "tests/integration/test_pipeline.py"
FULL_SUITE = "tests/integration"


@dataclass
class Context:
    envs: tuple[str, ...]
    full: bool = False
    facts: dict[str, object] = field(default_factory=dict)
    phases: tuple[str, ...] = ()  # the phases this run was asked for


def _say(msg: str) -> None:
    say("verify", msg)


def _run(cmd: list[str], env: dict[str, str] | None = None) -> tuple[bool, str]:
    proc = subprocess.run(
        cmd, cwd=repo_root(), text=True, capture_output=True, env={**os.environ, **(env or {})}
    )
    out = (proc.stdout + proc.stderr).strip()
    if proc.returncode != 0:
        print(out, file=sys.stderr)
    return proc.returncode == 0, out


def phase_lint(ctx: Context) -> str:
    tofu = resolve(build=True)
    checks = {
        "ruff check": [sys.executable, "-m", "ruff", "check", "."],
        "ruff format": [sys.executable, "-m", "ruff", "format", "--check", "."],
        "tofu fmt": [str(tofu.binary), "fmt", "-check", "-recursive", "terraform"],
    }
    failed = [name for name, cmd in checks.items() if not _run(cmd)[0]]
    if failed:
        raise HarnessError(f"{', '.join(failed)} reported problems")
    return "ruff, ruff format, tofu fmt clean"


def _zips() -> Path:
    from harness.pipeline import zips as lambda_zip

    out = work_dir() / "verify-zips"
    lambda_zip.build_all(out)
    return out


def phase_validate(ctx: Context) -> str:
    ws = Workspace(name="verify-validate", env="dev", tofu=resolve())
    ws.init()
    result = ws.validate()
    if not result["valid"]:
        raise HarnessError(json.dumps(result["diagnostics"], indent=1))
    return f"valid ({result.get('warning_count', 0)} warnings)"


def phase_plans(ctx: Context) -> str:
    """A plan per environment against the embedded local AWS, saved as plan JSON for the gates."""
    from harness.gates.compliance import plan_env
    from harness.iac import provider_server

    zips, counts, plans = _zips(), {}, {}
    with open_target("local", athena=False) as local:
        assert local.endpoints is not None
        for env in ctx.envs:
            out = plan_json_path(env)
            plan_env(env, local.endpoints.aws, zips, name=f"verify-plan-{env}", out=out)
            plan = json.loads(out.read_text(encoding="utf-8"))
            counts[env] = sum(1 for rc in plan["resource_changes"] if "create" in rc["change"]["actions"])
            plans[env] = str(out)
    provider_server.close_idle()  # the plans' provider served this local AWS only
    ctx.facts["plans"] = plans
    return ", ".join(f"{env}: {n} to create" for env, n in counts.items())


def phase_compliance(ctx: Context) -> str:
    """The terraform-compliance gates on each plan the plans phase wrote."""
    from harness.gates import plan_checks
    from harness.gates.compliance import features_dir, run_gates

    plans = ctx.facts.get("plans")
    if not isinstance(plans, dict) or not plans:
        raise HarnessError("no plans to gate: the plans phase did not run or failed")
    results, failed = [], []
    gates = len(list(features_dir().glob("*.feature"))) + len(plan_checks.CHECKS)
    for env, path in plans.items():
        report = run_gates(Path(path))
        results.append(f"{env}: {len(report.features) - len(report.failed)}/{len(report.features)}")
        if len(report.features) != gates:
            failed.append(f"{env} (reported {len(report.features)} gates of {gates})")
        elif not report.ok:
            print(report.output, file=sys.stderr)
            print(report.summary(), file=sys.stderr)
            failed.append(f"{env} ({', '.join(report.failed)})")
    if failed:
        raise HarnessError(f"gates failed on {'; '.join(failed)}")
    return "features passed: " + ", ".join(results)


def _pytest(args: list[str], env: dict[str, str] | None = None) -> str:
    ok, out = _run(
        [sys.executable, "-m", "pytest", *args, "-n", "auto", "-q", "-p", "no:cacheprovider"], env=env
    )
    last = out.splitlines()[-1] if out else ""
    if not ok:
        raise HarnessError(last)
    return last


def phase_unit(ctx: Context) -> str:
    """The unit tier, as `make unit` runs it."""
    return _pytest(["tests/unit", "-m", "not slow"])


def phase_slow(ctx: Context) -> str:
    """The slow tier of tests/unit (marker `slow`), as `make slow` runs it: with the unit tier, every test
    under tests/unit."""
    return _pytest(["tests/unit", "-m", "slow"])


def read_counts(path: Path) -> list[dict[str, object]]:
    """The per-day counts the integration suite recorded (harness.pipeline.counts.record), in day order."""
    if not path.is_file():
        return []
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    # A day asserted twice (before and after a re-run) is reported once: its last counts.
    latest = {str(r["ingest_dt"]): r for r in rows}
    return [latest[day] for day in sorted(latest)]


def counts_line(rows: list[dict[str, object]]) -> str:
    if not rows:
        return "no counts recorded"
    total = {k: sum(int(r[k]) for r in rows) for k in ("bronze", "quarantined", "silver", "gold_rows")}  # type: ignore[call-overload]
    events = sum(int(r["gold_events"]) for r in rows)  # type: ignore[call-overload]
    return (
        f"{len(rows)} days: bronze {total['bronze']}, quarantined {total['quarantined']}, "
        f"silver {total['silver']}, gold {total['gold_rows']} rows / {events} events"
    )


# The integration suite's plan-and-gate of each env: exactly what the plans and compliance phases do.
GATES_ON_THE_REAL_PLAN = "tests/integration/test_compliance.py::test_gates_pass_on_the_real_plan"


def integration_deselected(ctx: Context) -> list[str]:
    """When the whole integration suite runs (--full) beside the plans and compliance phases, the lane
    leaves out the suite's own plan and gates of the same envs instead of planning each env twice (run
    alone, the test plans for itself)."""
    if not ctx.full or not {"plans", "compliance"} <= set(ctx.phases):
        return []
    return [f"--deselect={GATES_ON_THE_REAL_PLAN}[{env}]" for env in ctx.envs]


def phase_integration(ctx: Context) -> str:
    """Apply a local environment, run the pipeline scenarios and assert their counts, destroy (--full: the
    whole integration suite); then the invariants over every day the suite recorded."""
    from harness.pipeline.counts import COUNTS_FILE_ENV

    counts = work_dir() / "integration-counts.jsonl"
    counts.parent.mkdir(parents=True, exist_ok=True)
    counts.unlink(missing_ok=True)
    try:
        suite = FULL_SUITE if ctx.full else PIPELINE_SUITE
        result = _pytest([suite, *integration_deselected(ctx)], env={COUNTS_FILE_ENV: str(counts)})
    finally:
        ctx.facts["counts"] = read_counts(counts)
    check_invariants(ctx.facts["counts"])  # type: ignore[arg-type]
    return f"{result}; {counts_line(ctx.facts['counts'])}"  # type: ignore[arg-type]


def check_invariants(rows: list[dict[str, object]]) -> None:
    """InvariantBroken naming each broken invariant and its day, over the counts the suite recorded."""
    from harness.pipeline.invariants import InvariantBroken, broken

    found = [f"{row['ingest_dt']} ({row.get('scenario')}): {b}" for row in rows for b in broken(row)]
    if found:
        raise InvariantBroken("invariant broken: " + "; ".join(found))


PHASES: dict[str, Callable[[Context], str]] = {
    "lint": phase_lint,
    "validate": phase_validate,
    "plans": phase_plans,
    "compliance": phase_compliance,
    "unit": phase_unit,
    "slow": phase_slow,
    "integration": phase_integration,
}
# What a run does without --only: every phase but the slow tier, unless --full.
MAIN_JOB = tuple(p for p in PHASES if p != "slow")


def gold_chart_svg(rows: list[dict[str, object]], width: int = 640, bar_area: int = 180) -> str:
    """A dependency-free SVG bar chart: Gold events (bars) and Gold rows (labels) per ingest day."""
    days = [(str(r["ingest_dt"]), int(r["gold_events"]), int(r["gold_rows"])) for r in rows]  # type: ignore[call-overload]
    top, left, bottom = 30, 40, 70
    height = top + bar_area + bottom
    peak = max([e for _, e, _ in days] + [1])
    step = (width - left - 10) / max(len(days), 1)
    bar = max(4.0, step * 0.6)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
        f'<text x="{left}" y="18" font-size="13">Gold per ingest day: events (bar) and rows (label)</text>',
        f'<line x1="{left}" y1="{top + bar_area}" x2="{width - 10}" y2="{top + bar_area}" stroke="#333"/>',
        f'<text x="{left - 4}" y="{top + 4}" text-anchor="end">{peak}</text>',
        f'<text x="{left - 4}" y="{top + bar_area}" text-anchor="end">0</text>',
    ]
    for i, (day, events, gold_rows) in enumerate(days):
        h = bar_area * events / peak
        x = left + i * step + (step - bar) / 2
        y = top + bar_area - h
        cx = x + bar / 2
        parts += [
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="#4c78a8">'
            f"<title>{day}: {events} events in {gold_rows} rows</title></rect>",
            f'<text x="{cx:.1f}" y="{y - 3:.1f}" text-anchor="middle">{events}/{gold_rows}</text>',
            f'<text x="{cx:.1f}" y="{top + bar_area + 12}" text-anchor="end" '
            f'transform="rotate(-45 {cx:.1f} {top + bar_area + 12})">{day}</text>',
        ]
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def counts_table(rows: list[dict[str, object]]) -> list[str]:
    lines = [
        "| ingest_dt | scenario | bronze | quarantined | silver | gold rows | gold events |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['ingest_dt']} | {r.get('scenario', '')} | {r['bronze']} | {r['quarantined']} | "
            f"{r['silver']} | {r['gold_rows']} | {r['gold_events']} |"
        )
    return lines


def write_report(
    results: list[PhaseResult],
    path: Path,
    counts: list[dict[str, object]] | None = None,
    wall: float | None = None,
    critical: tuple[str, ...] = (),
) -> None:
    lines = [
        "# make verify",
        "",
        f"Run at {time.strftime('%Y-%m-%d %H:%M:%S %Z')}.",
        "",
        "| phase | result | started at (s) | seconds | detail |",
        "|---|---|---|---|---|",
    ]
    for r in results:
        detail = r.detail.replace("\n", " ").replace("|", "\\|")[:300]
        lines.append(
            f"| {r.name} | {'passed' if r.ok else 'FAILED'} | {r.started:.1f} | {r.seconds:.1f} | {detail} |"
        )
    total = sum(r.seconds for r in results)
    wall = total if wall is None else wall
    lines += ["", f"Wall time: {wall:.1f} s (phases add up to {total:.1f} s; overlapping lanes)."]
    if critical:
        lines.append(f"Critical path: {' -> '.join(critical)}.")
    path.parent.mkdir(parents=True, exist_ok=True)
    if counts:
        chart = path.with_name("verify-gold.svg")
        chart.write_text(gold_chart_svg(counts), encoding="utf-8")
        lines += [
            "",
            "## Row counts per layer (integration suite, asserted exactly)",
            "",
            counts_line(counts) + ".",
            "",
            *counts_table(counts),
            "",
            f"![Gold events and rows per ingest day]({chart.name})",
        ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def run_phase(name: str, ctx: Context, began: float) -> PhaseResult:
    _say(f"{name} ...")
    started = time.monotonic()
    try:
        detail, ok = PHASES[name](ctx), True
    except Exception as exc:  # a failed phase is reported, and the next phases still run
        named = str(exc) if isinstance(exc, HarnessError) else f"{type(exc).__name__}: {exc}"
        detail, ok = named, False
    result = PhaseResult(name, ok, time.monotonic() - started, detail, started - began)
    first_line = detail.splitlines()[0][:200] if detail else ""
    _say(f"{name}: {'passed' if ok else 'FAILED'} in {result.seconds:.1f}s — {first_line}")
    return result


def run_lanes(wanted: list[str], ctx: Context) -> tuple[list[PhaseResult], float, tuple[str, ...]]:
    """Each lane's wanted phases in order, the lanes side by side; returns the results in the order
    asked for, the wall time and the lane that took longest (the critical path)."""
    began = time.monotonic()
    lanes = [tuple(p for p in lane if p in wanted) for lane in LANES]
    lanes = [lane for lane in lanes if lane]
    done: dict[str, PhaseResult] = {}
    lane_seconds: dict[tuple[str, ...], float] = {}

    def run_lane(lane: tuple[str, ...]) -> None:
        for name in lane:
            done[name] = run_phase(name, ctx, began)
        lane_seconds[lane] = time.monotonic() - began

    threads = [threading.Thread(target=run_lane, args=(lane,), name="-".join(lane)) for lane in lanes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    critical = max(lane_seconds, key=lambda lane: lane_seconds[lane])
    return [done[name] for name in wanted], time.monotonic() - began, critical


def wanted_phases(full: bool, only: str | None) -> list[str]:
    """--only's phases, else the main job's, else (--full) every phase."""
    default = tuple(PHASES) if full else MAIN_JOB
    return [p.strip() for p in (only or ",".join(default)).split(",") if p.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.commands.verify", description=__doc__)
    parser.add_argument("--full", action="store_true", help="every tier, as make test runs them")
    parser.add_argument("--only", default=None, help=f"comma-separated phases to run, of {','.join(PHASES)}")
    parser.add_argument("--envs", default=",".join(ENVS), help="environments to plan")
    args = parser.parse_args(argv)
    wanted = wanted_phases(args.full, args.only)
    unknown = [p for p in wanted if p not in PHASES]
    if unknown:
        parser.error(f"unknown phase(s) {unknown}; choose from {list(PHASES)}")
    ctx = Context(
        envs=tuple(e.strip() for e in args.envs.split(",") if e.strip()), full=args.full, phases=tuple(wanted)
    )
    return entry_point("verify", lambda: run_phases(wanted, ctx))


def run_phases(wanted: list[str], ctx: Context) -> int:
    """The wanted phases in their lanes (a failed one does not stop the next), then the summary and report."""
    results, wall, critical = run_lanes(wanted, ctx)
    report = work_dir() / "verify-report.md"
    counts = ctx.facts.get("counts")
    counts = counts if isinstance(counts, list) else []
    write_report(results, report, counts, wall=wall, critical=critical)
    print("\nmake verify summary")
    for r in results:
        first = r.detail.splitlines()[0][:90] if r.detail else ""
        print(f"  {'PASS' if r.ok else 'FAIL'}  {r.name:<12} {r.started:6.1f}s +{r.seconds:6.1f}s  {first}")
    if counts:
        print(f"  row counts   {counts_line(counts)}")
    print(f"  wall {wall:.1f}s; critical path: {' -> '.join(critical)}; report: {report}")
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())

"""Policy gates: terraform-compliance's features (features/*.feature) run against the plan JSON of an env.

    python -m harness.gates.compliance --env dev    # fresh plan on the embedded local AWS, then the gates
    python -m harness.gates.compliance --plan .work/plans/dev.json

Prints terraform-compliance's own report, then one line per feature; exits non-zero if any gate fails.

terraform-compliance 1.16 caches the parsed plan between the features of one run but not its data
sources, so a data-source step only sees data in the first feature of a run. Each run therefore holds at
most one feature that uses data sources, and runs it first (see feature_batches).

Each run is terraform-compliance's own entry point in a fresh state: by default a child forked from one
long-lived process that has imported terraform-compliance once (harness/gates/compliance_runner.py), or,
with LAKEHOUSE_COMPLIANCE_RUNNER=process, a new `terraform-compliance` process per run.

The mutants that prove each gate bites live in harness.gates.mutants.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from harness.console import say
from harness.errors import HarnessError, entry_point
from harness.gates import plan_checks
from harness.paths import repo_root, work_dir

if TYPE_CHECKING:
    from harness.iac.workspace import Workspace

ANSI = re.compile(r"\x1b\[[0-9;]*m")
FEATURE_LINE = re.compile(r"^Feature: .*  # (?P<path>\S+\.feature)\s*$")
# A failed step: terraform-compliance's "Failure: <message>" and exceptions a step raised ("TypeError: ...").
FAILURE_LINE = re.compile(
    r"^\s+(?P<kind>Failure|[A-Za-z]+(?:Error|Exception|NotImplemented)):\s*(?P<msg>.*)$"
)
SUMMARY_LINE = re.compile(r"^(?P<n>\d+) features \((?P<detail>[^)]*)\)")


class ComplianceError(HarnessError):
    """terraform-compliance could not run or its report could not be read (not a gate failure)."""

    exit_code = 2


def features_dir() -> Path:
    return repo_root() / "features"


def bootstrap_features_dir() -> Path:
    """Gates on the plan of terraform/bootstrap (the state bucket, its key, the CI roles)."""
    return features_dir() / "bootstrap"


def compliance_bin() -> Path:
    return repo_root() / ".venv-compliance" / "bin" / "terraform-compliance"


# ------------------------------------------------------------------------------------------ results


@dataclass
class FeatureResult:
    name: str  # the feature file's stem, e.g. "s3_encryption"
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


@dataclass
class GateReport:
    plan: str
    features: dict[str, FeatureResult]
    output: str  # terraform-compliance's own report(s), ANSI codes removed

    @property
    def failed(self) -> list[str]:
        return sorted(name for name, result in self.features.items() if not result.ok)

    @property
    def ok(self) -> bool:
        return not self.failed

    def summary(self) -> str:
        lines = [
            f"compliance gates on {self.plan}: {len(self.features) - len(self.failed)}/{len(self.features)}"
        ]
        for name in sorted(self.features):
            result = self.features[name]
            lines.append(f"  {'PASS' if result.ok else 'FAIL'}  {name}")
            lines.extend(f"          {msg}" for msg in result.failures[:5])
        return "\n".join(lines)


def parse_report(text: str) -> dict[str, FeatureResult]:
    """Per-feature results from terraform-compliance's report (gherkin formatter, one or more runs).

    Raises ComplianceError when the report is not one (a fatal error, no summary) or when the failures
    found disagree with the summary's count of failed features.
    """
    results: dict[str, FeatureResult] = {}
    current: FeatureResult | None = None
    failed_in_summaries = 0
    summaries = 0
    for raw in ANSI.sub("", text).splitlines():
        line = raw.rstrip()
        if line.startswith(("FATAL ERROR", "ERROR:")):
            raise ComplianceError(f"terraform-compliance: {line}")
        if m := FEATURE_LINE.match(line):
            current = results.setdefault(Path(m["path"]).stem, FeatureResult(Path(m["path"]).stem))
        elif m := SUMMARY_LINE.match(line):
            summaries += 1
            failed = re.search(r"(\d+) failed", m["detail"])
            failed_in_summaries += int(failed.group(1)) if failed else 0
            current = None
        elif (m := FAILURE_LINE.match(line)) and current is not None:
            msg = m["msg"].strip()
            # radish repeats each failure as an empty "Failure:" under the step: count the step once.
            if msg or not current.failures:
                current.failures.append(f"{m['kind']}: {msg}" if m["kind"] != "Failure" else msg)
    if summaries == 0:
        raise ComplianceError("no terraform-compliance summary in the output:\n" + text[-2000:])
    failed_found = sum(1 for r in results.values() if not r.ok)
    if failed_found != failed_in_summaries:
        raise ComplianceError(
            f"report says {failed_in_summaries} feature(s) failed but {failed_found} were found failing; "
            "the report format may have changed"
        )
    return results


# ------------------------------------------------------------------------------------------ running


DATA_SOURCE_STEP = re.compile(r"\bdata configured\b")
RUNNER_ENV = "LAKEHOUSE_COMPLIANCE_RUNNER"  # "fork" (default) or "process"
# The features after a run's first one sit in this subdirectory of the run's feature directory: radish
# walks the directory top-down, so the one file at the top is the run's first feature.
LATER = "later"


def feature_batches(directory: Path, merged: bool = True) -> list[list[Path]]:
    """Features grouped into terraform-compliance runs, each run's first feature first.

    A data-source step sees data only in the first feature of a run (terraform-compliance 1.16 caches the
    parsed plan, not its data sources, for the features after the first). So each data-source feature
    opens a run of its own, the first of them followed by every feature without data sources; those never
    read data sources and see the same cached plan whichever feature comes first. merged=False: every
    data-source feature alone and the rest in a run of their own (one run more; the equality test and the
    benchmark compare the two)."""
    files = sorted(directory.glob("*.feature"))
    if not files:
        raise ComplianceError(f"no *.feature files in {directory}")
    uses_data = [f for f in files if DATA_SOURCE_STEP.search(f.read_text(encoding="utf-8"))]
    rest = [f for f in files if f not in uses_data]
    if not uses_data or not merged:
        return ([rest] if rest else []) + [[f] for f in uses_data]
    return [[uses_data[0], *rest]] + [[f] for f in uses_data[1:]]


def lay_out_run(batch: list[Path], tmp: Path) -> None:
    """A run's features in a directory (-f takes a directory only): its first feature at the top, the rest
    one level down, so radish (os.walk, top-down) runs the first one first."""
    shutil.copy2(batch[0], tmp / batch[0].name)
    if len(batch) > 1:
        (tmp / LATER).mkdir()
        for f in batch[1:]:
            shutil.copy2(f, tmp / LATER / f.name)


def runner_mode() -> str:
    mode = os.environ.get(RUNNER_ENV, "fork").strip() or "fork"
    if mode not in ("fork", "process"):
        raise ComplianceError(f"{RUNNER_ENV}={mode!r}: choose fork or process")
    return mode


def _compliance_env() -> dict[str, str]:
    return {**os.environ, "COLORFUL_DISABLE": "1"}


class ForkedRunner:
    """The client of one harness/gates/compliance_runner.py process (in .venv-compliance): each job is a
    fresh terraform-compliance run in a child it forks. One per process and binary; thread-safe."""

    def __init__(self, binary: Path, gc_freeze: bool = True) -> None:
        """gc_freeze=False: the runner without compliance_runner.freeze_imports (for the benchmark)."""
        python = binary.parent / "python"
        if not python.exists():
            raise ComplianceError(f"{python} is missing: run `make compliance-venv`")
        self._lock = threading.Lock()
        runner = Path(__file__).with_name("compliance_runner.py")
        self._proc = subprocess.Popen(
            [str(python), str(runner), str(binary), *([] if gc_freeze else ["--no-gc-freeze"])],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=_compliance_env(),
        )
        ready = self._read()
        if not ready.get("ready"):
            raise ComplianceError(f"the terraform-compliance runner did not start: {ready}")

    def _read(self) -> dict[str, object]:
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if not line:
            code = self._proc.wait()
            raise ComplianceError(f"the terraform-compliance runner exited ({code}); see its stderr above")
        return dict(json.loads(line))

    def run(self, argvs: list[list[str]], scratch: Path) -> list[tuple[int, str, str]]:
        """Exit code, stdout and stderr of `terraform-compliance <argv>` for each argv, run side by side."""
        jobs = [
            {"argv": argv, "stdout": str(scratch / f"{i}.out"), "stderr": str(scratch / f"{i}.err")}
            for i, argv in enumerate(argvs)
        ]
        with self._lock:
            assert self._proc.stdin is not None
            try:
                self._proc.stdin.write(json.dumps({"jobs": jobs}) + "\n")
                self._proc.stdin.flush()
            except BrokenPipeError as exc:
                raise ComplianceError("the terraform-compliance runner is gone") from exc
            codes = self._read()["codes"]
        assert isinstance(codes, list)
        return [
            (
                int(code),
                Path(str(job["stdout"])).read_text(encoding="utf-8", errors="replace"),
                Path(str(job["stderr"])).read_text(encoding="utf-8", errors="replace"),
            )
            for code, job in zip(codes, jobs, strict=True)
        ]

    def alive(self) -> bool:
        return self._proc.poll() is None

    def close(self) -> None:
        if self._proc.poll() is None:
            assert self._proc.stdin is not None
            self._proc.stdin.close()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()


_RUNNERS: dict[Path, ForkedRunner] = {}
_RUNNERS_LOCK = threading.Lock()


def forked_runner(binary: Path) -> ForkedRunner:
    """This process's runner for `binary`: started on first use, and again if it has died."""
    with _RUNNERS_LOCK:
        runner = _RUNNERS.get(binary)
        if runner is None or not runner.alive():
            runner = _RUNNERS[binary] = ForkedRunner(binary)
            atexit.register(runner.close)
        return runner


def run_compliance(
    binary: Path, argvs: list[list[str]], mode: str | None = None
) -> list[tuple[int, str, str]]:
    """Exit code, stdout and stderr of `terraform-compliance <argv>` for each argv: forked from the
    long-lived runner, or (mode "process", or no fork on this OS) each in a new process."""
    mode = mode or runner_mode()
    if mode == "fork" and hasattr(os, "fork"):
        with tempfile.TemporaryDirectory(prefix="compliance-out-") as scratch:
            return forked_runner(binary).run(argvs, Path(scratch))
    results = []
    for argv in argvs:
        proc = subprocess.run(
            [str(binary), *argv],
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            env=_compliance_env(),
        )
        results.append((proc.returncode, proc.stdout, proc.stderr))
    return results


def run_gates(
    plan: Path,
    directory: Path | None = None,
    binary: Path | None = None,
    mode: str | None = None,
    merged: bool = True,
) -> GateReport:
    """Run every feature, and every check of harness.gates.plan_checks, against one plan JSON file.

    mode: "fork" or "process" (default: $LAKEHOUSE_COMPLIANCE_RUNNER, else fork); merged: see
    feature_batches."""
    directory = directory or features_dir()
    binary = binary or compliance_bin()
    if not binary.exists():
        raise ComplianceError(f"{binary} is missing: run `make compliance-venv`")
    if not plan.is_file():
        raise ComplianceError(f"plan JSON {plan} does not exist")
    with tempfile.TemporaryDirectory(prefix="features-") as tmp:
        runs = []
        for i, batch in enumerate(feature_batches(directory, merged)):
            run_dir = Path(tmp) / str(i)
            run_dir.mkdir()
            lay_out_run(batch, run_dir)
            runs.append(run_dir)
        results = run_compliance(binary, [["-f", str(d), "-p", str(plan.resolve())] for d in runs], mode)
    outputs = []
    for run_dir, (_, stdout, stderr) in zip(runs, results, strict=True):
        # Feature lines name the temporary copy: point them back at the features directory.
        text = (stdout + stderr).replace(str(run_dir / LATER), str(directory))
        outputs.append(text.replace(str(run_dir), str(directory)))
    output = ANSI.sub("", "\n".join(outputs))
    features = parse_report(output)
    # The checks terraform-compliance cannot express, on the same plan (harness.gates.plan_checks).
    planned = json.loads(plan.read_text(encoding="utf-8"))
    for name, check in plan_checks.CHECKS.items():
        features[name] = FeatureResult(name, check(planned))
    return GateReport(plan=str(plan), features=features, output=output)


# ------------------------------------------------------------------------------------------ plans


def plan_env(
    env: str,
    endpoint: str,
    zips: Path,
    source: Path | None = None,
    name: str | None = None,
    out: Path | None = None,
    reuse_init: bool = False,
) -> Path:
    """Plan the stack (or a mutated copy at `source`) for `env` against a local AWS; return the plan JSON.

    reuse_init: plan a fresh copy in a working copy initialised before (same name), without `init`: the
    mutants edit resources only, so the providers and modules installed once serve them all."""
    from harness.iac.tofu import resolve
    from harness.targets.endpoints import Endpoints
    from harness.targets.target import Target

    ws = Target("local", Endpoints(aws=endpoint)).workspace(
        name or f"compliance-plan-{env}",
        env,
        resolve(),
        var_files=[repo_root() / "terraform" / "envs" / f"{env}.tfvars"],
        variables={"lambda_artifacts_dir": str(zips.resolve())},  # absolute: see provider_server
        source=source,
    )
    if reuse_init and ws.initialised():
        ws.prepare()
    else:
        ws.init()
    out = out or ws.root / "plan.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(plan_and_show(ws)), encoding="utf-8")
    return out


def plan_and_show(ws: Workspace) -> dict[str, object]:
    """`tofu plan` and `tofu show -json` of it in an initialised working copy, both attached to one
    long-lived provider on an emulated target (harness.iac.provider_server), else each starting its own."""
    from harness.iac import provider_server

    with provider_server.attached(ws):
        ws.plan()
        return ws.show_json()


def plan_bootstrap(
    endpoint: str, source: Path | None = None, name: str | None = None, github_repository: str = ""
) -> Path:
    """Plan terraform/bootstrap (or bootstrap/ of a mutated terraform/ copy at `source`); return its JSON."""
    from harness.iac.tofu import resolve
    from harness.iac.workspace import Workspace
    from harness.targets.endpoints import Endpoints

    ws = Workspace(
        name=name or "compliance-plan-bootstrap",
        env="shared",
        tofu=resolve(),
        endpoints=Endpoints(aws=endpoint),
        source=(source or repo_root() / "terraform") / "bootstrap",
        pass_env=False,
        variables={"github_repository": github_repository} if github_repository else {},
    )
    ws.init()
    out = ws.root / "plan.json"
    out.write_text(json.dumps(plan_and_show(ws)), encoding="utf-8")
    return out


# ------------------------------------------------------------------------------------------ CLI


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m harness.gates.compliance",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--env", default="dev", help="environment to plan and gate (default dev)")
    parser.add_argument("--plan", type=Path, help="gate this plan JSON instead of making a fresh plan")
    parser.add_argument("--features", type=Path, default=None, help="features directory (default features/)")
    args = parser.parse_args(argv)
    return entry_point("compliance", lambda: gate(args.env, args.plan, args.features))


def gate(env: str, plan: Path | None, features: Path | None) -> int:
    """Plan `env` on the embedded local AWS (unless a plan JSON is given), then run the gates on it."""
    if plan is None:
        from harness.pipeline import zips as lambda_zip
        from harness.targets.environment import plan_json_path
        from harness.targets.names import check_env_name
        from harness.targets.target import open_target

        check_env_name(env)
        zips = work_dir() / "compliance-zips"
        lambda_zip.build_all(zips)
        say("compliance", f"planning {env} against the embedded local AWS")
        with open_target("local", athena=False) as local:
            assert local.endpoints is not None
            plan = plan_env(env, local.endpoints.aws, zips, out=plan_json_path(env))
    report = run_gates(plan, features)
    print(report.output)
    print(report.summary())
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())

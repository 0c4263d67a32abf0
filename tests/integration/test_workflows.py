"""The GitHub workflows: actionlint finds nothing, and every `make` they run is a real, tested target.

actionlint is the pinned build from tools/actionlint (harness.iac.toolchain). Its optional shellcheck and
pyflakes integrations are switched off so the verdict does not depend on what else a machine has.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from harness.iac import toolchain

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
# Sample values for the expressions a `make` line may use; an unknown one fails the test below.
EXPRESSIONS = {
    "github.event.pull_request.number": "123",
    "matrix.env": "prod",
    "inputs.env": "staging",
}
# What each target must expand to under `make -n`, and the tests that cover that command.
EXPECTED: list[tuple[re.Pattern[str], str, tuple[str, ...]]] = [
    (re.compile(r"^verify$"), "-m harness.commands.verify", ("tests/integration/test_workflows.py",)),
    (re.compile(r"^test$"), "-m pytest", ("tests/unit/test_xdist_groups.py",)),
    (
        re.compile(r"^(plan|apply|destroy)-(?P<env>.+)$"),
        "-m harness.commands.deploy {0} --env {env} --target aws",
        ("tests/unit/commands/test_deploy.py", "tests/integration/test_deploy_local.py"),
    ),
    (
        re.compile(r"^gates-(?P<env>.+)$"),
        "-m harness.gates.compliance --plan .work/plans/{env}.json",
        ("tests/integration/test_compliance.py", "tests/unit/gates/test_compliance_report.py"),
    ),
    (
        re.compile(r"^(smoke|drift)$"),
        "-m harness.commands.deploy {0} --env {ENV} --target aws",
        ("tests/unit/commands/test_deploy.py",),
    ),
]


def _actionlint_cmd(*args: str) -> list[str]:
    binary = toolchain.ensure((toolchain.ACTIONLINT,))["actionlint"]
    return [str(binary), "-no-color", "-shellcheck=", "-pyflakes=", "-format", "{{json .}}", *args]


def _lint(cwd: Path, *files: Path) -> list[dict[str, Any]]:
    proc = subprocess.run(
        _actionlint_cmd(*map(str, files)), cwd=cwd, capture_output=True, text=True, check=False
    )
    # 0: clean, 1: findings; anything else is actionlint itself failing.
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout or "[]")


@pytest.mark.toolchain
def test_actionlint_finds_nothing_in_the_workflows() -> None:
    assert WORKFLOWS, "no workflows under .github/workflows"
    findings = _lint(ROOT, *WORKFLOWS)
    assert findings == [], "\n".join(f"{f['filepath']}:{f['line']}: {f['message']}" for f in findings)


BROKEN = """\
name: broken
on: pull_request
jobs:
  test:
    runs-on: ${{ matrix.os }}
    steps:
      - run: echo "${{ github.evnt.number }}"
"""


@pytest.mark.toolchain
def test_actionlint_reports_a_broken_workflow(tmp_path: Path) -> None:
    wf = tmp_path / ".github" / "workflows" / "broken.yml"
    wf.parent.mkdir(parents=True)
    wf.write_text(BROKEN, encoding="utf-8")
    findings = _lint(tmp_path, wf)
    messages = " | ".join(f["message"] for f in findings)
    assert any("evnt" in f["message"] for f in findings), messages
    assert any('"os" is not defined' in f["message"] for f in findings), messages


# --- the make targets the workflows call ------------------------------------------------------------


def _substitute(text: str) -> str:
    def one(m: re.Match[str]) -> str:
        expr = m.group(1).strip()
        if expr not in EXPRESSIONS:
            raise AssertionError(f"no sample value for ${{{{ {expr} }}}}: add it to EXPRESSIONS")
        return EXPRESSIONS[expr]

    return re.sub(r"\$\{\{(.*?)\}\}", one, text)


def _expand(word: str, env: dict[str, str]) -> str:
    """Shell-style $VAR / ${VAR} from the step's environment (only the variables the word uses)."""
    return re.sub(r"\$\{?(\w+)\}?", lambda m: _substitute(env[m.group(1)]), word)


def make_calls() -> list[tuple[str, list[str]]]:
    """(workflow:job, make arguments) for every `make` in a run step, expressions and env vars filled in."""
    calls = []
    for wf in WORKFLOWS:
        doc = yaml.safe_load(wf.read_text(encoding="utf-8"))
        for job_id, job in doc.get("jobs", {}).items():
            for step in job.get("steps", []):
                if "run" not in step:
                    continue
                env = {
                    k: str(v)
                    for scope in (doc.get("env", {}), job.get("env", {}), step.get("env", {}))
                    for k, v in scope.items()
                }
                for line in _substitute(step["run"]).splitlines():
                    words = shlex.split(line, comments=True)
                    if words[:1] == ["make"]:
                        calls.append((f"{wf.name}:{job_id}", [_expand(w, env) for w in words[1:]]))
    return calls


CALLS = make_calls()


def test_the_workflows_run_make() -> None:
    called = {a for _, args in CALLS for a in args if "=" not in a}
    assert {"verify", "test", "plan-pr-123", "apply-pr-123", "destroy-pr-123", "smoke", "drift"} <= called
    assert {"gates-pr-123", "plan-staging", "apply-staging"} <= called


@pytest.mark.parametrize(("where", "args"), CALLS, ids=[f"{w}:{' '.join(a)}" for w, a in CALLS])
def test_each_make_call_is_a_tested_target(where: str, args: list[str]) -> None:
    targets = [a for a in args if "=" not in a and not a.startswith("-")]
    assignments = dict(a.split("=", 1) for a in args if "=" in a)
    assert len(targets) == 1, f"{where}: expected one target in `make {' '.join(args)}`"
    target = targets[0]
    env = {k: v for k, v in os.environ.items() if k not in ("ENV", "TARGET", "MAKEFLAGS")}
    proc = subprocess.run(["make", "-n", *args], cwd=ROOT, capture_output=True, text=True, env=env)
    assert proc.returncode == 0, f"{where}: make -n {' '.join(args)} failed:\n{proc.stderr}"
    for pattern, command, tests in EXPECTED:
        m = pattern.match(target)
        if m is None:
            continue
        first = m.group(1) if m.re.groups else target
        expected = command.format(first, **{**m.groupdict(), **assignments})
        assert expected in proc.stdout, f"{where}: `make {target}` does not run `{expected}`:\n{proc.stdout}"
        missing = [t for t in tests if not (ROOT / t).is_file()]
        assert not missing, f"{where}: the tests behind `make {target}` are missing: {missing}"
        return
    pytest.fail(f"{where}: `make {target}` is not a target the suite knows how to check (EXPECTED)")


@pytest.mark.toolchain
def test_make_refuses_aws_smoke_and_drift_without_an_explicit_env() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("ENV", "TARGET", "MAKEFLAGS", "STATE_BUCKET")}
    for target in ("smoke", "drift"):
        proc = subprocess.run(
            ["make", target, "TARGET=aws"], cwd=ROOT, capture_output=True, text=True, env=env
        )
        assert proc.returncode != 0
        assert "needs an explicit environment" in proc.stderr


@pytest.mark.toolchain
def test_make_refuses_to_destroy_prod_without_confirm() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("CONFIRM", "MAKEFLAGS")}
    proc = subprocess.run(
        ["make", "destroy-prod", "TARGET=aws"], cwd=ROOT, capture_output=True, text=True, env=env
    )
    assert proc.returncode != 0 and "CONFIRM=prod" in proc.stderr


# --- harness.commands.verify, what `make verify` runs -------------------------------------------------


def test_verify_rejects_unknown_phases() -> None:
    from harness.commands import verify

    with pytest.raises(SystemExit) as exc:
        verify.main(["--only", "lint,bogus"])
    assert exc.value.code == 2


def test_verify_report_lists_each_phase(tmp_path: Path) -> None:
    from harness.commands import verify

    report = tmp_path / "report.md"
    verify.write_report(
        [
            verify.PhaseResult("lint", True, 1.0, "clean"),
            verify.PhaseResult("unit", False, 2.5, "1 | failed", started=1.0),
        ],
        report,
        wall=3.0,
        critical=("lint", "unit"),
    )
    text = report.read_text(encoding="utf-8")
    assert "| lint | passed | 0.0 | 1.0 | clean |" in text
    assert "| unit | FAILED | 1.0 | 2.5 | 1 \\| failed |" in text
    assert "Wall time: 3.0 s (phases add up to 3.5 s; overlapping lanes)." in text
    assert "Critical path: lint -> unit." in text


# --- CI policy: OIDC only, least permissions, SHA-pinned actions (harness.gates.workflow_policy) ----------


def test_workflows_reach_aws_by_oidc_only_with_least_permissions_and_pinned_actions() -> None:
    from harness.gates import workflow_policy

    assert len(workflow_policy.policy_files()) == len(WORKFLOWS) + 1  # + the setup composite action
    assert workflow_policy.check() == []


VIOLATING = """\
name: violating
on: push
permissions: write-all
jobs:
  deploy:
    runs-on: ubuntu-latest
    env:
      AWS_ACCESS_KEY_ID: ${{ secrets.AWS_ACCESS_KEY_ID }}
    steps:
      - uses: actions/checkout@v4
      - uses: aws-actions/configure-aws-credentials@7474bc4690e29a8392af63c5b98e7449536d5c3a
        with:
          aws-secret-access-key: ${{ secrets.KEY }}
          aws-region: us-east-1
  lint:
    runs-on: ubuntu-latest
    permissions:
      id-token: write
    steps:
      - uses: actions/setup-python@a26af69
"""


def test_the_workflow_policy_catches_each_violation(tmp_path: Path) -> None:
    from harness.gates import workflow_policy

    wf = tmp_path / ".github" / "workflows" / "violating.yml"
    wf.parent.mkdir(parents=True)
    wf.write_text(VIOLATING, encoding="utf-8")
    found = "\n".join(workflow_policy.check(tmp_path))
    assert "(AWS_ACCESS_KEY_ID)" in found and "(aws-secret-access-key)" in found
    assert "`actions/checkout@v4` is not pinned" in found
    assert "`actions/setup-python@a26af69` is not pinned" in found  # a short SHA is no pin
    assert "configure-aws-credentials without role-to-assume" in found
    assert "workflow-level permissions must be {}" in found
    assert "job deploy declares no permissions" in found
    assert "job lint asks for id-token: write but assumes no AWS role" in found
    assert len(found.splitlines()) == 8, found


def test_a_composite_action_with_a_tag_pinned_action_is_caught(tmp_path: Path) -> None:
    from harness.gates import workflow_policy

    action = tmp_path / ".github" / "actions" / "setup" / "action.yml"
    action.parent.mkdir(parents=True)
    action.write_text(
        "name: setup\nruns:\n  using: composite\n  steps:\n    - uses: actions/cache@v4\n", encoding="utf-8"
    )
    assert workflow_policy.check(tmp_path) == [
        f"{action}: step 1: `actions/cache@v4` is not pinned to a full commit SHA"
    ]

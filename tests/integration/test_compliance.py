"""The policy gates on the real plans, and the mutants that prove each gate bites.

Every mutant is a small readable edit of a copy of terraform/ (harness.gates.mutants.MUTANTS); its plan
(of env dev, or the env the mutant names) must fail exactly the feature it targets and leave every other
feature passing.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.gates import compliance, mutants, plan_checks
from harness.iac import provider_server
from harness.iac.tofu import Tofu
from harness.processes import cpu_seconds
from harness.targets.endpoints import Endpoints

pytestmark = pytest.mark.toolchain

ENVS = ("dev", "staging", "prod")


@pytest.fixture(scope="module")
def local_aws_plans_only(endpoints: Endpoints) -> Iterator[str]:
    # Plans need the AWS APIs only: the worker's local AWS without a local Athena. A plan starts from an
    # empty state and its data sources read nothing other tests create, so sharing it changes no plan.
    yield endpoints.aws
    provider_server.close_idle()  # idle until the next module that plans: ~200 MB each


@pytest.fixture(scope="module")
def gates_ready(tofu: Tofu) -> None:
    if not compliance.compliance_bin().exists():
        pytest.fail("terraform-compliance is missing: run `make compliance-venv`")


@pytest.mark.parametrize("env", ENVS)
def test_gates_pass_on_the_real_plan(
    env: str, gates_ready: None, local_aws_plans_only: str, lambda_artifacts: Path, worker_id_suffix: str
) -> None:
    plan = compliance.plan_env(
        env, local_aws_plans_only, lambda_artifacts, name=f"compliance-{env}-{worker_id_suffix}"
    )
    report = compliance.run_gates(plan)
    print(report.summary())
    assert report.ok, report.output[-4000:]
    assert len(report.features) == len(list(compliance.features_dir().glob("*.feature"))) + len(
        plan_checks.CHECKS
    )


def _violating_copy(plan: Path, out: Path) -> Path:
    """The plan with two violations: a wildcard action in an identity policy document (a data source, gated
    by iam_least_privilege) and a key that does not rotate (a resource, gated by kms_rotation)."""
    planned = json.loads(plan.read_text(encoding="utf-8"))
    pipeline = planned["configuration"]["root_module"]["module_calls"]["pipeline"]["module"]
    ingest = next(r for r in pipeline["resources"] if r["address"] == "data.aws_iam_policy_document.ingest")
    ingest["expressions"]["statement"][0]["actions"]["constant_value"] = ["s3:*"]
    for change in planned["resource_changes"]:
        if change["type"] == "aws_kms_key":
            change["change"]["after"]["enable_key_rotation"] = False
    out.write_text(json.dumps(planned), encoding="utf-8")
    return out


def _without_run_ids(output: str) -> str:
    return re.sub(r"Run [0-9a-f-]+ finished within .*", "Run <id> finished", output)


def test_forked_merged_runs_report_what_fresh_separate_runs_report(
    gates_ready: None,
    local_aws_plans_only: str,
    lambda_artifacts: Path,
    worker_id_suffix: str,
    tmp_path: Path,
) -> None:
    """The runs every gate goes through (a child forked from the long-lived runner; the data-source feature
    first in the one run) report exactly what fresh terraform-compliance processes reported before (the
    data-source feature in a run of its own): on a passing plan and on a violating one. On the violating
    one, a forked run's whole output is a fresh process's too (the run ids aside)."""
    plan = compliance.plan_env(
        "dev", local_aws_plans_only, lambda_artifacts, name=f"compliance-equal-{worker_id_suffix}"
    )
    violating = _violating_copy(plan, tmp_path / "violating.json")
    for path, failing in ((plan, []), (violating, ["iam_least_privilege", "kms_rotation"])):
        before = compliance.run_gates(path, mode="process", merged=False)
        now = compliance.run_gates(path, mode="fork", merged=True)
        assert before.failed == failing, before.summary()
        assert {n: r.failures for n, r in now.features.items()} == {
            n: r.failures for n, r in before.features.items()
        }
    fresh_merged = compliance.run_gates(violating, mode="process", merged=True)
    assert _without_run_ids(now.output) == _without_run_ids(fresh_merged.output)


def test_forked_and_fresh_runs_fail_alike_on_bad_input(gates_ready: None, tmp_path: Path) -> None:
    """What terraform-compliance refuses (a JSON that is no plan, a missing features directory) comes back
    from a forked run with the exit code and output of a fresh process."""
    not_a_plan = tmp_path / "not-a-plan.json"
    not_a_plan.write_text('{"format_version": "9.9"}', encoding="utf-8")
    argvs = [
        ["-f", str(compliance.features_dir()), "-p", str(not_a_plan)],
        ["-f", str(tmp_path / "missing"), "-p", str(not_a_plan)],
    ]
    fresh = compliance.run_compliance(compliance.compliance_bin(), argvs, mode="process")
    forked = compliance.run_compliance(compliance.compliance_bin(), argvs, mode="fork")
    assert forked == fresh
    assert [code for code, _, _ in fresh] == [1, 1]
    assert "is not a valid terraform plan" in fresh[0][1] and "is not a directory" in fresh[1][1]


def test_a_runner_that_ended_is_started_again(gates_ready: None, tmp_path: Path) -> None:
    binary = compliance.compliance_bin()
    argvs = [["-f", str(tmp_path / "missing"), "-p", str(tmp_path / "plan.json")]]
    first = compliance.run_compliance(binary, argvs, mode="fork")
    runner = compliance.forked_runner(binary)
    runner.close()
    assert not runner.alive()
    assert compliance.run_compliance(binary, argvs, mode="fork") == first
    assert compliance.forked_runner(binary) is not runner


def _assert_caught_by_its_feature_only(mutant: mutants.Mutant, report: compliance.GateReport) -> None:
    first = next((report.features[f].failures[0] for f in report.failed if report.features[f].failures), "")
    assert report.failed == [mutant.feature], (
        f"{mutant.id} ({mutant.description}): expected only {mutant.feature} to fail, "
        f"failed: {report.failed or 'none'} {first}"
    )


@pytest.mark.parametrize("mutant", mutants.MUTANTS, ids=lambda m: m.id)
def test_mutant_is_caught_by_its_feature_only(
    mutant: mutants.Mutant,
    gates_ready: None,
    local_aws_plans_only: str,
    lambda_artifacts: Path,
    worker_id_suffix: str,
    tmp_path: Path,
) -> None:
    """One fresh plan of the mutated stack per mutant (xdist spreads them over the workers); the working
    copy is initialised once per worker and reused, since mutants edit resources only."""
    stack = mutants.mutated_copy(mutant, tmp_path / mutant.id)
    plan = compliance.plan_env(
        mutant.env,
        local_aws_plans_only,
        lambda_artifacts,
        source=stack,
        name=f"compliance-mutants-{worker_id_suffix}",
        reuse_init=True,
    )
    _assert_caught_by_its_feature_only(mutant, compliance.run_gates(plan))


BOOTSTRAP_REPOSITORY = "example-org/github-lakehouse"  # plans the CI roles too


def test_bootstrap_gates_pass_on_the_real_plan(
    gates_ready: None, local_aws_plans_only: str, worker_id_suffix: str
) -> None:
    directory = compliance.bootstrap_features_dir()
    plan = compliance.plan_bootstrap(
        local_aws_plans_only,
        name=f"compliance-bootstrap-{worker_id_suffix}",
        github_repository=BOOTSTRAP_REPOSITORY,
    )
    report = compliance.run_gates(plan, directory)
    print(report.summary())
    assert report.ok, report.output[-4000:]
    assert len(report.features) == len(list(directory.glob("*.feature"))) + len(plan_checks.CHECKS)


@pytest.mark.parametrize("mutant", mutants.BOOTSTRAP_MUTANTS, ids=lambda m: m.id)
def test_bootstrap_mutant_is_caught_by_its_feature_only(
    mutant: mutants.Mutant,
    gates_ready: None,
    local_aws_plans_only: str,
    worker_id_suffix: str,
    tmp_path: Path,
) -> None:
    """One fresh plan of bootstrap/ of the mutated copy per mutant, gated by features/bootstrap/ and the
    plan checks (xdist spreads them over the workers)."""
    source = mutants.mutated_copy(mutant, tmp_path / mutant.id)
    plan = compliance.plan_bootstrap(
        local_aws_plans_only,
        source=source,
        name=f"compliance-mutant-{mutant.id}-{worker_id_suffix}",
        github_repository=BOOTSTRAP_REPOSITORY,
    )
    _assert_caught_by_its_feature_only(
        mutant, compliance.run_gates(plan, compliance.bootstrap_features_dir())
    )


def _comparable(plan: Path) -> dict[str, object]:
    planned = dict(json.loads(plan.read_text(encoding="utf-8")))
    planned.pop("timestamp")
    # tofu lists relevant_attributes in Go map order: two plans of one stack by the same tofu differ there.
    planned["relevant_attributes"].sort(key=lambda a: json.dumps(a, sort_keys=True))
    return planned


def _served_cpu() -> float:
    """CPU seconds the provider servers of this process have used so far (Linux /proc)."""
    total = 0.0
    for server in provider_server._ALL:
        with contextlib.suppress(FileNotFoundError):
            total += cpu_seconds(server.pid)
    return total


def test_a_plan_attached_to_the_long_lived_provider_is_the_plan_of_per_command_providers(
    gates_ready: None,
    local_aws_plans_only: str,
    lambda_artifacts: Path,
    worker_id_suffix: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The gates' plans attach to one long-lived provider (harness.iac.provider_server): the plan JSON of a
    mutated stack made so, on a fresh server and on one that has served before, is the one tofu makes
    starting its own providers. The mutant edits a data source, whose values the provider computes."""
    mutant = next(m for m in mutants.MUTANTS if m.id == "iam-wildcard-action")
    stack = mutants.mutated_copy(mutant, tmp_path / mutant.id)

    def plan() -> Path:
        return compliance.plan_env(
            mutant.env,
            local_aws_plans_only,
            lambda_artifacts,
            source=stack,
            name=f"compliance-attach-{worker_id_suffix}",
            reuse_init=True,
        )

    provider_server.close_idle()  # the first arm starts a server of its own
    plans, served = {}, {}
    for arm in ("attached", "per-command", "attached again"):
        with monkeypatch.context() as env:
            if arm == "per-command":
                env.setenv(provider_server.OPT_OUT_VAR, provider_server.OPT_OUT_VALUE)
            servers, cpu = len(provider_server._ALL), _served_cpu()
            plans[arm] = _comparable(plan())
            served[arm] = _served_cpu() - cpu
            if arm == "per-command":
                assert len(provider_server._ALL) == servers, "a server was started with the switch off"
    assert served["attached"] > 0 and served["attached again"] > 0, "no provider server served the plan"
    assert plans["attached"] == plans["per-command"] == plans["attached again"]

"""The policy gates on the real plans, and the mutants that prove each gate bites.

Every mutant is a small readable edit of a copy of terraform/ (harness.gates.mutants.MUTANTS); its plan
(of env dev, or the env the mutant names) must fail exactly the feature it targets and leave every other
feature passing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.gates import compliance, mutants, plan_checks
from harness.iac.tofu import Tofu
from harness.local.aws import LocalAws

pytestmark = pytest.mark.toolchain

ENVS = ("dev", "staging", "prod")


@pytest.fixture(scope="module")
def local_aws_plans_only() -> Iterator[str]:
    # Plans need the AWS APIs only: no local Athena.
    with LocalAws(with_athena=False) as endpoints:
        yield endpoints.aws


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
    report = compliance.run_gates(plan)
    first = next((report.features[f].failures[0] for f in report.failed if report.features[f].failures), "")
    assert report.failed == [mutant.feature], (
        f"{mutant.id} ({mutant.description}): expected only {mutant.feature} to fail, "
        f"failed: {report.failed or 'none'} {first}"
    )


BOOTSTRAP_REPOSITORY = "example-org/github-lakehouse"  # plans the CI roles too


def test_bootstrap_gates_pass_and_each_bootstrap_mutant_is_caught_by_its_feature_only(
    gates_ready: None, local_aws_plans_only: str, worker_id_suffix: str, tmp_path: Path
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

    missed = []
    for mutant in mutants.BOOTSTRAP_MUTANTS:
        source = mutants.mutated_copy(mutant, tmp_path / mutant.id)
        plan = compliance.plan_bootstrap(
            local_aws_plans_only,
            source=source,
            name=f"compliance-mutant-{mutant.id}-{worker_id_suffix}",
            github_repository=BOOTSTRAP_REPOSITORY,
        )
        failed = compliance.run_gates(plan, directory).failed
        verdict = "caught" if failed == [mutant.feature] else "MISSED"
        print(f"  {verdict:<7} {mutant.id:<30} {mutant.description}")
        if failed != [mutant.feature]:
            missed.append(f"{mutant.id}: expected only {mutant.feature} to fail, failed: {failed or 'none'}")
    assert not missed, "\n".join(missed)

"""The pure parts of harness.gates.compliance: reading terraform-compliance's report, batching, mutants."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from harness.gates import compliance, mutants, plan_checks
from harness.gates.compliance import ComplianceError
from harness.gates.mutants import Edit, Mutant, MutationError

PASSING = """\
terraform_compliance v1.16.0 initiated
\x1b[1m\x1b[37mFeature\x1b[22m: Customer-managed KMS keys rotate  # /tmp/features-x/kms_rotation.feature

    @noskip
    Scenario: every KMS key has automatic rotation on
        Given I have aws_kms_key defined

Feature: No Glue crawlers  # /tmp/features-x/glue_no_crawlers.feature

    Scenario: the stack declares no Glue crawler
        Given I have aws_glue_crawler defined
\t* SKIPPING: Can not find aws_glue_crawler defined in target terraform plan.

2 features (1 passed, 1 skipped)
2 scenarios (1 passed, 1 skipped)
"""

FAILING = """\
Feature: Customer-managed KMS keys rotate  # /tmp/features-x/kms_rotation.feature

    Scenario: every KMS key has automatic rotation on
        Given I have aws_kms_key defined
        Then it must contain enable_key_rotation
        And its value must be true
\t\tFailure: enable_key_rotation property in module.storage.aws_kms_key.lake does not match ^true$.
          Failure:

Feature: Alarms watch ingest errors and transform failures  # /tmp/features-x/alarms.feature

    Scenario: an alarm fires on errors of the ingest Lambda
        When its metric_name is Errors
          TypeError: wrapper() got an unexpected keyword argument 'value'

Feature: Lake buckets keep object versions  # /tmp/features-x/s3_versioning.feature

    Scenario Outline: versioning is enabled on the <role> bucket
        When its index metadata is <role>

3 features (1 passed, 2 failed)
"""


def test_passing_report_has_every_feature_ok() -> None:
    results = compliance.parse_report(PASSING)
    assert set(results) == {"kms_rotation", "glue_no_crawlers"}
    assert all(r.ok for r in results.values())


def test_failures_are_attributed_to_their_feature_once_per_step() -> None:
    results = compliance.parse_report(FAILING)
    assert results["kms_rotation"].failures == [
        "enable_key_rotation property in module.storage.aws_kms_key.lake does not match ^true$."
    ]
    assert results["alarms"].failures == ["TypeError: wrapper() got an unexpected keyword argument 'value'"]
    # A step text that merely contains "Errors" is not a failure.
    assert results["s3_versioning"].ok


def test_a_report_that_disagrees_with_its_summary_is_an_error() -> None:
    unreadable = FAILING.replace("TypeError: wrapper() got an unexpected keyword argument 'value'", "")
    with pytest.raises(ComplianceError, match="2 feature"):
        compliance.parse_report(unreadable)


@pytest.mark.parametrize(
    "text",
    ["", "FATAL ERROR: Unsupported terraform version (2.0.0).\n", "ERROR: plan.json is not a directory.\n"],
)
def test_no_report_is_an_error_not_a_pass(text: str) -> None:
    with pytest.raises(ComplianceError):
        compliance.parse_report(text)


def test_gate_report_lists_failed_features() -> None:
    report = compliance.GateReport("p.json", compliance.parse_report(FAILING), FAILING)
    assert not report.ok
    assert report.failed == ["alarms", "kms_rotation"]
    assert "FAIL  kms_rotation" in report.summary()


def _features(directory: Path, data_features: tuple[str, ...] = ("b", "d")) -> Path:
    for name in ("a", "b", "c", "d"):
        step = "aws_iam_policy_document data configured" if name in data_features else "aws_kms_key defined"
        (directory / f"{name}.feature").write_text(f"Given I have {step}\n")
    return directory


def test_each_data_source_feature_opens_a_run_and_the_first_takes_the_rest(tmp_path: Path) -> None:
    batches = compliance.feature_batches(_features(tmp_path))
    assert [[p.name for p in b] for b in batches] == [["b.feature", "a.feature", "c.feature"], ["d.feature"]]


def test_without_data_source_features_one_run_holds_all(tmp_path: Path) -> None:
    batches = compliance.feature_batches(_features(tmp_path, data_features=()))
    assert [[p.name for p in b] for b in batches] == [["a.feature", "b.feature", "c.feature", "d.feature"]]


def test_separate_batches_run_each_data_source_feature_alone(tmp_path: Path) -> None:
    batches = compliance.feature_batches(_features(tmp_path), merged=False)
    assert [[p.name for p in b] for b in batches] == [
        ["a.feature", "c.feature"],
        ["b.feature"],
        ["d.feature"],
    ]


def test_a_runs_first_feature_is_the_first_radish_walks_to(tmp_path: Path) -> None:
    """radish collects features with os.walk, top-down: the run's first feature is alone at the top."""
    (tmp_path / "src").mkdir()
    batch = compliance.feature_batches(_features(tmp_path / "src"))[0]
    run = tmp_path / "run"
    run.mkdir()
    compliance.lay_out_run(batch, run)
    walked = [Path(root, f).name for root, _, files in os.walk(run) for f in sorted(files)]
    assert walked[0] == "b.feature"
    assert sorted(walked[1:]) == ["a.feature", "c.feature"]


def test_an_unknown_runner_mode_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(compliance.RUNNER_ENV, "threads")
    with pytest.raises(ComplianceError, match="choose fork or process"):
        compliance.runner_mode()
    monkeypatch.setenv(compliance.RUNNER_ENV, "process")
    assert compliance.runner_mode() == "process"
    monkeypatch.delenv(compliance.RUNNER_ENV)
    assert compliance.runner_mode() == "fork"


def test_no_features_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ComplianceError, match=r"no \*\.feature"):
        compliance.feature_batches(tmp_path)


def test_every_mutant_applies_exactly_once_to_the_real_stack(tmp_path: Path) -> None:
    features = {p.stem for p in compliance.features_dir().glob("*.feature")} | set(plan_checks.CHECKS)
    real = mutants.repo_root() / "terraform"
    for mutant in mutants.MUTANTS:
        # The files the mutant edits, as the stack has them (a whole copy per mutant is ~50 files each).
        stack = tmp_path / mutant.id
        for edit in mutant.edits:
            assert not mutants.left_out_of_copy(mutant, edit.file), f"{mutant.id}: no {edit.file} in its copy"
            if not (stack / edit.file).exists():
                (stack / edit.file).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(real / edit.file, stack / edit.file)
        mutants.apply_mutant(stack, mutant)
        assert mutant.feature in features, f"{mutant.id} names no feature file"
        for edit in mutant.edits:
            assert edit.new in (stack / edit.file).read_text(encoding="utf-8") or edit.new == ""
    # The copy a stack mutant's plan is made from: the whole stack but bootstrap/, with the mutant applied.
    mutant = mutants.MUTANTS[0]
    copy = mutants.mutated_copy(mutant, tmp_path / "whole")
    assert (copy / "main.tf").is_file() and (copy / "modules").is_dir() and not (copy / "bootstrap").exists()
    assert (copy / mutant.edits[0].file).read_text(encoding="utf-8") == (
        tmp_path / mutant.id / mutant.edits[0].file
    ).read_text(encoding="utf-8")
    # Every feature has at least one mutant proving it bites.
    assert {m.feature for m in mutants.MUTANTS} == features
    assert len({m.id for m in mutants.MUTANTS}) == len(mutants.MUTANTS)


@pytest.mark.parametrize("content", ["nothing to see\n", "x = 1\nx = 1\n"])
def test_a_mutant_whose_text_is_missing_or_ambiguous_fails_loudly(tmp_path: Path, content: str) -> None:
    (tmp_path / "main.tf").write_text(content)
    mutant = Mutant("m", "f", "d", (Edit("main.tf", "x = 1", "x = 2"),))
    with pytest.raises(MutationError, match="expected the text once"):
        mutants.apply_mutant(tmp_path, mutant)
    assert (tmp_path / "main.tf").read_text() == content


def test_every_bootstrap_mutant_applies_exactly_once_to_the_real_bootstrap(tmp_path: Path) -> None:
    features = {p.stem for p in compliance.bootstrap_features_dir().glob("*.feature")}
    features |= set(plan_checks.CHECKS)
    for mutant in mutants.BOOTSTRAP_MUTANTS:
        assert mutant.stack == "bootstrap"
        stack = mutants.mutated_copy(mutant, tmp_path / mutant.id)
        assert (stack / "bootstrap").is_dir() and (stack / "modules").is_dir()
        assert mutant.feature in features, f"{mutant.id} names no bootstrap feature file"
    assert {m.feature for m in mutants.BOOTSTRAP_MUTANTS} == features
    ids = [m.id for m in (*mutants.MUTANTS, *mutants.BOOTSTRAP_MUTANTS)]
    assert len(set(ids)) == len(ids)

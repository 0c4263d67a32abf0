"""harness.commands.deploy without a toolchain: env parsing, guard rails, backends, plan summaries."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from harness.commands import deploy
from harness.commands.deploy import DeployError, EnvSpec
from harness.targets.environment import Deployment
from harness.targets.target import Target


def _rc(address: str, *actions: str, mode: str = "managed") -> dict[str, Any]:
    return {"address": address, "mode": mode, "change": {"actions": list(actions)}}


DRIFTED_PLAN: dict[str, Any] = {
    "resource_drift": [
        _rc('module.storage.aws_s3_bucket_versioning.lake["raw"]', "update"),
        _rc('module.pipeline.aws_lambda_function.this["ingest"]', "delete"),
    ],
    "resource_changes": [
        _rc('module.storage.aws_s3_bucket_versioning.lake["raw"]', "update"),
        _rc('module.pipeline.aws_lambda_function.this["ingest"]', "create"),
        _rc("module.query.aws_athena_workgroup.this", "delete", "create"),
        _rc("module.catalog.aws_glue_catalog_table.bronze", "no-op"),
        _rc("data.aws_caller_identity.current", "read", mode="data"),
    ],
}


# --- environments and guard rails -------------------------------------------------------------------


@pytest.mark.parametrize("name", ["dev", "staging", "prod"])
def test_named_envs_use_their_var_file(name: str, repo_root: Path) -> None:
    env = EnvSpec.parse(name, repo_root)
    assert not env.ephemeral
    assert env.var_file == repo_root / "terraform" / "envs" / f"{name}.tfvars"


def test_pr_envs_are_ephemeral_without_var_file(repo_root: Path) -> None:
    env = EnvSpec.parse("pr-123", repo_root)
    assert env.ephemeral and env.var_file is None
    variables = deploy.stack_variables(env, Path("/zips"))
    assert variables == {"lambda_artifacts_dir": "/zips", "force_destroy": True}


def test_named_envs_keep_force_destroy_off(repo_root: Path) -> None:
    assert "force_destroy" not in deploy.stack_variables(EnvSpec.parse("prod", repo_root), Path("/z"))


@pytest.mark.parametrize("name", ["Dev", "pr_1", "a", "pr--1", "x" * 40, "-dev"])
def test_invalid_env_names_fail_before_init(name: str) -> None:
    with pytest.raises(DeployError, match="not a valid name"):
        EnvSpec.parse(name)


def test_unknown_named_env_says_which_file_is_missing() -> None:
    with pytest.raises(DeployError, match=r"no terraform/envs/qa1\.tfvars"):
        EnvSpec.parse("qa1")


def test_backend_for_named_env_uses_its_file_plus_bucket(repo_root: Path) -> None:
    config = deploy.backend_config(EnvSpec.parse("staging", repo_root), " tf-state ", repo_root)
    assert config == [str(repo_root / "terraform" / "envs" / "staging.s3.tfbackend"), "bucket=tf-state"]


def test_backend_for_pr_env_gets_its_own_key(repo_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    config = deploy.backend_config(EnvSpec.parse("pr-9", repo_root), "tf-state", repo_root)
    assert "key=lakehouse/pr-9/terraform.tfstate" in config
    assert "region=eu-west-1" in config and "use_lockfile=true" in config
    assert config[-1] == "bucket=tf-state"


def test_backend_without_state_bucket_says_what_to_set(repo_root: Path) -> None:
    with pytest.raises(DeployError, match="STATE_BUCKET is not set"):
        deploy.backend_config(EnvSpec.parse("dev", repo_root), "", repo_root)


def test_destroy_prod_needs_confirmation(repo_root: Path) -> None:
    prod = EnvSpec.parse("prod", repo_root)
    with pytest.raises(DeployError, match="CONFIRM=prod"):
        deploy.check_destroy_allowed(prod, "")
    with pytest.raises(DeployError):
        deploy.check_destroy_allowed(prod, "dev")
    deploy.check_destroy_allowed(prod, "prod")
    deploy.check_destroy_allowed(EnvSpec.parse("pr-5", repo_root), "")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["plan", "--target", "aws"], "needs an explicit environment"),
        (["drift", "--target", "aws"], "needs an explicit environment"),
        (["smoke", "--target", "aws"], "needs an explicit environment"),
        (["plan", "--env", "dev", "--target", "aws"], "STATE_BUCKET is not set"),
        (["destroy", "--env", "prod", "--target", "aws"], "refusing to destroy prod"),
        (["destroy", "--env", "dev", "--target", "local"], "keeps no environment"),
        (["plan", "--env", "dev", "--env", "prod"], "takes one environment"),
    ],
)
def test_cli_refuses_with_a_clear_error(
    argv: list[str], message: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("STATE_BUCKET", raising=False)
    # Guard rails act before any zip, toolchain or tofu work: none of it may run.
    monkeypatch.setattr(deploy, "_artifacts", lambda: pytest.fail("built zips before the guard rail"))
    assert deploy.main(argv) == 1
    assert message in capsys.readouterr().err


def test_unknown_target_is_an_argparse_error() -> None:
    with pytest.raises(SystemExit) as exc:
        deploy.main(["plan", "--env", "dev", "--target", "gcp"])
    assert exc.value.code == 2


def test_drift_on_local_defaults_to_every_named_env(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[list[str]] = []
    monkeypatch.setattr(deploy, "cmd_drift", lambda envs, target: seen.append([e.name for e in envs]) or 0)
    assert deploy.main(["drift", "--target", "local"]) == 0
    assert deploy.main(["drift", "--target", "local", "--env", "prod"]) == 0
    assert seen == [["dev", "staging", "prod"], ["prod"]]


# --- plan and drift summaries -----------------------------------------------------------------------


def test_planned_changes_skip_no_op_and_reads_and_name_replacements() -> None:
    changes = deploy.planned_changes(DRIFTED_PLAN)
    assert [(c.address, c.label) for c in changes] == [
        ('module.pipeline.aws_lambda_function.this["ingest"]', "create"),
        ("module.query.aws_athena_workgroup.this", "replace"),
        ('module.storage.aws_s3_bucket_versioning.lake["raw"]', "update"),
    ]
    assert deploy.action_counts(changes) == {"create": 1, "update": 1, "replace": 1, "delete": 0}


def test_plan_summary_counts_and_lists_resources() -> None:
    text = deploy.plan_summary("dev", DRIFTED_PLAN)
    assert text.startswith("### Plan: `dev`")
    assert "1 to create, 1 to update, 1 to replace." in text
    assert "| `module.query.aws_athena_workgroup.this` | replace |" in text
    assert "aws_glue_catalog_table.bronze" not in text and "caller_identity" not in text


def test_plan_summary_of_an_empty_plan_says_so() -> None:
    assert "No changes" in deploy.plan_summary("prod", {"resource_changes": [_rc("x.y", "no-op")]})


def test_drift_summary_names_what_changed_outside_terraform() -> None:
    text = deploy.drift_summary("prod", DRIFTED_PLAN)
    assert "### Drift in `prod`" in text
    assert "2 resource(s) changed outside Terraform" in text
    assert '| `module.pipeline.aws_lambda_function.this["ingest"]` | delete |' in text
    assert "the plan would: 1 to create, 1 to update, 1 to replace." in text
    assert "make plan-prod TARGET=aws" in text


def test_long_tables_are_cut_with_a_count() -> None:
    plan = {"resource_changes": [_rc(f"r.n{i:03}", "create") for i in range(205)]}
    text = deploy.plan_summary("dev", plan)
    assert "| … 5 more | |" in text and "r.n199" in text and "r.n200" not in text


def test_publish_appends_to_the_github_step_summary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    summary = tmp_path / "step-summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    deploy.publish("### Plan: `dev`\n", tmp_path / "out" / "plan.md")
    assert summary.read_text(encoding="utf-8") == "earlier step\n### Plan: `dev`\n\n"
    assert (tmp_path / "out" / "plan.md").read_text(encoding="utf-8") == "### Plan: `dev`\n"
    assert "### Plan: `dev`" in capsys.readouterr().out


# --- drift exit codes, with a fake workspace ---------------------------------------------------------


class _FakeWorkspace:
    def __init__(self, root: Path, code: int, plan: dict[str, Any]) -> None:
        self.root, self.code, self.plan_json = root, code, plan

    def init(self, echo: bool = False) -> None:
        pass

    def plan(self, out: Path | None = None, destroy: bool = False, echo: bool = False) -> int:
        return self.code

    def show_json(self, plan: Path | None = None) -> dict[str, Any]:
        return self.plan_json


def _fake_deployments(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, codes: dict[str, int]) -> None:
    from contextlib import contextmanager

    @contextmanager
    def fake(env: EnvSpec, target: str, tofu: object = None):  # type: ignore[no-untyped-def]
        if codes[env.name] < 0:
            raise DeployError("STATE_BUCKET is not set")
        ws = _FakeWorkspace(tmp_path / env.name, codes[env.name], DRIFTED_PLAN)
        yield Deployment(env.name, Target(target), ws)  # type: ignore[arg-type]

    monkeypatch.setattr(deploy, "deployment", fake)


def test_drift_exits_2_with_a_summary_when_an_env_drifted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary.md"))
    _fake_deployments(monkeypatch, tmp_path, {"dev": 0, "prod": 2})
    envs = [EnvSpec.parse("dev"), EnvSpec.parse("prod")]
    assert deploy.cmd_drift(envs, "aws") == 2
    out = capsys.readouterr().out
    assert "No drift in `dev`" in out and "### Drift in `prod`" in out
    assert "### Drift in `prod`" in (tmp_path / "summary.md").read_text(encoding="utf-8")


def test_drift_exits_0_when_nothing_drifted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_deployments(monkeypatch, tmp_path, {"dev": 0})
    assert deploy.cmd_drift([EnvSpec.parse("dev")], "aws") == 0


def test_drift_exits_1_when_a_plan_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A failed check must not read as "no drift", nor be hidden behind another env's drift.
    _fake_deployments(monkeypatch, tmp_path, {"dev": 2, "prod": -1})
    assert deploy.cmd_drift([EnvSpec.parse("dev"), EnvSpec.parse("prod")], "aws") == 1


# --- smoke ------------------------------------------------------------------------------------------


def test_smoke_runs_pytest_on_tests_smoke_without_masking_exit_codes() -> None:
    cmd = deploy.smoke_command(["-k", "athena"])
    assert cmd[:4] == [sys.executable, "-m", "pytest", "tests/smoke"]
    assert cmd[-2:] == ["-k", "athena"]


def test_pytest_on_an_empty_dir_fails_so_smoke_cannot_pass_with_no_tests(tmp_path: Path) -> None:
    # What the smoke target relies on: zero collected tests is exit 5, not success.
    (tmp_path / "tests" / "smoke").mkdir(parents=True)
    cmd = deploy.smoke_command([])
    proc = subprocess.run([*cmd, "-q"], cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 5


def test_a_local_plan_starts_no_local_athena_and_smoke_does(monkeypatch: pytest.MonkeyPatch) -> None:
    """A plan of the empty embedded account runs no query: no local Athena, so no Trino JVM to start."""
    from contextlib import contextmanager

    opened: list[bool] = []

    class Opened(Exception):
        pass

    @contextmanager
    def fake_open_target(name: str, *, athena: bool = True):  # type: ignore[no-untyped-def]
        opened.append(athena)
        raise Opened
        yield

    monkeypatch.setattr(deploy, "open_target", fake_open_target)
    monkeypatch.setattr(deploy, "_artifacts", lambda: Path("/nowhere"))
    monkeypatch.setattr(deploy, "stack_variables", lambda env, artifacts: {})
    monkeypatch.setattr(deploy, "resolve", lambda: object())
    for command in (
        lambda: deploy.cmd_plan(EnvSpec.parse("dev"), "local"),
        lambda: deploy.cmd_smoke(EnvSpec.parse("dev"), "local", []),
    ):
        with pytest.raises(Opened):
            command()
    assert opened == [False, True]

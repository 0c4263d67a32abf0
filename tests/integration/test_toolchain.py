"""The toolchain for real: the cached tofu runs, init works offline on the stack, validate and plan pass."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from harness.iac import provider_waits, toolchain
from harness.iac.tofu import Tofu
from harness.iac.workspace import Endpoints, Workspace

pytestmark = pytest.mark.toolchain


def test_cached_tofu_runs_as_the_pinned_release(tofu: Tofu, tmp_path: Path) -> None:
    out = tofu.run(["version", "-json"], cwd=tmp_path).stdout
    info = json.loads(out)
    assert info["terraform_version"] == toolchain.OPENTOFU.version


def test_warm_toolchain_check_is_a_no_op(tofu: Tofu) -> None:
    before = toolchain.binary_path(toolchain.AWS_PROVIDER).stat().st_mtime_ns
    proc = subprocess.run(
        [sys.executable, "-m", "harness.iac.toolchain", "ensure"], check=True, capture_output=True, text=True
    )
    # nothing rebuilt (the <= 5 s budget is measured in bench/, not asserted here)
    assert toolchain.binary_path(toolchain.AWS_PROVIDER).stat().st_mtime_ns == before
    assert "building" not in proc.stderr


def test_init_offline_then_validate(tofu: Tofu, lambda_artifacts: Path, worker_id_suffix: str) -> None:
    ws = Workspace(name=f"toolchain-validate-{worker_id_suffix}", env="dev", tofu=tofu)
    ws.init()
    lock = (ws.root / ".terraform.lock.hcl").read_text()
    assert f'version     = "{toolchain.AWS_PROVIDER.version}"' in lock
    assert "h1:" in lock  # the hash of the local build, verified on every later init
    result = ws.validate()
    assert result["valid"], result["diagnostics"]


def test_plan_against_the_local_aws(
    tofu: Tofu, endpoints: Endpoints, lambda_artifacts: Path, worker_id_suffix: str
) -> None:
    ws = Workspace(
        name=f"toolchain-plan-{worker_id_suffix}",
        env="dev",
        tofu=tofu,
        endpoints=endpoints,
        variables={"lambda_artifacts_dir": str(lambda_artifacts)},
    )
    ws.init()
    assert ws.plan() == 2
    plan = ws.show_json()
    creates = [rc["address"] for rc in plan["resource_changes"] if rc["change"]["actions"] == ["create"]]
    assert 'module.storage.aws_s3_bucket.this["raw"]' in creates
    assert plan["planned_values"]["root_module"]  # a real plan with values, read by the gates


QUEUE_STACK = """
resource "aws_sqs_queue" "probe" {
  name = "waits-probe-%s"
}
"""


def _requests(provider_log: str, method: str) -> int:
    """AWS API calls the provider logged sending (TF_LOG_PROVIDER=DEBUG)."""
    return sum(
        1
        for line in provider_log.splitlines()
        if "HTTP Request Sent" in line and f"rpc.method={method} " in line + " "
    )


def test_emulator_wait_switch_is_off_unless_set(
    tofu: Tofu, endpoints: Endpoints, tmp_path: Path, worker_id_suffix: str
) -> None:
    """The provider we build honours the switch, and only when set: creating a queue waits for its
    attributes (6 equal reads >= 5 s apart upstream), deleting it for 15 not-found reads."""
    source = tmp_path / "stack"
    source.mkdir()
    (source / "main.tf").write_text(QUEUE_STACK % worker_id_suffix)
    ws = Workspace(
        name=f"toolchain-waits-{worker_id_suffix}", env="dev", tofu=tofu, endpoints=endpoints, source=source
    )
    ws.pass_env = False
    ws.init()
    assert ws._env()[provider_waits.ENV_VAR] == "1"  # what every emulated workspace runs with

    def run(command: str, switched: bool) -> str:
        log = tmp_path / f"{command}.log"
        env = {k: v for k, v in ws._env().items() if switched or k != provider_waits.ENV_VAR}
        tofu.run(
            [command, "-auto-approve", "-input=false", "-no-color"],
            cwd=ws.stack,
            extra_env={**env, "TF_LOG_PROVIDER": "DEBUG", "TF_LOG_PATH": str(log)},
        )
        return log.read_text()

    upstream = run("apply", switched=False)  # the real wait, as against AWS
    assert provider_waits.ENV_VAR not in upstream
    # upstream reads the attributes until it has seen them equal 6 times in a row
    assert _requests(upstream, "SQS/GetQueueAttributes") >= 6
    switched = run("destroy", switched=True)
    assert f"{provider_waits.ENV_VAR}: one read of the target state is final" in switched
    # upstream wants 15 not-found reads in a row after the delete; one is final here
    assert _requests(switched, "SQS/DeleteQueue") == 1
    assert _requests(switched, "SQS/GetQueueAttributes") < 15

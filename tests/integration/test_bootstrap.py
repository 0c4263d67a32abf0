"""terraform/bootstrap: the state bucket, planned against the local AWS and checked in the plan."""

from __future__ import annotations

from typing import Any

import pytest

from harness.iac.tofu import Tofu
from harness.iac.workspace import Endpoints, Workspace
from harness.paths import repo_root

pytestmark = pytest.mark.toolchain


def _planned(plan: dict[str, Any], address: str) -> dict[str, Any]:
    (rc,) = [rc for rc in plan["resource_changes"] if rc["address"] == address]
    assert rc["change"]["actions"] == ["create"]
    return rc["change"]["after"]


def test_bootstrap_plans_a_locked_down_state_bucket(
    tofu: Tofu, endpoints: Endpoints, worker_id_suffix: str
) -> None:
    ws = Workspace(
        name=f"bootstrap-{worker_id_suffix}",
        env="shared",
        tofu=tofu,
        endpoints=endpoints,
        source=repo_root() / "terraform" / "bootstrap",
        pass_env=False,
    )
    ws.init()
    assert ws.validate()["valid"]
    assert ws.plan() == 2
    plan = ws.show_json()
    assert _planned(plan, "aws_s3_bucket.state")["bucket"] == "dp-tfstate-123456789012-us-east-1"
    assert _planned(plan, "aws_kms_key.state")["enable_key_rotation"] is True
    versioning = _planned(plan, "aws_s3_bucket_versioning.state")["versioning_configuration"]
    assert versioning[0]["status"] == "Enabled"
    (rule,) = _planned(plan, "aws_s3_bucket_server_side_encryption_configuration.state")["rule"]
    assert rule["apply_server_side_encryption_by_default"][0]["sse_algorithm"] == "aws:kms"
    assert rule["bucket_key_enabled"] is True
    pab = _planned(plan, "aws_s3_bucket_public_access_block.state")
    assert all(
        pab[f]
        for f in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")
    )
    policy = _planned(plan, "aws_s3_bucket_policy.state")["policy"]
    assert "aws:SecureTransport" in policy and '"Deny"' in policy
    # The state key is not the lake key: bootstrap creates its own.
    assert [rc["address"] for rc in plan["resource_changes"] if rc["type"] == "aws_kms_key"] == [
        "aws_kms_key.state"
    ]

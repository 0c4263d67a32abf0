"""terraform/bootstrap: the state bucket, planned against the local AWS and checked in the plan."""

from __future__ import annotations

import json
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
    # Without github_repository there is no OIDC provider and no CI role.
    assert not [rc for rc in plan["resource_changes"] if rc["address"].startswith("module.github_oidc")]


def test_bootstrap_logs_state_access_and_conditions_its_key_policy(
    tofu: Tofu, endpoints: Endpoints, worker_id_suffix: str
) -> None:
    plan = _bootstrap_plan(tofu, endpoints, f"bootstrap-logs-{worker_id_suffix}")
    logging = _planned(plan, "aws_s3_bucket_logging.state")
    assert logging["target_prefix"] == "s3-access/dp-tfstate-123456789012-us-east-1/"
    logs_bucket = "dp-tfstate-123456789012-us-east-1-access-logs"
    assert _planned(plan, "aws_s3_bucket.access_logs")["bucket"] == logs_bucket
    (rule,) = _planned(plan, "aws_s3_bucket_server_side_encryption_configuration.access_logs")["rule"]
    assert rule["apply_server_side_encryption_by_default"][0]["sse_algorithm"] == "AES256"  # log delivery
    policy = json.loads(_planned(plan, "aws_s3_bucket_policy.access_logs")["policy"])
    sids = {s["Sid"]: s for s in policy["Statement"]}
    assert sids["DenyInsecureTransport"]["Effect"] == "Deny"
    delivery = sids["S3ServerAccessLogsDelivery"]
    assert delivery["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    assert (
        delivery["Condition"]["ArnLike"]["aws:SourceArn"] == "arn:aws:s3:::dp-tfstate-123456789012-us-east-1"
    )
    key_policy = json.loads(_planned(plan, "aws_kms_key.state")["policy"])
    assert key_problems(key_policy) == []


def test_ci_roles_trust_one_subject_of_one_repository(
    tofu: Tofu, endpoints: Endpoints, worker_id_suffix: str
) -> None:
    plan = _bootstrap_plan(
        tofu, endpoints, f"bootstrap-oidc-{worker_id_suffix}", github_repository=REPOSITORY
    )
    oidc = _planned(plan, "module.github_oidc[0].aws_iam_openid_connect_provider.github[0]")
    assert oidc["url"] == "https://token.actions.githubusercontent.com"
    assert oidc["client_id_list"] == ["sts.amazonaws.com"]
    roles = {
        rc["change"]["after"]["name"]: json.loads(rc["change"]["after"]["assume_role_policy"])
        for rc in plan["resource_changes"]
        if rc["type"] == "aws_iam_role"
    }
    expected = {
        "dp-github-plan": f"repo:{REPOSITORY}:ref:refs/heads/main",
        "dp-github-deploy-dev": f"repo:{REPOSITORY}:environment:dev",
        "dp-github-deploy-staging": f"repo:{REPOSITORY}:environment:staging",
        "dp-github-deploy-prod": f"repo:{REPOSITORY}:environment:prod",
        "dp-github-deploy-ephemeral": f"repo:{REPOSITORY}:pull_request",
    }
    assert {name: trust_subjects(policy) for name, policy in roles.items()} == {
        name: [sub] for name, sub in expected.items()
    }
    for policy in roles.values():
        assert trust_problems(policy) == []
    policies = {
        rc["address"]: json.loads(rc["change"]["after"]["policy"])
        for rc in plan["resource_changes"]
        if rc["type"] == "aws_iam_role_policy" and rc["name"] == "deploy"
    }
    assert len(policies) == 4
    for address, policy in policies.items():
        scope = "pr-*" if "ephemeral" in address else address.split('"')[1]
        assert deploy_scope_problems(policy, scope) == [], address


# --- checks on plan JSON, each proved on a violating sample below -------------------------------------

REPOSITORY = "example-org/github-lakehouse"
KEY_USE = {"kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom", "kms:ReEncryptTo"}
# Deploy-role statements on "*": listing calls without resource-level permissions, and key creation
# conditioned on the env tag.
UNSCOPED_SIDS = {"DescribeHasNoResourceLevelPermission", "CreateLakeKey"}


def _as_list(v: Any) -> list[Any]:
    return v if isinstance(v, list) else [v]


def _bootstrap_plan(tofu: Tofu, endpoints: Endpoints, name: str, **variables: str) -> dict[str, Any]:
    ws = Workspace(
        name=name,
        env="shared",
        tofu=tofu,
        endpoints=endpoints,
        source=repo_root() / "terraform" / "bootstrap",
        pass_env=False,
        variables=dict(variables),
    )
    ws.init()
    assert ws.plan() == 2
    return ws.show_json()


def key_problems(policy: dict[str, Any]) -> list[str]:
    """Key policy statements: each conditioned, naming its actions; administering apart from using."""
    problems = []
    for s in policy["Statement"]:
        actions = set(_as_list(s["Action"]))
        if not s.get("Condition"):
            problems.append(f"{s.get('Sid')}: no condition")
        if any("*" in a for a in actions):
            problems.append(f"{s.get('Sid')}: wildcard action")
        if "Administers" in s.get("Sid", "") and actions & KEY_USE:
            problems.append(f"{s.get('Sid')}: administering the key grants using it")
    return problems


def trust_subjects(policy: dict[str, Any]) -> list[str]:
    return [
        sub
        for s in policy["Statement"]
        for sub in _as_list(
            s.get("Condition", {}).get("StringEquals", {}).get("token.actions.githubusercontent.com:sub", [])
        )
    ]


def trust_problems(policy: dict[str, Any]) -> list[str]:
    """A web-identity trust that pins the audience and one exact subject of REPOSITORY (no wildcards)."""
    problems = []
    for s in policy["Statement"]:
        cond = s.get("Condition", {})
        if _as_list(cond.get("StringEquals", {}).get("token.actions.githubusercontent.com:aud")) != [
            "sts.amazonaws.com"
        ]:
            problems.append("audience not pinned to sts.amazonaws.com")
        if set(cond) != {"StringEquals"}:
            problems.append(f"unexpected condition operators {sorted(cond)}")
        subs = _as_list(cond.get("StringEquals", {}).get("token.actions.githubusercontent.com:sub", []))
        if len(subs) != 1 or "*" in subs[0] or not subs[0].startswith(f"repo:{REPOSITORY}:"):
            problems.append(f"subject not one exact subject of {REPOSITORY}: {subs}")
    return problems


def deploy_scope_problems(policy: dict[str, Any], env: str) -> list[str]:
    """Every resource a deploy policy names belongs to `env` (or its state), or the statement says why not."""
    markers = (f"dp-{env}", f"lakehouse_{env.replace('-', '_')}", f"lakehouse/{env}/", "dp-tfstate-")
    problems = []
    for s in policy["Statement"]:
        for r in _as_list(s["Resource"]):
            if r == "*":
                if s.get("Sid") not in UNSCOPED_SIDS:
                    problems.append(f"{s.get('Sid')}: Resource * without a reason")
            elif r.endswith(":key/*"):  # keys have no names: an env tag or the state alias must scope them
                if not s.get("Condition"):
                    problems.append(f"{s.get('Sid')}: every key, unconditioned")
            elif not r.endswith(":catalog") and not any(m in r for m in markers):
                problems.append(f"{s.get('Sid')}: {r} is outside {env}")
    return problems


def test_the_checks_catch_violating_samples() -> None:
    key = {
        "Statement": [
            {
                "Sid": "AccountAdministersKey",
                "Action": ["kms:Decrypt", "kms:PutKeyPolicy"],
                "Condition": {"x": 1},
            },
            {"Sid": "Everyone", "Action": "kms:*"},
        ]
    }
    assert key_problems(key) == [
        "AccountAdministersKey: administering the key grants using it",
        "Everyone: no condition",
        "Everyone: wildcard action",
    ]
    trust = {
        "Statement": [
            {
                "Condition": {
                    "StringLike": {"token.actions.githubusercontent.com:sub": "repo:example-org/*"},
                    "StringEquals": {"token.actions.githubusercontent.com:aud": ["sts.amazonaws.com"]},
                }
            }
        ]
    }
    assert trust_problems(trust) == [
        "unexpected condition operators ['StringEquals', 'StringLike']",
        f"subject not one exact subject of {REPOSITORY}: []",
    ]
    deploy = {
        "Statement": [
            {"Sid": "Functions", "Resource": "arn:aws:lambda:us-east-1:1:function:dp-prod-ingest"},
            {"Sid": "Anything", "Resource": "*"},
            {"Sid": "AnyKey", "Resource": "arn:aws:kms:us-east-1:1:key/*"},
        ]
    }
    assert deploy_scope_problems(deploy, "dev") == [
        "Functions: arn:aws:lambda:us-east-1:1:function:dp-prod-ingest is outside dev",
        "Anything: Resource * without a reason",
        "AnyKey: every key, unconditioned",
    ]


def test_bootstrap_with_ci_roles_applies_replans_clean_and_destroys(
    tofu: Tofu, endpoints: Endpoints, worker_id_suffix: str
) -> None:
    import boto3

    ws = Workspace(
        name=f"bootstrap-apply-{worker_id_suffix}",
        env="shared",
        tofu=tofu,
        endpoints=endpoints,
        source=repo_root() / "terraform" / "bootstrap",
        pass_env=False,
        variables={"github_repository": REPOSITORY, "force_destroy": True},
    )
    ws.init()
    ws.apply()
    try:
        assert ws.plan() == 0, "bootstrap plans changes again after apply (perpetual diff)"
        outputs = ws.outputs()
        client = {
            "endpoint_url": endpoints.aws,
            "region_name": "us-east-1",
            "aws_access_key_id": "testing",
            "aws_secret_access_key": "testing",
        }
        iam, s3 = boto3.client("iam", **client), boto3.client("s3", **client)
        oidc = outputs["github_oidc"]
        provider = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=oidc["provider_arn"])
        assert provider["ClientIDList"] == ["sts.amazonaws.com"]
        for arn in [oidc["plan_role_arn"], oidc["ephemeral_role_arn"], *oidc["deploy_role_arns"].values()]:
            trust = iam.get_role(RoleName=arn.rsplit("/", 1)[1])["Role"]["AssumeRolePolicyDocument"]
            trust = json.loads(trust) if isinstance(trust, str) else trust
            assert trust_problems(trust) == [], arn
        logging = s3.get_bucket_logging(Bucket=outputs["state_bucket"])["LoggingEnabled"]
        assert logging["TargetBucket"] == outputs["state_access_log_bucket"]
    finally:
        ws.destroy()
    assert ws.plan() == 2, "destroy left nothing to create again"

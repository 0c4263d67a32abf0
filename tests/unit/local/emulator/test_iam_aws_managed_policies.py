"""harness.local.emulator.iam_aws_managed_policies: the AWS managed policies every account has exist."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

pytestmark = pytest.mark.xdist_group("local-aws")  # one local AWS process per run (conftest.py)

READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"


@pytest.fixture(scope="module")
def iam(client: Callable[[str], Any]) -> Any:
    """A client of the module's local AWS process (conftest.py)."""
    return client("iam")


def test_the_provider_attach_call_finds_read_only_access(iam: Any) -> None:
    # What aws_iam_role_policy_attachment sends for the CI plan role, and the answer it needs.
    trust = {
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ]
    }
    iam.create_role(RoleName="plan", AssumeRolePolicyDocument=json.dumps(trust))
    iam.attach_role_policy(RoleName="plan", PolicyArn=READ_ONLY)
    attached = iam.list_attached_role_policies(RoleName="plan")["AttachedPolicies"]
    assert attached == [{"PolicyName": "ReadOnlyAccess", "PolicyArn": READ_ONLY}]


def test_an_unknown_managed_policy_is_still_no_such_entity(iam: Any) -> None:
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_policy(PolicyArn="arn:aws:iam::aws:policy/NoSuchPolicyAnywhere")

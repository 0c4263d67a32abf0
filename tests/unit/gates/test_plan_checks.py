"""harness.gates.plan_checks: the per-statement key policy rule terraform-compliance cannot express."""

from __future__ import annotations

import json
from typing import Any

from harness.gates import plan_checks


def _plan(*statements: dict[str, Any], policy: bool = True) -> dict[str, Any]:
    key = {
        "address": "module.storage.aws_kms_key.lake",
        "mode": "managed",
        "type": "aws_kms_key",
        "values": {"policy": json.dumps({"Statement": list(statements)}) if policy else None},
    }
    return {"planned_values": {"root_module": {"child_modules": [{"resources": [key]}]}}}


CONDITIONED = {"Sid": "Admin", "Condition": {"StringEquals": {"kms:CallerAccount": "123456789012"}}}


def test_a_policy_whose_every_statement_is_conditioned_passes() -> None:
    assert plan_checks.kms_key_conditions(_plan(CONDITIONED, {**CONDITIONED, "Sid": "Use"})) == []


def test_one_unconditioned_statement_among_conditioned_ones_fails() -> None:
    # Exactly what terraform-compliance's `it must contain Condition` lets through.
    assert plan_checks.kms_key_conditions(_plan(CONDITIONED, {"Sid": "Describe"}, {"Condition": {}})) == [
        "module.storage.aws_kms_key.lake: key policy statement Describe has no condition",
        "module.storage.aws_kms_key.lake: key policy statement #3 has no condition",
    ]


def test_a_key_without_a_known_policy_is_left_to_the_feature() -> None:
    assert plan_checks.kms_key_conditions(_plan(policy=False)) == []


def test_every_check_is_named_like_no_feature() -> None:
    from harness.gates import compliance

    features = {p.stem for p in compliance.features_dir().rglob("*.feature")}
    assert not features & set(plan_checks.CHECKS)

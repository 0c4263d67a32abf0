"""Gates terraform-compliance cannot express, checked in Python on the same plan JSON.

terraform-compliance's `it must contain X` passes a list when *any* item has X, so "every statement of a
key policy has a condition" cannot be written as a feature: a policy with one conditioned statement
passes however many others have none. Each check here is named like a feature, reported beside the
features in the same GateReport, and proved by its own mutants (harness.gates.compliance).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

PlanCheck = Callable[[dict[str, Any]], list[str]]


def planned_resources(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every managed resource in the plan's planned values, child modules included."""
    stack = [plan.get("planned_values", {}).get("root_module", {})]
    while stack:
        module = stack.pop()
        yield from (r for r in module.get("resources", []) if r.get("mode") == "managed")
        stack.extend(module.get("child_modules", []))


def kms_key_conditions(plan: dict[str, Any]) -> list[str]:
    """Every statement of every key policy known at plan time has a condition.

    A key policy's Resource is always "*", so its principal and condition are all that limit a grant.
    Keys without a policy, or whose policy is unknown until apply, are left to kms_key_policy.feature.
    """
    failures = []
    for resource in planned_resources(plan):
        if resource["type"] != "aws_kms_key" or not resource.get("values", {}).get("policy"):
            continue
        statements = json.loads(resource["values"]["policy"]).get("Statement", [])
        for i, statement in enumerate(statements if isinstance(statements, list) else [statements]):
            if not statement.get("Condition"):
                sid = statement.get("Sid", f"#{i + 1}")
                failures.append(f"{resource['address']}: key policy statement {sid} has no condition")
    return failures


CHECKS: dict[str, PlanCheck] = {"kms_key_conditions": kms_key_conditions}

"""Gap: moto evaluates bucket policies without `aws:SecureTransport`, so a TLS-only deny denies everything.

moto checks object requests against the bucket policy but supports no `Bool` condition: the stack's
`Deny s3:* when aws:SecureTransport = false` applied unconditionally, and every GetObject/PutObject by
the Lambda code and the local Athena failed with 403. The local endpoint stands in for AWS's TLS
endpoint (clients of real S3 always use HTTPS), so statements conditioned on `aws:SecureTransport` are
evaluated as for a TLS request: a statement whose only condition is that key applies when its value is
"true" and is dropped otherwise; other statements are left to moto as before.
"""

from __future__ import annotations

import json
from typing import Any

KEY = "aws:securetransport"


def _secure_transport_applies(condition: dict[str, Any]) -> bool | None:
    """True/False when the condition is only `Bool aws:SecureTransport`, else None (leave it to moto)."""
    if set(condition) != {"Bool"} or not isinstance(condition["Bool"], dict):
        return None
    keys = {k.lower(): v for k, v in condition["Bool"].items()}
    if set(keys) != {KEY}:
        return None
    values = keys[KEY] if isinstance(keys[KEY], list) else [keys[KEY]]
    return any(str(v).lower() == "true" for v in values)


def effective_policy(policy: str) -> str:
    """The policy as it applies to a TLS request."""
    doc = json.loads(policy)
    statements = doc.get("Statement", [])
    statements = statements if isinstance(statements, list) else [statements]
    kept = []
    for stmt in statements:
        applies = _secure_transport_applies(stmt.get("Condition") or {}) if stmt.get("Condition") else None
        if applies is False:
            continue
        if applies is True:
            stmt = {k: v for k, v in stmt.items() if k != "Condition"}
        kept.append(stmt)
    return json.dumps({**doc, "Statement": kept})


def apply() -> None:
    from moto.iam.access_control import IAMPolicy, PermissionResult
    from moto.s3.models import FakeBucket

    def get_permission(self: Any, action: str, resource: str) -> Any:
        if self.policy is None:
            return PermissionResult.NEUTRAL
        text = self.policy.decode() if isinstance(self.policy, bytes) else str(self.policy)
        return IAMPolicy(effective_policy(text)).is_action_permitted(action, resource)

    FakeBucket.get_permission = get_permission

"""Gap: moto's check that a logging target bucket admits S3 log delivery is narrower than IAM.

moto (5.2) reads the target bucket policy with `stmt["Principal"].get(...)`, so any statement whose
Principal is the string "*" (the TLS-only deny every bucket carries) crashes PutBucketLogging with a
500; and it accepts only a Resource equal to `<bucket>/<prefix>*` or `<bucket>/*`, while AWS grants
any Resource pattern that covers the delivered keys (ours: `<logs>/s3-access/*`). This replaces the
check with one that reads Principal, Action and Resource as IAM does (string or list, wildcards).
Conditions are not evaluated, as elsewhere in moto.
"""

from __future__ import annotations

import json
from fnmatch import fnmatchcase
from typing import Any

LOGGING_SERVICE = "logging.s3.amazonaws.com"


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def grants_log_delivery(policy: dict[str, Any], partition: str, bucket: str, prefix: str | None) -> bool:
    delivered_key = f"arn:{partition}:s3:::{bucket}/{prefix or ''}example-log-object"
    for stmt in _as_list(policy.get("Statement")):
        principal = stmt.get("Principal")
        services = _as_list(principal.get("Service")) if isinstance(principal, dict) else []
        if stmt.get("Effect") != "Allow" or LOGGING_SERVICE not in services:
            continue
        if not any(fnmatchcase("s3:PutObject".lower(), a.lower()) for a in _as_list(stmt.get("Action"))):
            continue
        if any(fnmatchcase(delivered_key, r) for r in _as_list(stmt.get("Resource"))):
            return True
    return False


def apply() -> None:
    from moto.s3.models import FakeBucket

    def _log_permissions_enabled_policy(target_bucket: Any, target_prefix: str | None) -> bool:
        if not target_bucket.policy:
            return False
        policy = json.loads(target_bucket.policy.decode())
        return grants_log_delivery(policy, target_bucket.partition, target_bucket.name, target_prefix)

    FakeBucket._log_permissions_enabled_policy = staticmethod(_log_permissions_enabled_policy)

"""Extensions of moto for APIs the AWS provider calls that moto lacks or answers unfaithfully.

Each gap is one module here and one row in docs/emulator-gaps.md. A module offers `apply()` (patches
moto's models or responses) and/or `wrap(app)` (WSGI middleware in front of moto's server). Both act
only in a local AWS server process (`harness.local.aws`, the fidelity runner), never in in-process
unit tests; applying them twice in one process is a no-op.
"""

from __future__ import annotations

import importlib
from typing import Any

# Module names under harness.local.emulator, applied in this order.
GAPS: tuple[str, ...] = (
    "rpcv2_cbor",
    "s3control_host",
    "s3_logging_policy",
    "s3_create_bucket_tags",
    "lambda_logging_config",
    "cloudtrail_delete_by_arn",
    "s3_secure_transport",
    "s3_delete_marker_dispose",
    "s3_list_versions_views",
    "glue_column_statistics",
    "glue_partition_segments",
    "sqs_kms_sse",
    "iam_aws_managed_policies",
)


def _modules() -> list[Any]:
    return [importlib.import_module(f"harness.local.emulator.{name}") for name in GAPS]


_applied: list[str] = []


def apply_all() -> list[str]:
    """Patches moto once per process (a second call, e.g. a second in-process server, is a no-op)."""
    if _applied:
        return list(_applied)
    applied = _applied
    for module in _modules():
        if hasattr(module, "apply"):
            module.apply()
            applied.append(module.__name__)
    return list(applied)


def wrap_all(app: Any) -> Any:
    for module in reversed(_modules()):
        if hasattr(module, "wrap"):
            app = module.wrap(app)
    return app

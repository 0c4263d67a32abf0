"""Gap: moto reports SSE-SQS (`SqsManagedSseEnabled: true`) on a queue encrypted with a KMS key.

On AWS the two kinds of server-side encryption exclude each other: a queue created or updated with a
`KmsMasterKeyId` is SSE-KMS and reads back `SqsManagedSseEnabled: false`. moto defaults every queue to
SSE-SQS and never clears it, so a queue under the stack's key read back as encrypted twice over and
no test could tell SSE-KMS from SSE-SQS. Giving a key now switches SSE-SQS off, as AWS does.
"""

from __future__ import annotations

from typing import Any


def kms_excludes_sqs_managed(attributes: dict[str, Any]) -> dict[str, Any]:
    """The attributes AWS ends up with: a KMS key given turns SSE-SQS off."""
    if attributes.get("KmsMasterKeyId"):
        return {**attributes, "SqsManagedSseEnabled": False}
    return attributes


def apply() -> None:
    from moto.sqs.models import Queue

    original = Queue._set_attributes

    def _set_attributes(self: Any, attributes: dict[str, Any], now: float | None = None) -> None:
        original(self, kms_excludes_sqs_managed(attributes), now)

    Queue._set_attributes = _set_attributes  # type: ignore[method-assign]

"""harness.local.emulator.sqs_kms_sse: a queue under a KMS key reads back as SSE-KMS only, as on AWS."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from harness.local.emulator.sqs_kms_sse import kms_excludes_sqs_managed

pytestmark = pytest.mark.xdist_group("local-aws")  # one local AWS process per run (conftest.py)

KEY = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000"


def test_a_kms_key_turns_sse_sqs_off() -> None:
    assert kms_excludes_sqs_managed({"KmsMasterKeyId": KEY, "SqsManagedSseEnabled": True}) == {
        "KmsMasterKeyId": KEY,
        "SqsManagedSseEnabled": False,
    }


def test_without_a_key_the_attributes_stay() -> None:
    attrs = {"KmsMasterKeyId": None, "SqsManagedSseEnabled": True}
    assert kms_excludes_sqs_managed(attrs) == attrs


@pytest.fixture(scope="module")
def sqs(client: Callable[[str], Any]) -> Any:
    """A client of the module's local AWS process (conftest.py)."""
    return client("sqs")


def _sse(sqs: Any, url: str) -> dict[str, str]:
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return {k: attrs[k] for k in ("KmsMasterKeyId", "SqsManagedSseEnabled") if k in attrs}


def test_the_provider_create_call_reads_back_as_sse_kms(sqs: Any) -> None:
    # What aws_sqs_queue sends for kms_master_key_id, and what it must read back (no SSE-SQS).
    url = sqs.create_queue(QueueName="with-key", Attributes={"KmsMasterKeyId": KEY})["QueueUrl"]
    assert _sse(sqs, url) == {"KmsMasterKeyId": KEY, "SqsManagedSseEnabled": "false"}


def test_a_key_set_later_switches_sse_sqs_off(sqs: Any) -> None:
    url = sqs.create_queue(QueueName="key-later")["QueueUrl"]
    assert _sse(sqs, url) == {"SqsManagedSseEnabled": "true"}  # AWS's default for new queues
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"KmsMasterKeyId": KEY})
    assert _sse(sqs, url) == {"KmsMasterKeyId": KEY, "SqsManagedSseEnabled": "false"}

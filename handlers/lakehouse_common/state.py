"""Small JSON state documents in S3, written with conditional PUTs so concurrent runs can't clobber."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError


class StateConflict(RuntimeError):
    """Someone else wrote the state object since we read it."""


@dataclass
class Versioned:
    doc: dict[str, Any]
    etag: str | None  # None: the object does not exist yet


def read_state(s3: Any, bucket: str, key: str) -> Versioned:
    try:
        obj = s3.get_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in {"NoSuchKey", "404"}:
            return Versioned({}, None)
        raise
    body = obj["Body"].read()
    try:
        doc = json.loads(body)
    except json.JSONDecodeError as exc:
        raise RuntimeError(f"state s3://{bucket}/{key} is not JSON ({exc}); fix or delete it") from exc
    if not isinstance(doc, dict):
        raise RuntimeError(f"state s3://{bucket}/{key} is not a JSON object; fix or delete it")
    return Versioned(doc, obj["ETag"])


def write_state(s3: Any, bucket: str, key: str, doc: dict[str, Any], expected_etag: str | None) -> str:
    """Write ``doc`` only if the object is still at ``expected_etag`` (None: still absent)."""
    condition = {"IfMatch": expected_etag} if expected_etag else {"IfNoneMatch": "*"}
    try:
        out = s3.put_object(
            Bucket=bucket,
            Key=key,
            Body=json.dumps(doc, sort_keys=True).encode(),
            ContentType="application/json",
            **condition,
        )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in {"PreconditionFailed", "ConditionalRequestConflict"}:
            raise StateConflict(f"s3://{bucket}/{key} changed since it was read") from exc
        raise
    return str(out["ETag"])

"""Gap: moto's CreateBucket ignores `CreateBucketConfiguration/Tags` (tag-on-create).

The AWS provider (v6) tags a new bucket in its CreateBucket call and reads the tags back through
S3 Control; moto dropped them, so every bucket showed its default tags as a change on each plan.
This stores the tags in the bucket's tag set, as AWS does.
"""

from __future__ import annotations

from typing import Any

import xmltodict


def _create_tags(body: bytes) -> dict[str, str] | None:
    if not body:
        return None
    try:
        config = xmltodict.parse(body).get("CreateBucketConfiguration") or {}
    except Exception:  # malformed bodies are moto's to reject, not ours
        return None
    tags = (config.get("Tags") or {}).get("Tag")
    if tags is None:
        return None
    tags = tags if isinstance(tags, list) else [tags]
    return {t["Key"]: t.get("Value") or "" for t in tags}


def apply() -> None:
    from moto.s3.responses import S3Response

    original = S3Response._bucket_response_put

    def _bucket_response_put(self: Any, request: Any, bucket_name: str, querystring: dict[str, Any]) -> Any:
        result = original(self, request, bucket_name, querystring)
        if not querystring:  # PUT /<bucket> with no subresource is CreateBucket
            tags = _create_tags(self.body)
            status = result[0] if isinstance(result, tuple) else 200
            if tags and status == 200:
                self.backend.put_bucket_tagging(bucket_name, tags)
        return result

    S3Response._bucket_response_put = _bucket_response_put

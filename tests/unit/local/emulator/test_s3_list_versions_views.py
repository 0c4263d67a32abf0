"""Gap 14: moto's ListObjectVersions over views of the stored versions answers exactly what it answers
over deep copies of them, and leaves every stored body readable.

In-process moto: the comparison needs moto's own listing (deep copies) and the patched one side by side.
"""

from __future__ import annotations

import copy
import gc
import random
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.s3 import models

from harness.local.emulator.s3_list_versions_views import VersionsCopy

BUCKET = "versions-views"


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Any:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        client.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
        yield client


def _fill(s3: Any) -> dict[tuple[str, str], bytes]:
    """Keys in folders, several versions each, some deleted (a delete marker) and some versions removed;
    returns every stored version's body."""
    rng = random.Random(14)
    bodies: dict[tuple[str, str], bytes] = {}
    keys = [f"{folder}/{name}" for folder in ("a", "a/b", "c") for name in ("x", "y.csv", "z/1")] + ["top"]
    for _ in range(30):
        key = rng.choice(keys)
        if rng.random() < 0.15:
            s3.delete_object(Bucket=BUCKET, Key=key)
            continue
        body = rng.randbytes(rng.randint(0, 300))
        version = s3.put_object(Bucket=BUCKET, Key=key, Body=body)["VersionId"]
        bodies[(key, version)] = body
    for key, version in rng.sample(sorted(bodies), 5):
        s3.delete_object(Bucket=BUCKET, Key=key, VersionId=version)
        del bodies[(key, version)]
    return bodies


def _listing(s3: Any, **kwargs: Any) -> list[dict[str, Any]]:
    """Every page of ListObjectVersions, as answered (request metadata dropped)."""
    pages, request = [], {"Bucket": BUCKET, **kwargs}
    while True:
        page = s3.list_object_versions(**request)
        page.pop("ResponseMetadata")
        pages.append(page)
        if not page["IsTruncated"]:
            return pages
        request |= {"KeyMarker": page["NextKeyMarker"]}
        if page.get("NextVersionIdMarker"):
            request["VersionIdMarker"] = page["NextVersionIdMarker"]


LISTINGS = [
    {},
    {"MaxKeys": 7},
    {"Prefix": "a/"},
    {"Prefix": "a/", "MaxKeys": 3},
    {"Delimiter": "/"},
    {"Prefix": "a/", "Delimiter": "/", "MaxKeys": 2},
    {"Prefix": "nothing/"},
]


def test_views_list_what_deep_copies_list(s3: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _fill(s3)
    for kwargs in LISTINGS:
        monkeypatch.setattr(models, "copy", copy)
        moto_own = _listing(s3, **kwargs)
        monkeypatch.setattr(models, "copy", VersionsCopy())
        assert _listing(s3, **kwargs) == moto_own, kwargs
    assert any(p.get("DeleteMarkers") for p in moto_own) or any(  # the data has both kinds of entry
        p.get("DeleteMarkers") for p in _listing(s3)
    )


def test_listing_through_views_leaves_every_body_readable(s3: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    bodies = _fill(s3)
    monkeypatch.setattr(models, "copy", VersionsCopy())
    listed = [v for page in _listing(s3, MaxKeys=5) for v in page.get("Versions", [])]
    assert {(v["Key"], v["VersionId"]) for v in listed} == set(bodies)
    assert sum(v["IsLatest"] for v in listed) == len({k for k, _ in bodies} - _deleted_keys(s3))
    gc.collect()  # the views are gone: the stored versions must still hold their bodies
    for (key, version), body in bodies.items():
        assert s3.get_object(Bucket=BUCKET, Key=key, VersionId=version)["Body"].read() == body


def _deleted_keys(s3: Any) -> set[str]:
    return {m["Key"] for page in _listing(s3) for m in page.get("DeleteMarkers", []) if m["IsLatest"]}


def test_anything_else_is_deep_copied_as_before() -> None:
    value = {"a": [1, {"b": 2}]}
    copied = VersionsCopy().deepcopy(value)
    assert copied == value and copied["a"] is not value["a"]
    assert VersionsCopy().copy is copy.copy

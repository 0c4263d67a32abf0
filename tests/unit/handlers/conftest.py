"""Fixtures for the handler tests: moto AWS, the fake clock, the fake GitHub API."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from handler_support import (
    GOLD,
    RAW,
    SILVER,
    FakeClock,
    empty_moto_backends,
    transform_tables,
    versioned_buckets,
)
from moto import mock_aws

from harness.fixtures import load_events
from harness.local.fake_github import FakeGitHub
from harness.local.moto_dispatch import memoize_s3_url_patterns

memoize_s3_url_patterns()  # moto's S3 URL patterns loaded once, not on each request (moto_dispatch.py)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="session")
def boto_session() -> boto3.Session:
    """One session for all tests: it caches the service models, which boto3.client() would reload."""
    return boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )


@pytest.fixture(scope="session")
def aws_clients(boto_session: boto3.Session) -> dict[str, Any]:
    """The clients, made once per worker (about 10 ms of CPU each): moto intercepts a client's requests
    whenever a mock is active, whether the client was made before the mock started or not (its hook is
    registered when moto is imported, before any of these is made), so each test still starts them on
    empty backends."""
    names = {
        "s3": "s3",
        "glue": "glue",
        "cloudwatch": "cloudwatch",
        "ssm": "ssm",
        "secrets": "secretsmanager",
    }
    return {key: boto_session.client(service) for key, service in names.items()}


@pytest.fixture(scope="module")
def moto_mock() -> Iterator[None]:
    """One moto mock per module. Starting one registers ~1,100 URL callbacks with `responses` (for clients
    that use `requests`; boto3's requests go through moto's botocore hook): ~3 ms and ~2,200 objects for
    the garbage collector each time, which a test that needs empty backends need not pay (`aws_raw`)."""
    with mock_aws():
        yield


@pytest.fixture
def aws_raw(
    monkeypatch: pytest.MonkeyPatch, aws_clients: dict[str, Any], moto_mock: None
) -> Iterator[dict[str, Any]]:
    """moto in-process with the environment's Raw bucket (versioned) only: all the ingest and archive
    handlers touch. Whatever they wrote anywhere else would fail on a missing bucket. Each test starts on
    empty backends and leaves them empty, as a `mock_aws` of its own would; the mock itself (with boto3's
    default session and moto's credentials) is the module's, so a later test of the module that takes no
    `aws_raw` runs under it too (none of those calls AWS)."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    empty_moto_backends()
    try:
        versioned_buckets(RAW)
        yield dict(aws_clients)  # a test may rebind an entry; the clients themselves are shared
    finally:
        empty_moto_backends()


@pytest.fixture
def aws(aws_raw: dict[str, Any]) -> dict[str, Any]:
    """moto in-process: the environment's buckets (versioned), Glue database and tables."""
    versioned_buckets(SILVER, GOLD)
    transform_tables()
    return aws_raw


@pytest.fixture
def fixture_events() -> list[dict[str, Any]]:
    return load_events()


@pytest.fixture
def api(clock: FakeClock) -> Iterator[FakeGitHub]:
    server = FakeGitHub(clock=clock.epoch).start()
    try:
        yield server
    finally:
        server.stop()

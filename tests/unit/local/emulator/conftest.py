"""The emulator extensions, tested where they act: a local AWS process (moto server with every extension
applied), reached over HTTP by boto3 or by the raw request the AWS provider sends."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from harness.targets.endpoints import Endpoints
from harness.targets.target import Target, open_target


@pytest.fixture(scope="module")
def local() -> Iterator[Target]:
    with open_target("local", athena=False) as target:
        yield target


@pytest.fixture(scope="module")
def endpoints(local: Target) -> Endpoints:
    assert local.endpoints is not None
    return local.endpoints


@pytest.fixture(scope="module")
def client(local: Target) -> Callable[[str], Any]:
    return local.client

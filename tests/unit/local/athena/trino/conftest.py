"""One Trino per test session: the local AWS (moto with the harness's extensions) and a local Athena on
the Trino engine. The parent conftest's `lake`, `athena` and helpers then run on it unchanged."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from harness.local.athena import LocalAthenaServer
from harness.local.aws import LocalAws

from ..conftest import REGION


@pytest.fixture(scope="session")
def aws_endpoint() -> Iterator[str]:
    with LocalAws(with_athena=False) as endpoints:  # the Glue extensions Trino's metastore needs
        yield endpoints.aws


@pytest.fixture(scope="session")
def athena_server(aws_endpoint: str) -> Iterator[LocalAthenaServer]:
    with LocalAthenaServer(aws_endpoint=aws_endpoint, region=REGION, engine="trino") as server:
        server.backend.engine.server.wait_ready()  # type: ignore[attr-defined]
        yield server

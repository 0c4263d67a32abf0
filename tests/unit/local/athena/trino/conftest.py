"""One Trino per test session: the local AWS (moto with the harness's extensions) and a local Athena on
the Trino engine. The parent conftest's `lake`, `athena` and helpers then run on it unchanged."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from harness.local.athena import LocalAthenaServer
from harness.local.aws import LocalAws

from ..conftest import IN_PROCESS, REGION, client


@pytest.fixture(scope="session")
def aws_endpoint() -> Iterator[str]:
    with LocalAws(with_athena=False) as endpoints:  # the Glue extensions Trino's metastore needs
        yield endpoints.aws


@pytest.fixture(scope="session")
def athena_server(aws_endpoint: str) -> Iterator[LocalAthenaServer]:
    with LocalAthenaServer(aws_endpoint=aws_endpoint, region=REGION, engine="trino") as server:
        server.backend.engine.server.wait_ready()  # type: ignore[attr-defined]
        IN_PROCESS[server.url] = server
        yield server
        IN_PROCESS.pop(server.url, None)


@pytest.fixture(scope="session")
def athena(athena_server: LocalAthenaServer) -> Any:
    """Overridden with the two above: a session fixture is cached per name, so without this a worker that
    ran the DuckDB tests first would hand the Trino tests its client of the DuckDB local Athena."""
    return client("athena", athena_server.url)

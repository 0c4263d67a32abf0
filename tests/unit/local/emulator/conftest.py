"""The emulator extensions, tested where they act: a local AWS process (moto server with every extension
applied), reached over HTTP by boto3 or by the raw request the AWS provider sends.

One local AWS process for the whole run, shared by every module: starting one costs about a second of CPU,
and moto's reset endpoint costs more than a restart (it rebuilds
every backend, IAM's managed policies included). So the modules share its state instead, and each names
its resources apart from every other module's (a bucket, queue, role or trail name used in one module is
not used in another). Every module that uses it is in the xdist group "local-aws", so under `-n` one
worker runs them all and one process serves the whole run. It builds each service's backend on that
service's first request, as moto does: building the stack's dozen ahead (`_prepare_backends`, for the
first `tofu apply`; tests/unit/local/test_aws_prepared_backends.py) costs ~0.3 s of CPU these tests never
need.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from harness.local.aws import LocalAws
from harness.targets.endpoints import Endpoints
from harness.targets.target import Target


@pytest.fixture(scope="session")
def local() -> Iterator[Target]:
    with LocalAws(with_athena=False, prepare_backends=False) as endpoints:  # the `local` target's process
        yield Target("local", endpoints)


@pytest.fixture(scope="session")
def endpoints(local: Target) -> Endpoints:
    assert local.endpoints is not None
    return local.endpoints


@pytest.fixture(scope="session")
def client(local: Target) -> Callable[[str], Any]:
    """One boto3 client per service for the session (making one costs ~10-20 ms of CPU; boto3 clients are
    safe to share between tests)."""
    return functools.cache(local.client)


@pytest.fixture(scope="session")
def partitioned_table(client: Callable[[str], Any]) -> Callable[[str, list[str]], tuple[Any, str]]:
    """Makes a database of its own (named from a prefix) holding table `t`: column `n bigint`, partitioned by
    `dt`, with a partition for each of the days given; gives (the Glue client, the database's name)."""

    def make(prefix: str, days: list[str]) -> tuple[Any, str]:
        glue = client("glue")
        db = f"{prefix}_{uuid.uuid4().hex[:8]}"
        glue.create_database(DatabaseInput={"Name": db})
        glue.create_table(
            DatabaseName=db,
            TableInput={
                "Name": "t",
                "PartitionKeys": [{"Name": "dt", "Type": "string"}],
                "StorageDescriptor": {"Columns": [{"Name": "n", "Type": "bigint"}], "Location": "s3://b/t/"},
            },
        )
        glue.batch_create_partition(
            DatabaseName=db,
            TableName="t",
            PartitionInputList=[
                {"Values": [d], "StorageDescriptor": {"Location": f"s3://b/t/dt={d}/"}} for d in days
            ],
        )
        return glue, db

    return make

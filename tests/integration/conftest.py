"""Integration fixtures: the toolchain, a local AWS per xdist worker, Lambda zips, a deployed env."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness import lambda_zip
from harness.environment import Deployment, deploy, ephemeral_env_name
from harness.local_aws import LocalAws, LocalAwsEndpoints
from harness.paths import work_dir
from harness.tofu import Tofu, resolve
from harness.workspace import Endpoints


@pytest.fixture(scope="session")
def tofu() -> Tofu:
    return resolve(build=True)


@pytest.fixture(scope="session")
def local_aws() -> Iterator[LocalAwsEndpoints]:
    with LocalAws() as endpoints:
        yield endpoints


@pytest.fixture(scope="session")
def endpoints(local_aws: LocalAwsEndpoints) -> Endpoints:
    return Endpoints(aws=local_aws.aws, athena=local_aws.athena)


@pytest.fixture(scope="session")
def lambda_artifacts(worker_id_suffix: str) -> Path:
    out = work_dir() / f"zips-{worker_id_suffix}-{os.getpid()}"
    lambda_zip.build_all(out)
    return out


@pytest.fixture(scope="session")
def deployment(tofu: Tofu, endpoints: Endpoints, lambda_artifacts: Path) -> Iterator[Deployment]:
    """One ephemeral environment applied to the local AWS for the tests of the `deployed` xdist group.

    Its teardown destroys it and fails if anything of the environment is left behind.
    """
    env = ephemeral_env_name("it")
    dep = deploy(env, tofu, endpoints, lambda_artifacts, name=f"it-{env}")
    yield dep
    remaining = dep.destroy()
    assert remaining == [], f"destroy left resources of {env} behind: {remaining}"

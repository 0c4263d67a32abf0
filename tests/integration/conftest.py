"""Integration fixtures: the toolchain, the target, Lambda zips, a deployed env.

The deployed environment's target is chosen by TARGET (docs/targets.md) and opened by
harness.targets.target.open_target:
- local (default): the embedded moto server and local Athena of this worker, on loopback;
- localstack: the stack applied at $LOCALSTACK_ENDPOINT (default http://localhost:4566), queries through
  a local Athena engine reading LocalStack's Glue and S3;
- aws: a real account (credentials from the environment) and real Athena. Refuses to start without an
  explicit ephemeral environment name in LAKEHOUSE_ENV; the environment is destroyed at the end whatever
  happened (the fixture's teardown runs on failures too, and a failed apply destroys what it applied).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.errors import HarnessError
from harness.iac.tofu import Tofu, resolve
from harness.local.fake_archive import FakeArchive
from harness.local.fake_github import FakeGitHub
from harness.paths import work_dir
from harness.pipeline import zips as lambda_zip
from harness.pipeline.counts import Lake
from harness.pipeline.runtime import LambdaRuntime
from harness.pipeline.schedule import Pipeline
from harness.targets.endpoints import Endpoints
from harness.targets.environment import Deployment, deploy
from harness.targets.names import ephemeral_env_name
from harness.targets.target import Target, open_target, target_name_from_env


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked `after_scenarios` run after all others (they compare what the scenarios left)."""
    items.sort(key=lambda item: item.get_closest_marker("after_scenarios") is not None)  # stable sort


@pytest.fixture(scope="session")
def tofu() -> Tofu:
    return resolve(build=True)


@pytest.fixture(scope="session")
def local_target() -> Iterator[Target]:
    """This worker's embedded AWS with its local Athena, where the session's environment is deployed."""
    with open_target("local") as target:
        yield target


@pytest.fixture(scope="session")
def endpoints() -> Iterator[Endpoints]:
    """This worker's embedded AWS without a local Athena, for tests that plan or apply and never query: a
    worker that runs only those starts no Athena engine (on Trino, a JVM: ~20-30 s of CPU)."""
    with open_target("local", athena=False) as target:
        assert target.endpoints is not None
        yield target.endpoints


@pytest.fixture(scope="session")
def lambda_artifacts(worker_id_suffix: str) -> Path:
    out = work_dir() / f"zips-{worker_id_suffix}-{os.getpid()}"
    lambda_zip.build_all(out)
    return out


@pytest.fixture(scope="session")
def target(request: pytest.FixtureRequest) -> Iterator[Target]:
    """Where the session's environment is deployed (TARGET)."""
    try:
        name = target_name_from_env()
    except HarnessError as exc:
        raise pytest.UsageError(str(exc)) from None
    if name == "local":
        yield request.getfixturevalue("local_target")
        return
    with open_target(name) as opened:
        yield opened


@pytest.fixture(scope="session")
def env_name(target: Target) -> str:
    """The session's environment: a fresh ephemeral name, or on a real account the one LAKEHOUSE_ENV gives."""
    if target.emulated:
        return ephemeral_env_name("it")
    name = os.environ.get("LAKEHOUSE_ENV", "").strip()
    try:
        target.check_disposable(name)
    except HarnessError as exc:
        pytest.exit(f"{exc.line} (set LAKEHOUSE_ENV=pr-<n> or it-<id>)", returncode=4)
    return name


@pytest.fixture(scope="session")
def fake_github() -> Iterator[FakeGitHub]:
    """The GitHub API the deployed ingest function polls (its URL is applied as github_api_url)."""
    with FakeGitHub([], poll_interval=60) as api:
        yield api


@pytest.fixture(scope="session")
def archive_settings() -> dict[str, int]:
    """The deployed archive function's lag and lookback: a short lookback keeps a firing to a few hours."""
    return {"lag_hours": 1, "lookback_hours": 3}


@pytest.fixture(scope="session")
def fake_archive() -> Iterator[FakeArchive]:
    """The GH Archive the deployed archive function loads (its URL is applied as archive.base_url).

    Every hour is published, 40 lines each, a few of them invalid; scenarios withdraw hours or queue faults.
    """
    with FakeArchive(seed=15, events_per_hour=40, invalid_fraction=0.05) as archive:
        yield archive


@pytest.fixture(scope="session")
def deployment(
    tofu: Tofu,
    target: Target,
    env_name: str,
    lambda_artifacts: Path,
    fake_github: FakeGitHub,
    fake_archive: FakeArchive,
    archive_settings: dict[str, int],
) -> Iterator[Deployment]:
    """One ephemeral environment applied to the target for the tests of the `deployed` xdist group.

    Its teardown destroys it (also when tests failed) and fails if anything of the environment is left.
    """
    dep = deploy(
        target,
        env_name,
        tofu,
        lambda_artifacts,
        name=f"it-{env_name}",
        extra_vars={
            "github_api_url": fake_github.url,
            "archive": {"base_url": fake_archive.url, **archive_settings},
        },
    )
    try:
        yield dep
    finally:
        remaining = dep.destroy()
        assert remaining == [], f"destroy left resources of {env_name} behind: {remaining}"


@pytest.fixture(scope="session")
def pipeline(
    deployment: Deployment, target: Target, lambda_artifacts: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Pipeline]:
    """The deployed functions and schedules, read back, with a runtime that runs their zips."""
    runtime = LambdaRuntime(aws_env=target.client_env(), work_dir=tmp_path_factory.mktemp("lambda-code"))
    pipe = Pipeline.load(
        env=deployment.env, client=deployment.client, runtime=runtime, search_dirs=[lambda_artifacts]
    )
    yield pipe
    runtime.close()


@pytest.fixture(scope="session")
def lake(deployment: Deployment, target: Target) -> Iterator[Lake]:
    lake = target.lake(deployment.outputs)
    yield lake
    lake.close()

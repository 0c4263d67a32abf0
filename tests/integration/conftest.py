"""Integration fixtures: the toolchain, a local AWS per xdist worker, Lambda zips, a deployed env.

The deployed environment's target is chosen by TARGET (docs/targets.md):
- local (default): the embedded moto server and local Athena of this worker, on loopback;
- localstack: the stack applied at $LOCALSTACK_ENDPOINT (default http://localhost:4566), queries through
  a local Athena engine reading LocalStack's Glue and S3;
- aws: a real account (credentials from the environment) and real Athena. Refuses to start without an
  explicit ephemeral environment name in LAKEHOUSE_ENV; the environment is destroyed at the end whatever
  happened (the fixture's teardown runs on failures too).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from harness.iac.tofu import Tofu, resolve
from harness.iac.workspace import Endpoints
from harness.local.aws import CREDENTIALS, REGION, LocalAws, LocalAwsEndpoints
from harness.local.fake_github import FakeGitHub
from harness.paths import work_dir
from harness.pipeline import zips as lambda_zip
from harness.pipeline.counts import Lake
from harness.pipeline.runtime import LambdaRuntime
from harness.pipeline.schedule import Pipeline
from harness.targets.environment import Deployment, deploy, ephemeral_env_name


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


TARGETS = ("local", "localstack", "aws")
# Ephemeral names only on a real account: never dev/staging/prod, whatever LAKEHOUSE_ENV says.
AWS_EPHEMERAL = re.compile(r"^(pr|it|eph)-[a-z0-9-]{1,26}[a-z0-9]$")


@dataclass
class Target:
    """Where the deployed environment lives and how code reaches it."""

    name: str
    env: str
    endpoints: Endpoints | None  # None: real AWS
    aws_env: dict[str, str] = field(default_factory=dict)  # for Lambda subprocesses

    @property
    def athena_endpoint(self) -> str | None:
        return self.endpoints.athena if self.endpoints else None


def _target_name() -> str:
    name = os.environ.get("TARGET", "local").strip() or "local"
    if name not in TARGETS:
        raise pytest.UsageError(f"TARGET={name!r}: choose one of {', '.join(TARGETS)}")
    return name


@pytest.fixture(scope="session")
def target(request: pytest.FixtureRequest) -> Iterator[Target]:
    name = _target_name()
    if name == "local":
        local: LocalAwsEndpoints = request.getfixturevalue("local_aws")
        yield Target(
            "local",
            ephemeral_env_name("it"),
            Endpoints(aws=local.aws, athena=local.athena),
            local.client_env(),
        )
        return
    if name == "localstack":
        from harness.local.athena import LocalAthenaServer

        url = os.environ.get("LOCALSTACK_ENDPOINT", "http://localhost:4566")
        athena = LocalAthenaServer(aws_endpoint=url, region=REGION, access_key="test", secret_key="test")
        athena.start()
        try:
            env = {
                "AWS_ACCESS_KEY_ID": "test",
                "AWS_SECRET_ACCESS_KEY": "test",
                "AWS_DEFAULT_REGION": REGION,
                "AWS_REGION": REGION,
                "AWS_ENDPOINT_URL": url,
                "AWS_ENDPOINT_URL_ATHENA": athena.url,
            }
            endpoints = Endpoints(aws=url, athena=athena.url, access_key="test", secret_key="test")
            yield Target("localstack", ephemeral_env_name("it"), endpoints, env)
        finally:
            athena.stop()
        return
    env_name = os.environ.get("LAKEHOUSE_ENV", "").strip()
    if not AWS_EPHEMERAL.match(env_name):
        pytest.exit(
            "TARGET=aws needs an explicit ephemeral environment name: set LAKEHOUSE_ENV=pr-<n> or it-<id> "
            f"(got {env_name!r}); the suite applies and destroys it",
            returncode=4,
        )
    yield Target("aws", env_name, None, {})


@pytest.fixture(scope="session")
def fake_github() -> Iterator[FakeGitHub]:
    """The GitHub API the deployed ingest function polls (its URL is applied as github_api_url)."""
    with FakeGitHub([], poll_interval=60) as api:
        yield api


@pytest.fixture(scope="session")
def deployment(
    tofu: Tofu, target: Target, lambda_artifacts: Path, fake_github: FakeGitHub
) -> Iterator[Deployment]:
    """One ephemeral environment applied to the target for the tests of the `deployed` xdist group.

    Its teardown destroys it (also when tests failed) and fails if anything of the environment is left.
    """
    env = target.env
    try:
        dep = deploy(
            env,
            tofu,
            target.endpoints,
            lambda_artifacts,
            name=f"it-{env}",
            extra_vars={"github_api_url": fake_github.url},
        )
    except BaseException:
        if target.name == "aws":  # a half-applied real environment must not outlive the run
            _destroy_partial(env, tofu, target, lambda_artifacts, fake_github.url)
        raise
    try:
        yield dep
    finally:
        remaining = dep.destroy()
        assert remaining == [], f"destroy left resources of {env} behind: {remaining}"


def _destroy_partial(env: str, tofu: Tofu, target: Target, artifacts: Path, api_url: str) -> None:
    from harness.iac.workspace import Workspace

    ws = Workspace(
        name=f"it-{env}",
        env=env,
        tofu=tofu,
        endpoints=target.endpoints,
        variables={"lambda_artifacts_dir": str(artifacts), "force_destroy": True, "github_api_url": api_url},
    )
    ws.destroy()


@pytest.fixture(scope="session")
def pipeline(
    deployment: Deployment, target: Target, lambda_artifacts: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Pipeline]:
    """The deployed functions and schedules, read back, with a runtime that runs their zips."""
    runtime = LambdaRuntime(aws_env=target.aws_env, work_dir=tmp_path_factory.mktemp("lambda-code"))
    pipe = Pipeline.load(
        env=deployment.env, client=deployment.client, runtime=runtime, search_dirs=[lambda_artifacts]
    )
    yield pipe
    runtime.close()


@pytest.fixture(scope="session")
def lake(deployment: Deployment, target: Target) -> Iterator[Lake]:
    lake = Lake.connect(
        deployment.outputs,
        s3=deployment.client("s3"),
        athena_endpoint=target.athena_endpoint,
        credentials=CREDENTIALS if target.endpoints is not None else None,
    )
    yield lake
    lake.close()

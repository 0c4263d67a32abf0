"""One target: where the stack is deployed and how everything (tofu, boto3, pyathena, Lambda code) reaches it.

- local: AWS APIs from the embedded moto server (harness.local.aws), Athena from the harness's local Athena,
  moto's test credentials;
- localstack: AWS APIs at $LOCALSTACK_ENDPOINT (default http://localhost:4566), Athena from a local Athena
  over LocalStack's Glue and S3 when asked, LocalStack's test credentials;
- aws: a real account and real Athena, credentials and region from the environment.

`open_target` starts what a target needs for as long as it is open and checks its guard rails first: an
emulated endpoint must answer, and a real account is only ever touched under an explicit environment name.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from harness.errors import DeployError, EndpointUnreachable
from harness.iac.tofu import Tofu
from harness.iac.workspace import Workspace
from harness.targets.endpoints import LOCALSTACK_CREDENTIALS, REGION, Endpoints
from harness.targets.names import is_ephemeral

TARGETS = ("local", "localstack", "aws")
LOCALSTACK_DEFAULT = "http://localhost:4566"


@dataclass(frozen=True)
class Target:
    name: str  # local | localstack | aws
    endpoints: Endpoints | None = None  # None: real AWS, credentials and region from the environment

    def __post_init__(self) -> None:
        if self.name not in TARGETS:
            raise DeployError(f"unknown target {self.name!r}; choose from {', '.join(TARGETS)}")
        if (self.endpoints is None) != (self.name == "aws"):
            raise DeployError(f"target {self.name}: emulated targets need endpoints, aws takes none")

    @property
    def region(self) -> str:
        if self.endpoints is not None:
            return self.endpoints.region
        return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or REGION

    @property
    def emulated(self) -> bool:
        return self.endpoints is not None

    @property
    def athena_endpoint(self) -> str | None:
        return self.endpoints.athena if self.endpoints else None

    @property
    def credentials(self) -> Mapping[str, str] | None:
        """The test credentials of an emulated target; None on AWS (the environment's own)."""
        return self.endpoints.credentials if self.endpoints else None

    def client_env(self) -> dict[str, str]:
        """Environment variables for boto3/pyathena/Lambda subprocesses: empty on AWS (they inherit)."""
        return self.endpoints.client_env() if self.endpoints else {}

    def client(self, service: str) -> Any:
        """A boto3 client for this target (the emulated endpoint and its test credentials when emulated)."""
        import boto3
        from botocore.config import Config

        kwargs: dict[str, Any] = {"region_name": self.region, "config": Config(retries={"max_attempts": 3})}
        if self.endpoints is not None:
            creds = self.endpoints.credentials
            kwargs |= {
                "endpoint_url": self.endpoints.for_service(service),
                "aws_access_key_id": creds["AWS_ACCESS_KEY_ID"],
                "aws_secret_access_key": creds["AWS_SECRET_ACCESS_KEY"],
                "aws_session_token": creds.get("AWS_SESSION_TOKEN"),
            }
        return boto3.client(service, **kwargs)

    def workspace(
        self,
        name: str,
        env: str,
        tofu: Tofu,
        *,
        variables: Mapping[str, Any] | None = None,
        var_files: Sequence[Path] = (),
        backend_config: Sequence[str] = (),
        source: Path | None = None,
    ) -> Workspace:
        """A working copy of the stack aimed at this target: local state when emulated, S3 state on AWS."""
        extra: dict[str, Any] = {"source": source} if source is not None else {}
        return Workspace(
            name=name,
            env=env,
            tofu=tofu,
            endpoints=self.endpoints,
            local_state=self.emulated,
            variables=dict(variables or {}),
            var_files=list(var_files),
            backend_config=list(backend_config),
            **extra,
        )

    def lake(self, outputs: Mapping[str, Any]) -> Any:
        """The deployed lake's counts through pyathena and boto3 on this target."""
        from harness.pipeline.counts import Lake

        return Lake.connect(
            outputs,
            s3=self.client("s3"),
            athena_endpoint=self.athena_endpoint,
            credentials=self.credentials,
            region=self.region,
        )

    def check_disposable(self, env: str) -> None:
        """Guard rail for code that applies and destroys an environment: on a real account only ephemeral
        names (pr-<n>, it-<id>, ...), never dev/staging/prod whatever the caller was told."""
        if self.name == "aws" and not is_ephemeral(env):
            raise DeployError(
                f"TARGET=aws needs an explicit ephemeral environment name (pr-<n>, it-<id>), got {env!r}: "
                "it is applied and destroyed"
            )

    @classmethod
    def from_client_env(cls, name: str, environ: Mapping[str, str]) -> Target:
        """The target a subprocess was pointed at through client_env() (the smoke suite's view)."""
        url = environ.get("AWS_ENDPOINT_URL", "").strip()
        if name == "aws" or not url:
            return cls("aws")
        keys = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
        creds = {k: environ[k] for k in keys if environ.get(k)}
        athena = environ.get("AWS_ENDPOINT_URL_ATHENA") or None
        region = environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or REGION
        credentials = creds or LOCALSTACK_CREDENTIALS
        return cls(name, Endpoints(aws=url, athena=athena, credentials=credentials, region=region))


def check_reachable(url: str, what: str, hint: str, timeout: float = 3.0) -> None:
    """EndpointUnreachable, in one line, when nothing accepts a connection at url."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise EndpointUnreachable(f"{what} URL {url!r} is not an http(s) URL; {hint}")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname, port), timeout=timeout):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise EndpointUnreachable(f"{what} at {url} does not answer ({reason}); {hint}") from None


def localstack_url() -> str:
    """$LOCALSTACK_ENDPOINT (default http://localhost:4566), checked to answer."""
    url = os.environ.get("LOCALSTACK_ENDPOINT", "").strip() or LOCALSTACK_DEFAULT
    check_reachable(url, "LocalStack", "start LocalStack or set LOCALSTACK_ENDPOINT")
    return url


@contextmanager
def open_target(name: str, *, athena: bool = True) -> Iterator[Target]:
    """The target, with what it needs running for as long as the block lasts.

    athena: a local Athena where the target has none of its own (always on local unless False; on
    localstack only when True, over LocalStack's Glue and S3).
    """
    if name == "local":
        from harness.local.aws import LocalAws

        with LocalAws(with_athena=athena) as endpoints:
            yield Target("local", endpoints)
        return
    if name == "localstack":
        url = localstack_url()
        if not athena:
            yield Target("localstack", Endpoints(aws=url, credentials=LOCALSTACK_CREDENTIALS))
            return
        from harness.local.athena import LocalAthenaServer

        creds = LOCALSTACK_CREDENTIALS
        server = LocalAthenaServer(
            aws_endpoint=url,
            region=REGION,
            access_key=creds["AWS_ACCESS_KEY_ID"],
            secret_key=creds["AWS_SECRET_ACCESS_KEY"],
        )
        server.start()
        try:
            yield Target("localstack", Endpoints(aws=url, athena=server.url, credentials=creds))
        finally:
            server.stop()
        return
    if name == "aws":
        yield Target("aws")
        return
    raise DeployError(f"unknown target {name!r}; choose from {', '.join(TARGETS)}")


def target_name_from_env(environ: Mapping[str, str] | None = None) -> str:
    """$TARGET, default local; a clear error for anything else."""
    name = (os.environ if environ is None else environ).get("TARGET", "").strip() or "local"
    if name not in TARGETS:
        raise DeployError(f"TARGET={name!r}: choose one of {', '.join(TARGETS)}")
    return name

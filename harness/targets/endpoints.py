"""Where an emulated target answers, with which test credentials, and the client environment for it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

REGION = "us-east-1"
# moto accepts any credentials; these are the ones its docs use.
TEST_CREDENTIALS: Mapping[str, str] = MappingProxyType(
    {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing"}
)
LOCALSTACK_CREDENTIALS: Mapping[str, str] = MappingProxyType(
    {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}
)


@dataclass(frozen=True)
class Endpoints:
    """One URL for most services, optionally Athena elsewhere (the harness's local Athena)."""

    aws: str
    athena: str | None = None
    credentials: Mapping[str, str] = field(default_factory=lambda: TEST_CREDENTIALS)
    region: str = REGION

    @property
    def access_key(self) -> str:
        return self.credentials["AWS_ACCESS_KEY_ID"]

    @property
    def secret_key(self) -> str:
        return self.credentials["AWS_SECRET_ACCESS_KEY"]

    def for_service(self, service: str) -> str:
        return self.athena if service == "athena" and self.athena else self.aws

    def client_env(self) -> dict[str, str]:
        """Environment for boto3, pyathena, the AWS CLI and Lambda subprocesses that should talk here."""
        env = {
            **self.credentials,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_REGION": self.region,
            "AWS_ENDPOINT_URL": self.aws,
        }
        if self.athena:
            env["AWS_ENDPOINT_URL_ATHENA"] = self.athena
        return env

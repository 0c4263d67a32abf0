"""A deployed environment of the stack: apply, read back, destroy, and prove nothing is left.

Used by the integration suite, the smoke suite on the local target and the `lakehouse` CLI.
"""

from __future__ import annotations

import os
import re
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from harness.iac.tofu import Tofu
from harness.iac.workspace import Endpoints, Workspace
from harness.local.aws import CREDENTIALS, REGION

ENV_NAME = re.compile(r"^[a-z][a-z0-9-]{1,30}[a-z0-9]$")


def ephemeral_env_name(prefix: str = "it") -> str:
    """A unique, valid environment name per run and per xdist worker (e.g. it-3f9a1c-gw1)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "w")
    name = f"{prefix}-{uuid.uuid4().hex[:6]}-{worker}"
    if not ENV_NAME.match(name):
        raise ValueError(f"generated env name {name!r} is not valid")
    return name


@dataclass
class Deployment:
    env: str
    workspace: Workspace
    endpoints: Endpoints | None
    outputs: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    def client(self, service: str) -> Any:
        """A boto3 client for this environment's target (the local endpoints when emulated)."""
        kwargs: dict[str, Any] = {"region_name": REGION, "config": Config(retries={"max_attempts": 3})}
        if self.endpoints is not None:
            kwargs |= {
                "endpoint_url": self.endpoints.for_service(service),
                "aws_access_key_id": CREDENTIALS["AWS_ACCESS_KEY_ID"],
                "aws_secret_access_key": CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
                "aws_session_token": CREDENTIALS["AWS_SESSION_TOKEN"],
            }
        return boto3.client(service, **kwargs)

    def destroy(self) -> list[str]:
        """tofu destroy, then list what of this environment still exists (empty when clean)."""
        started = time.monotonic()
        self.workspace.destroy()
        self.timings["destroy"] = time.monotonic() - started
        return leftovers(self)


def deploy(
    env: str,
    tofu: Tofu,
    endpoints: Endpoints | None,
    artifacts_dir: Path,
    name: str | None = None,
    extra_vars: dict[str, Any] | None = None,
) -> Deployment:
    """init + apply an ephemeral environment (force_destroy on) and read its outputs."""
    ws = Workspace(
        name=name or f"env-{env}",
        env=env,
        tofu=tofu,
        endpoints=endpoints,
        variables={"lambda_artifacts_dir": str(artifacts_dir), "force_destroy": True, **(extra_vars or {})},
    )
    dep = Deployment(env=env, workspace=ws, endpoints=endpoints)
    started = time.monotonic()
    ws.init()
    ws.apply()
    dep.timings["apply"] = time.monotonic() - started
    dep.outputs = ws.outputs()
    return dep


def leftovers(dep: Deployment) -> list[str]:
    """Everything of the environment still present, found by name prefix and by the env tag."""
    prefix, env = f"dp-{dep.env}-", dep.env
    found: list[str] = []
    s3 = dep.client("s3")
    found += [f"s3:{b['Name']}" for b in s3.list_buckets().get("Buckets", []) if b["Name"].startswith(prefix)]
    lam = dep.client("lambda")
    found += [
        f"lambda:{f['FunctionName']}"
        for f in lam.list_functions()["Functions"]
        if f["FunctionName"].startswith(prefix)
    ]
    iam = dep.client("iam")
    found += [f"iam:{r['RoleName']}" for r in iam.list_roles()["Roles"] if r["RoleName"].startswith(prefix)]
    logs = dep.client("logs")
    found += [
        f"logs:{g['logGroupName']}"
        for g in logs.describe_log_groups(logGroupNamePrefix=f"/aws/lambda/{prefix}")["logGroups"]
    ]
    events = dep.client("events")
    found += [f"events:{r['Name']}" for r in events.list_rules(NamePrefix=prefix)["Rules"]]
    sqs = dep.client("sqs")
    found += [f"sqs:{u}" for u in sqs.list_queues(QueueNamePrefix=prefix).get("QueueUrls", [])]
    sns = dep.client("sns")
    found += [f"sns:{t['TopicArn']}" for t in sns.list_topics()["Topics"] if f":{prefix}" in t["TopicArn"]]
    cw = dep.client("cloudwatch")
    found += [f"alarm:{a['AlarmName']}" for a in cw.describe_alarms(AlarmNamePrefix=prefix)["MetricAlarms"]]
    trail = dep.client("cloudtrail")
    found += [
        f"trail:{t['Name']}" for t in trail.describe_trails()["trailList"] if t["Name"].startswith(prefix)
    ]
    glue = dep.client("glue")
    database = "lakehouse_" + env.replace("-", "_")
    found += [f"glue:{d['Name']}" for d in glue.get_databases()["DatabaseList"] if d["Name"] == database]
    athena = dep.client("athena")
    found += [
        f"athena:{w['Name']}" for w in athena.list_work_groups()["WorkGroups"] if w["Name"].startswith(prefix)
    ]
    kms = dep.client("kms")
    found += [
        f"kms:{a['AliasName']}"
        for a in kms.list_aliases()["Aliases"]
        if a["AliasName"].startswith(f"alias/{prefix}")
    ]
    # Keys cannot be deleted at once, only scheduled: a key of this env still Enabled is a leftover.
    for key in kms.list_keys()["Keys"]:
        meta = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
        if meta.get("KeyState") == "Enabled":
            tags = {
                t["TagKey"]: t["TagValue"] for t in kms.list_resource_tags(KeyId=key["KeyId"]).get("Tags", [])
            }
            if tags.get("env") == env:
                found.append(f"kms-key:{key['KeyId']}")
    return sorted(found)

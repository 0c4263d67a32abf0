"""Smoke-suite fixtures: the environment `harness.commands.deploy smoke` names, reached with pyathena.

Set by `make smoke` (python -m harness.commands.deploy smoke): LAKEHOUSE_ENV, LAKEHOUSE_TARGET,
LAKEHOUSE_OUTPUTS (a JSON file of the stack's outputs) and, for emulated targets, the AWS endpoint variables
(AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_ATHENA) and test credentials.

A freshly applied local environment has seen no traffic, so on TARGET=local (only there) the suite first
runs the deployed pipeline for yesterday and today against the fake GitHub API: the deployed functions'
code, handlers and settings, with GITHUB_API_URL pointed at the fake (the local stack is applied with the
default, unreachable here). LAKEHOUSE_SMOKE_SEED=0 turns that off, to watch the suite fail on an empty lake.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from harness.pipeline.counts import Lake
from harness.targets.target import Target


@dataclass(frozen=True)
class Deployed:
    env: str
    target: str
    outputs: dict[str, Any]

    @property
    def where(self) -> Target:
        """The target `make smoke` pointed this process at through its client environment."""
        return Target.from_client_env(self.target, os.environ)

    def client(self, service: str) -> Any:
        return self.where.client(service)


def _require(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        pytest.exit(
            f"{name} is not set: run the smoke suite through `make smoke ENV=<env> [TARGET=...]`",
            returncode=4,
        )
    return value


@pytest.fixture(scope="session")
def deployed() -> Deployed:
    outputs_file = Path(_require("LAKEHOUSE_OUTPUTS"))
    if not outputs_file.is_file():
        pytest.exit(f"LAKEHOUSE_OUTPUTS={outputs_file} does not exist", returncode=4)
    outputs = json.loads(outputs_file.read_text(encoding="utf-8"))
    return Deployed(_require("LAKEHOUSE_ENV"), os.environ.get("LAKEHOUSE_TARGET", "aws"), outputs)


def _seed_local(dep: Deployed) -> None:
    from harness.fixtures import load_events
    from harness.local.fake_github import FakeGitHub
    from harness.paths import work_dir
    from harness.pipeline.runtime import LambdaRuntime
    from harness.pipeline.schedule import Pipeline

    runtime = LambdaRuntime(aws_env=dep.where.client_env())
    pipe = Pipeline.load(
        env=dep.env, client=dep.client, runtime=runtime, search_dirs=[work_dir() / "deploy-zips"]
    )
    today = datetime.now(UTC).date()
    with FakeGitHub([]) as api:
        pipe.functions["ingest"].environment["GITHUB_API_URL"] = api.url
        for n, day in enumerate((today - timedelta(days=1), today)):
            events = copy.deepcopy(load_events())
            for e in events:
                e["id"] = f"9{n}{e['id']}"
            api.load_events(events)
            pipe.reset_ingest_state()
            pipe.invoke("ingest", {"ingest_dt": day.isoformat(), "force": True}).raise_for_error()
        start = (today - timedelta(days=1)).isoformat()
        pipe.invoke("silver", {"from_dt": start, "to_dt": today.isoformat()}).raise_for_error()
        pipe.invoke("gold", {"ingest_dt": start}).raise_for_error()
    runtime.close()


@pytest.fixture(scope="session")
def lake(deployed: Deployed) -> Iterator[Lake]:
    if deployed.target == "local" and os.environ.get("LAKEHOUSE_SMOKE_SEED", "1") != "0":
        _seed_local(deployed)
    lake = deployed.where.lake(deployed.outputs)
    yield lake
    lake.close()

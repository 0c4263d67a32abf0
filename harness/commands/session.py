"""An environment `lakehouse run` can push events through: the deployed functions, the lake and the feed.

`local_environment` starts one from nothing (the embedded AWS, the fake GitHub API, a fresh deployment)
and destroys it on the way out, also on errors; `lakehouse run` uses it when no `lakehouse up` is running,
and the `up` process keeps one open until `lakehouse down`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.commands.feed import Feed
from harness.console import say, step
from harness.paths import work_dir
from harness.targets.target import Target


@dataclass
class Session:
    """What `run` needs of an environment."""

    env: str
    feed: Feed
    pipe: Any  # harness.pipeline.schedule.Pipeline
    lake: Any  # harness.pipeline.counts.Lake


def session_for(target: Target, env: str, outputs: dict[str, Any], zips: Path, feed: Feed) -> Session:
    from harness.pipeline.runtime import LambdaRuntime
    from harness.pipeline.schedule import Pipeline

    runtime = LambdaRuntime(aws_env=target.client_env())
    pipe = Pipeline.load(env=env, client=target.client, runtime=runtime, search_dirs=[zips])
    return Session(env, feed, pipe, target.lake(outputs))


@dataclass
class LocalEnvironment:
    target: Target
    api: Any  # harness.local.fake_github.FakeGitHub, whose URL the ingest function polls
    deployment: Any  # harness.targets.environment.Deployment
    zips: Path
    leftovers: list[str] = field(default_factory=list)  # what destroy left behind, once it ran

    @property
    def env(self) -> str:
        return str(self.deployment.env)


@contextlib.contextmanager
def local_environment(prefix: str, extra_vars: dict[str, Any] | None = None) -> Iterator[LocalEnvironment]:
    """The embedded AWS, the fake GitHub API and a fresh deployment (root variables ``extra_vars`` on top,
    e.g. the archive the archive function reads); destroyed on the way out."""
    from harness.iac.tofu import resolve
    from harness.local.fake_github import FakeGitHub
    from harness.pipeline import zips as lambda_zip
    from harness.targets.environment import deploy
    from harness.targets.names import ephemeral_env_name
    from harness.targets.target import open_target

    env = ephemeral_env_name(prefix)
    zips = work_dir() / f"cli-zips-{env}"
    lambda_zip.build_all(zips)
    with contextlib.ExitStack() as stack:
        with step("lakehouse", "starting the local AWS"):
            tofu = resolve(build=True)
            target = stack.enter_context(open_target("local"))
        api = stack.enter_context(FakeGitHub([], poll_interval=60))
        with step("lakehouse", f"applying the stack as {env}", "about 15 seconds"):
            variables = {"github_api_url": api.url, **(extra_vars or {})}
            dep = deploy(target, env, tofu, zips, name=f"cli-{env}", extra_vars=variables)
        local = LocalEnvironment(target, api, dep, zips)
        try:
            yield local
        finally:
            with step("lakehouse", f"destroying {env}", "about 10 seconds"):
                local.leftovers = dep.destroy()
            if local.leftovers:
                say("lakehouse", f"warning: destroy left {local.leftovers}")

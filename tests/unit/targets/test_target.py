"""harness.targets.target without a deployment: client environments, workspaces, guard rails."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from harness.errors import DeployError, EndpointUnreachable
from harness.iac.tofu import Tofu
from harness.targets.endpoints import LOCALSTACK_CREDENTIALS, Endpoints
from harness.targets.target import Target, check_reachable, open_target, target_name_from_env

LOCAL = Target("local", Endpoints(aws="http://127.0.0.1:5000", athena="http://127.0.0.1:5001"))


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # closed again when the block ends: nothing listens there


def test_client_env_of_an_emulated_target() -> None:
    env = LOCAL.client_env()
    assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:5000"
    assert env["AWS_ENDPOINT_URL_ATHENA"] == "http://127.0.0.1:5001"
    assert env["AWS_ACCESS_KEY_ID"] == "testing" and env["AWS_REGION"] == "us-east-1"
    assert Target("aws").client_env() == {}


def test_a_subprocess_sees_the_target_it_was_pointed_at() -> None:
    assert Target.from_client_env("local", LOCAL.client_env()) == LOCAL
    assert Target.from_client_env("aws", LOCAL.client_env()) == Target("aws")


def test_clients_go_to_the_service_endpoint() -> None:
    assert LOCAL.client("s3").meta.endpoint_url == "http://127.0.0.1:5000"
    assert LOCAL.client("athena").meta.endpoint_url == "http://127.0.0.1:5001"


def test_workspaces_keep_local_state_only_when_emulated(tmp_path: Path) -> None:
    tofu = Tofu(binary=tmp_path / "tofu")
    local = LOCAL.workspace("t-local", "dev", tofu, variables={"a": 1})
    assert local.local_state and local.endpoints == LOCAL.endpoints and local.variables == {"a": 1}
    aws = Target("aws").workspace("t-aws", "dev", tofu, backend_config=["bucket=b"])
    assert not aws.local_state and aws.endpoints is None and aws.backend_config == ["bucket=b"]


def test_targets_are_checked() -> None:
    with pytest.raises(DeployError, match="unknown target"):
        Target("gcp")
    with pytest.raises(DeployError, match="need endpoints"):
        Target("local")
    with pytest.raises(DeployError, match="choose one of"):
        target_name_from_env({"TARGET": "gcp"})
    assert target_name_from_env({}) == "local"


@pytest.mark.parametrize("env", ["dev", "staging", "prod", ""])
def test_a_real_account_is_only_touched_under_an_ephemeral_name(env: str) -> None:
    with pytest.raises(DeployError, match="ephemeral environment name"):
        Target("aws").check_disposable(env)
    Target("aws").check_disposable("pr-12")
    LOCAL.check_disposable(env or "dev")  # emulated accounts end with their process


def test_unreachable_endpoint_is_one_line() -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    with pytest.raises(EndpointUnreachable, match=f"LocalStack at {url} does not answer"):
        check_reachable(url, "LocalStack", "start it")
    with pytest.raises(EndpointUnreachable, match="not an http"):
        check_reachable("localhost:4566", "LocalStack", "start it")


def test_localstack_without_athena_uses_its_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        url = f"http://127.0.0.1:{server.getsockname()[1]}"
        monkeypatch.setenv("LOCALSTACK_ENDPOINT", url)
        with open_target("localstack", athena=False) as target:
            assert target.endpoints == Endpoints(aws=url, credentials=LOCALSTACK_CREDENTIALS)


def test_unreachable_localstack_stops_deploy_with_one_line(repo_root: Path, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "TF_BIN"}
    env |= {
        "LOCALSTACK_ENDPOINT": f"http://127.0.0.1:{_closed_port()}",
        "LAKEHOUSE_ROOT": str(repo_root),
        "LAKEHOUSE_TOOLS_CACHE": str(tmp_path / "tools"),  # nothing may start building tools
    }
    proc = subprocess.run(
        [sys.executable, "-m", "harness.commands.deploy", "plan", "--env", "dev", "--target", "localstack"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    (line,) = [x for x in proc.stderr.splitlines() if "error:" in x]
    assert line.startswith("[deploy] error: LocalStack at http://127.0.0.1:") and "does not answer" in line

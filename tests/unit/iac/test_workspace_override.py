"""The generated override chooses backend, provider pin and emulator settings, and nothing else; the
emulator's endpoints reach the provider through the tofu process's environment."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from harness.iac.tofu import Tofu
from harness.iac.workspace import PROVIDER_SERVICES, SERVICE_ENDPOINT_VARS, Endpoints, Workspace, override_hcl

LOCAL = Endpoints(aws="http://127.0.0.1:1", athena="http://127.0.0.1:2")


def test_local_target_override_has_local_state_pin_and_emulator_settings_but_no_endpoints_block() -> None:
    text = override_hcl(Path("/w/state.tfstate"), LOCAL, "6.48.0-dev.20260602")
    assert 'backend "local"' in text and 'path = "/w/state.tfstate"' in text
    assert 'version = "6.48.0-dev.20260602"' in text
    assert 'access_key                  = "testing"' in text
    assert "s3_use_path_style           = true" in text
    # The block costs the provider ~2 s of CPU per configuration; the endpoints go by environment.
    assert "endpoints" not in text and "127.0.0.1" not in text
    assert "resource " not in text


def test_emulated_workspace_sends_every_service_to_the_emulator_whatever_the_shell_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LAKEHOUSE_ROOT", str(tmp_path))
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "https://minio.example.test")  # the caller's own setting
    tofu = Tofu(Path("/bin/true"))
    env = {**Workspace(name="w", env="dev", tofu=tofu, endpoints=LOCAL)._env()}
    assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:1"
    assert set(SERVICE_ENDPOINT_VARS) == set(PROVIDER_SERVICES)
    for svc, var in SERVICE_ENDPOINT_VARS.items():
        assert env[var] == ("http://127.0.0.1:2" if svc == "athena" else "http://127.0.0.1:1"), svc
    # Tofu.run lays the workspace's variables over the caller's environment: the emulator wins.
    assert {**os.environ, **env}["AWS_ENDPOINT_URL_S3"] == "http://127.0.0.1:1"


def test_aws_workspace_sets_no_endpoint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAKEHOUSE_ROOT", str(tmp_path))
    env = Workspace(name="w", env="pr-1", tofu=Tofu(Path("/bin/true")), local_state=False)._env()
    assert not any(k.startswith("AWS_ENDPOINT_URL") for k in env)


def test_registry_mode_on_aws_overrides_nothing_but_the_comment() -> None:
    text = override_hcl(None, None, None)
    assert "terraform {" not in text and 'provider "aws"' not in text


def test_an_initialised_copy_is_reused_only_for_the_provider_build_it_recorded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LAKEHOUSE_ROOT", str(tmp_path))
    ws = Workspace(name="reuse", env="dev", tofu=Tofu(Path("/bin/true"), provider_build_id="build-2"))
    assert not ws.initialised()
    (ws.root / ".terraform" / "modules").mkdir(parents=True)
    (ws.root / ".terraform" / "modules" / "modules.json").write_text("{}")
    (ws.root / ".terraform.lock.hcl").write_text("# lock")
    (ws.root / ".lock-build-id").write_text("build-1")
    assert not ws.initialised()  # recorded for an older provider build: init again
    (ws.root / ".lock-build-id").write_text("build-2")
    assert ws.initialised()

"""The generated override chooses backend, provider pin and endpoints, and nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.iac.workspace import PROVIDER_SERVICES, Endpoints, override_hcl


def test_local_target_override_has_local_state_pin_and_every_endpoint() -> None:
    text = override_hcl(
        Path("/w/state.tfstate"),
        Endpoints(aws="http://127.0.0.1:1", athena="http://127.0.0.1:2"),
        "6.48.0-dev.20260602",
    )
    assert 'backend "local"' in text and 'path = "/w/state.tfstate"' in text
    assert 'version = "6.48.0-dev.20260602"' in text
    for svc in PROVIDER_SERVICES:
        expected = "http://127.0.0.1:2" if svc == "athena" else "http://127.0.0.1:1"
        assert f'{svc:<10} = "{expected}"' in text
    assert "s3_use_path_style           = true" in text
    assert "resource " not in text


def test_registry_mode_on_aws_overrides_nothing_but_the_comment() -> None:
    text = override_hcl(None, None, None)
    assert "terraform {" not in text and 'provider "aws"' not in text


def test_an_initialised_copy_is_reused_only_for_the_provider_build_it_recorded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from harness.iac.tofu import Tofu
    from harness.iac.workspace import Workspace

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

"""The local tofu build runs with Go's GC target raised (GOGC), unless the caller chose one; a user's own
TF_BIN keeps its environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.iac import tofu, toolchain


@pytest.fixture
def local_build(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    binary = tmp_path / "tofu"
    binary.write_text("")
    monkeypatch.delenv("TF_BIN", raising=False)
    monkeypatch.setattr(toolchain, "binary_path", lambda tool: binary)
    monkeypatch.setattr(toolchain, "write_cli_config", lambda: tmp_path / "tofurc")
    monkeypatch.setattr(toolchain, "build_id", lambda tool: "build")


def test_the_local_build_runs_with_the_raised_gc_target(
    local_build: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GOGC", raising=False)
    assert tofu.resolve(build=False).env["GOGC"] == tofu.GO_GC_PERCENT


def test_a_gc_target_the_caller_set_is_kept(local_build: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOGC", "100")
    assert "GOGC" not in tofu.resolve(build=False).env  # Tofu.run passes the caller's environment on


def test_a_users_tf_bin_gets_no_gc_target(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    binary = tmp_path / "terraform"
    binary.write_text("")
    monkeypatch.setenv("TF_BIN", str(binary))
    monkeypatch.delenv("GOGC", raising=False)
    assert "GOGC" not in tofu.resolve(build=False).env

"""Deployment.destroy: the refresh walk is skipped only on an emulator, for state this deployment applied."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from harness.iac.tofu import Tofu
from harness.iac.workspace import Workspace
from harness.targets import environment
from harness.targets.endpoints import Endpoints
from harness.targets.environment import Deployment
from harness.targets.target import Target


@dataclass(frozen=True)
class RecordingTofu(Tofu):
    calls: list[list[str]] = field(default_factory=list)

    def run(
        self,
        args: Sequence[str],
        cwd: Path,
        extra_env: Mapping[str, str] | None = None,
        ok_codes: tuple[int, ...] = (0,),
        echo: bool = False,
    ) -> subprocess.CompletedProcess[str]:
        self.calls.append(list(args))
        return subprocess.CompletedProcess(list(args), 0, "", "")


def deployment(target: Target, tmp_path: Path, applied_here: bool) -> tuple[Deployment, RecordingTofu]:
    tofu = RecordingTofu(Path("/bin/true"))
    ws = Workspace(name="w", env="it-x", tofu=tofu, endpoints=target.endpoints)
    return Deployment(env="it-x", target=target, workspace=ws, applied_here=applied_here), tofu


@pytest.mark.parametrize(
    ("target", "applied_here", "refresh"),
    [
        (Target("local", Endpoints(aws="http://127.0.0.1:1")), True, False),
        (Target("local", Endpoints(aws="http://127.0.0.1:1")), False, True),  # state from elsewhere
        (Target("aws"), True, True),
    ],
    ids=["emulator-own-apply", "emulator-foreign-state", "aws"],
)
def test_destroy_refreshes_unless_it_destroys_its_own_apply_on_an_emulator(
    target: Target, applied_here: bool, refresh: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LAKEHOUSE_ROOT", str(tmp_path))
    monkeypatch.setattr(environment, "leftovers", lambda dep: [])
    dep, tofu = deployment(target, tmp_path, applied_here)
    assert dep.refresh_before_destroy is refresh
    assert dep.destroy() == []
    (call,) = tofu.calls
    assert call[0] == "destroy"
    assert ("-refresh=false" in call) is not refresh

"""`make verify` runs the integration lane beside the others, and says which lane was the critical path."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from harness.commands import verify


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    """Phases that record which thread ran them, and the integration phase waits for the unit phase:
    that can only finish if the two lanes really run at the same time."""
    seen: dict[str, object] = {"threads": {}}
    unit_done = threading.Event()

    def phase(name: str):  # type: ignore[no-untyped-def]
        def run(ctx: verify.Context) -> str:
            seen["threads"][name] = threading.current_thread().name  # type: ignore[index]
            if name == "unit":
                unit_done.set()
            if name == "integration" and not unit_done.wait(timeout=10):
                raise RuntimeError("the unit phase never ran beside integration")
            if name == "plans":
                raise RuntimeError("plan failed")
            return f"{name} ok"

        return run

    monkeypatch.setattr(verify, "PHASES", {name: phase(name) for name in verify.PHASES})
    return seen


def test_lanes_overlap_keep_order_and_report_failures(recorded: dict[str, object]) -> None:
    wanted = ["lint", "plans", "unit", "integration"]
    results, wall, critical = verify.run_lanes(wanted, verify.Context(envs=("dev",)))
    assert [r.name for r in results] == wanted
    outcome = {r.name: r.ok for r in results}
    assert outcome == {"lint": True, "plans": False, "unit": True, "integration": True}
    threads = recorded["threads"]
    assert threads["integration"] != threads["unit"] == threads["lint"]  # type: ignore[index]
    assert critical in {("integration",), ("lint", "unit", "plans")}
    assert wall >= max(r.started + r.seconds for r in results) - 1e-6


def test_a_lane_with_nothing_wanted_is_skipped(recorded: dict[str, object]) -> None:
    results, _, critical = verify.run_lanes(["lint"], verify.Context(envs=("dev",)))
    assert [r.name for r in results] == ["lint"] and critical == ("lint",)


def test_the_unit_and_slow_phases_together_run_every_unit_test(monkeypatch: pytest.MonkeyPatch) -> None:
    """The unit tier leaves out exactly the slow tier, and verify runs that tier too (in a lane)."""
    commands: list[list[str]] = []

    def run(cmd: list[str], env: dict[str, str] | None = None) -> tuple[bool, str]:
        commands.append(cmd)
        return True, "1 passed"

    monkeypatch.setattr(verify, "_run", run)
    verify.phase_unit(verify.Context(envs=("dev",)))
    verify.phase_slow(verify.Context(envs=("dev",)))
    unit, slow = ([cmd[i + 1] for i, arg in enumerate(cmd) if arg == "-m"] for cmd in commands)
    assert unit == ["pytest", "not slow"] and slow == ["pytest", "slow"]
    assert all("tests/unit" in cmd for cmd in commands)
    assert sum(lane.count("unit") + lane.count("slow") for lane in verify.LANES) == 2


def test_the_main_job_runs_the_pipeline_suite_and_full_runs_every_tier(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Without --full: every phase but the slow tier, and the integration phase runs the pipeline scenarios;
    with --full: every phase, and the whole integration suite, as `make test` runs it."""
    main_job = ["lint", "validate", "plans", "compliance", "unit", "integration"]
    assert verify.wanted_phases(False, None) == main_job
    assert verify.wanted_phases(True, None) == list(verify.PHASES)
    assert verify.wanted_phases(True, "lint, unit") == ["lint", "unit"]
    suites: list[str] = []

    def run(cmd: list[str], env: dict[str, str] | None = None) -> tuple[bool, str]:
        suites.append(next(arg for arg in cmd if arg.startswith("tests/")))
        return True, "1 passed"

    monkeypatch.setattr(verify, "_run", run)
    monkeypatch.setattr(verify, "work_dir", lambda: tmp_path)
    for full in (False, True):
        verify.phase_integration(verify.Context(envs=("dev",), full=full))
    assert suites == ["tests/integration/test_pipeline.py", "tests/integration"]

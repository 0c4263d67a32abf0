"""`python -m harness.commands.deploy plan` for real, on the embedded local target (`make plan-dev`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness.paths import work_dir


@pytest.mark.toolchain
@pytest.mark.integration
def test_plan_dev_on_local_saves_plan_json_and_summary(tofu: object, repo_root: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "harness.commands.deploy", "plan", "--env", "dev", "--target", "local"],
        cwd=repo_root,
        capture_output=True,
        text=True,
        env={**os.environ, "GITHUB_STEP_SUMMARY": ""},
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    plan = json.loads((work_dir() / "plans" / "dev.json").read_text(encoding="utf-8"))
    creates = [rc for rc in plan["resource_changes"] if rc["change"]["actions"] == ["create"]]
    assert creates, "an empty local account should need every resource created"
    assert f"{len(creates)} to create." in proc.stdout
    assert "### Plan: `dev`" in proc.stdout
    assert "module.storage.aws_s3_bucket.this" in proc.stdout or "aws_s3_bucket" in proc.stdout
    assert (work_dir() / "deploy-local-dev" / "plan.md").is_file()

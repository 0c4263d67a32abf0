"""CI policy on the GitHub workflows and composite actions under .github/.

    python -m harness.gates.workflow_policy    # one line per finding; exit 1 if there is any

- AWS only through OIDC: no access-key variable or input anywhere (AWS_ACCESS_KEY_ID,
  AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, aws-access-key-id, ...), and every
  aws-actions/configure-aws-credentials step assumes a role (`role-to-assume`).
- Least permissions: a workflow grants nothing by default (`permissions: {}`), every job says what it
  needs, nothing is `write-all`/`read-all`, and only jobs that assume an AWS role ask for `id-token: write`.
- Every action from another repository is pinned to a full commit SHA (a tag can be moved; a SHA cannot).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import yaml

from harness.paths import repo_root

PINNED = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[0-9a-f]{40}$")
ACCESS_KEY = re.compile(
    r"aws[_-](access[_-]key[_-]id|secret[_-]access[_-]key|session[_-]token)", re.IGNORECASE
)
CONFIGURE_AWS = "aws-actions/configure-aws-credentials"


def policy_files(root: Path | None = None) -> list[Path]:
    github = (root or repo_root()) / ".github"
    return sorted(
        [
            *github.glob("workflows/*.yml"),
            *github.glob("workflows/*.yaml"),
            *github.glob("actions/*/action.yml"),
        ]
    )


def _uses(doc: dict[str, Any]) -> list[tuple[str, str]]:
    """(where, uses) of every job-level call and step, in a workflow or a composite action."""
    found = []
    for job_id, job in (doc.get("jobs") or {}).items():
        if "uses" in job:
            found.append((f"job {job_id}", str(job["uses"])))
        for i, step in enumerate(job.get("steps") or []):
            if "uses" in step:
                found.append((f"job {job_id} step {step.get('name', i + 1)}", str(step["uses"])))
    for i, step in enumerate((doc.get("runs") or {}).get("steps") or []):
        if "uses" in step:
            found.append((f"step {step.get('name', i + 1)}", str(step["uses"])))
    return found


def _steps(doc: dict[str, Any]) -> list[dict[str, Any]]:
    steps = [s for job in (doc.get("jobs") or {}).values() for s in job.get("steps") or []]
    return steps + list((doc.get("runs") or {}).get("steps") or [])


def _assumes_a_role(job: dict[str, Any]) -> bool:
    # A reusable-workflow call passes its permissions on to the jobs that assume roles there.
    if str(job.get("uses", "")).startswith("./.github/workflows/"):
        return True
    return any(str(s.get("uses", "")).startswith(f"{CONFIGURE_AWS}@") for s in job.get("steps") or [])


def findings(path: Path, text: str) -> list[str]:
    """Every policy violation in one workflow or composite action file."""
    out: list[str] = []
    for n, line in enumerate(text.splitlines(), 1):
        if m := ACCESS_KEY.search(line):
            out.append(f"{path}:{n}: long-lived AWS key material ({m.group(0)}): use OIDC (role-to-assume)")
    doc = yaml.safe_load(text) or {}
    for where, uses in _uses(doc):
        if uses.startswith(("./", "docker://")):
            continue
        if not PINNED.match(uses):
            out.append(f"{path}: {where}: `{uses}` is not pinned to a full commit SHA")
    for step in _steps(doc):
        if str(step.get("uses", "")).startswith(f"{CONFIGURE_AWS}@") and "role-to-assume" not in (
            step.get("with") or {}
        ):
            out.append(f"{path}: {CONFIGURE_AWS} without role-to-assume")
    if "jobs" not in doc:  # a composite action: no permissions of its own
        return out
    if doc.get("permissions") != {}:
        out.append(f"{path}: workflow-level permissions must be {{}} (each job grants what it needs)")
    for job_id, job in doc["jobs"].items():
        perms = job.get("permissions")
        if perms is None:
            out.append(f"{path}: job {job_id} declares no permissions")
            continue
        if isinstance(perms, str):
            out.append(f"{path}: job {job_id} has permissions `{perms}`: name each scope")
            continue
        if perms.get("id-token") == "write" and not _assumes_a_role(job):
            out.append(f"{path}: job {job_id} asks for id-token: write but assumes no AWS role")
    return out


def check(root: Path | None = None) -> list[str]:
    files = policy_files(root)
    if not files:
        return [f"no workflows under {(root or repo_root()) / '.github'}"]
    return [f for path in files for f in findings(path, path.read_text(encoding="utf-8"))]


def main() -> int:
    problems = check()
    for p in problems:
        print(p)
    print(f"workflow policy: {len(problems)} finding(s) in {len(policy_files())} file(s)", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

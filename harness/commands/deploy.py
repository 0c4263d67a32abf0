"""Plan, apply, destroy, drift and smoke for one environment: what `make plan-<env>` and CI run.

    python -m harness.commands.deploy plan    --env dev [--target aws|local|localstack]
    python -m harness.commands.deploy apply   --env dev [--target ...]
    python -m harness.commands.deploy destroy --env pr-123 [--confirm prod]
    python -m harness.commands.deploy drift   --env dev [--env staging ...]
    python -m harness.commands.deploy smoke   --env dev [-- extra pytest args]

Targets (docs/runbook.md):
- aws: the env's S3 backend (terraform/envs/<env>.s3.tfbackend plus bucket=$STATE_BUCKET), its var file
  (ephemeral pr-<n> envs have none: env=pr-<n> and force_destroy=true), credentials from the environment.
  Needs an explicit --env.
- localstack: endpoints at $LOCALSTACK_ENDPOINT (default http://localhost:4566), local state kept in
  .work/ so a later command sees what an earlier one applied.
- local: the embedded local AWS, alive for one command only: `plan` plans from scratch (without a local
  Athena: it queries nothing, so no Trino JVM starts), `apply` applies and then destroys again (a full round
  trip), `smoke` applies, runs the smoke suite and destroys.

Every plan is saved with its JSON (.work/plans/<env>.json, where the compliance gates read plans) and a
Markdown summary; under GitHub Actions the summary is appended to $GITHUB_STEP_SUMMARY. `apply` and
`destroy` apply exactly the plan they just summarised. `drift` exits 2 when an env's real resources no
longer match its code, with a summary of what drifted.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.console import say
from harness.errors import DeployError, HarnessError, entry_point
from harness.iac.tofu import Tofu, resolve
from harness.paths import repo_root, work_dir
from harness.targets.environment import Deployment
from harness.targets.names import NAMED_ENVS, check_env_name, is_ephemeral
from harness.targets.target import TARGETS, localstack_url, open_target

PROTECTED_ENVS = ("prod",)  # destroy needs --confirm <env>
DRIFT_EXIT = 2


def _say(msg: str) -> None:
    say("deploy", msg)


@dataclass(frozen=True)
class EnvSpec:
    """One environment: its name, whether it is ephemeral, and where its settings come from."""

    name: str
    ephemeral: bool
    var_file: Path | None

    @classmethod
    def parse(cls, name: str, root: Path | None = None) -> EnvSpec:
        root = root or repo_root()
        check_env_name(name)  # the stack's own rule, so a bad name fails before init
        var_file = root / "terraform" / "envs" / f"{name}.tfvars"
        if is_ephemeral(name):
            return cls(name=name, ephemeral=True, var_file=None)
        if not var_file.is_file():
            raise DeployError(
                f"environment {name!r} has no terraform/envs/{name}.tfvars; use dev, staging, prod "
                "or an ephemeral pr-<number>"
            )
        return cls(name=name, ephemeral=False, var_file=var_file)


def backend_config(env: EnvSpec, state_bucket: str, root: Path | None = None) -> list[str]:
    """-backend-config values for the env's S3 state: its .s3.tfbackend file (pr envs: the same settings
    under their own key) plus the bucket terraform/bootstrap created."""
    if not state_bucket.strip():
        raise DeployError(
            "STATE_BUCKET is not set: export the state bucket terraform/bootstrap created "
            "(`tofu -chdir=terraform/bootstrap output -raw state_bucket`)"
        )
    root = root or repo_root()
    file = root / "terraform" / "envs" / f"{env.name}.s3.tfbackend"
    if file.is_file():
        config = [str(file)]
    elif env.ephemeral:
        region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
        config = [
            f"key=lakehouse/{env.name}/terraform.tfstate",
            f"region={region}",
            "encrypt=true",
            "use_lockfile=true",
        ]
    else:
        raise DeployError(f"terraform/envs/{env.name}.s3.tfbackend is missing")
    return [*config, f"bucket={state_bucket.strip()}"]


def stack_variables(env: EnvSpec, artifacts: Path) -> dict[str, Any]:
    variables: dict[str, Any] = {"lambda_artifacts_dir": str(artifacts)}
    if env.ephemeral:
        # Ephemeral envs are destroyed with their data; named envs keep buckets that hold objects.
        variables["force_destroy"] = True
    return variables


def check_destroy_allowed(env: EnvSpec, confirm: str) -> None:
    if env.name in PROTECTED_ENVS and confirm != env.name:
        raise DeployError(f"refusing to destroy {env.name}: repeat its name to confirm (CONFIRM={env.name})")


# ---------------------------------------------------------------------------------------------------
# Plan summaries


@dataclass(frozen=True)
class Change:
    address: str
    actions: tuple[str, ...]

    @property
    def label(self) -> str:
        if self.actions == ("delete", "create") or self.actions == ("create", "delete"):
            return "replace"
        return "+".join(self.actions)


def planned_changes(plan: dict[str, Any]) -> list[Change]:
    """Resources the plan would change (no-op and read skipped), in address order."""
    changes = [
        Change(rc["address"], tuple(rc["change"]["actions"]))
        for rc in plan.get("resource_changes", [])
        if rc.get("mode", "managed") == "managed" and set(rc["change"]["actions"]) - {"no-op", "read"}
    ]
    return sorted(changes, key=lambda c: c.address)


def drifted_resources(plan: dict[str, Any]) -> list[Change]:
    """Resources changed outside Terraform since the last apply (the plan's refresh saw it)."""
    changes = [
        Change(rc["address"], tuple(rc["change"]["actions"]))
        for rc in plan.get("resource_drift", [])
        if set(rc["change"]["actions"]) - {"no-op", "read"}
    ]
    return sorted(changes, key=lambda c: c.address)


def action_counts(changes: Sequence[Change]) -> dict[str, int]:
    counts = {"create": 0, "update": 0, "replace": 0, "delete": 0}
    for c in changes:
        counts[c.label] = counts.get(c.label, 0) + 1
    return counts


def _table(changes: Sequence[Change], heading: str, limit: int = 200) -> list[str]:
    if not changes:
        return []
    lines = ["", f"| {heading} | action |", "|---|---|"]
    lines += [f"| `{c.address}` | {c.label} |" for c in changes[:limit]]
    if len(changes) > limit:
        lines.append(f"| … {len(changes) - limit} more | |")
    return lines


def plan_summary(env: str, plan: dict[str, Any], title: str = "Plan") -> str:
    """Markdown: counts per action, then one row per changed resource."""
    changes = planned_changes(plan)
    counts = action_counts(changes)
    head = f"### {title}: `{env}`"
    if not changes:
        return f"{head}\n\nNo changes: the environment matches the code.\n"
    totals = ", ".join(f"{n} to {a}" for a, n in counts.items() if n)
    lines = [head, "", f"{totals}."]
    lines += _table(changes, "resource")
    return "\n".join(lines) + "\n"


def drift_summary(env: str, plan: dict[str, Any]) -> str:
    """Markdown for a drifted env: what changed outside Terraform, and what the plan would do about it."""
    drift, changes = drifted_resources(plan), planned_changes(plan)
    lines = [f"### Drift in `{env}`", ""]
    if drift:
        lines.append(f"{len(drift)} resource(s) changed outside Terraform since the last apply:")
        lines += _table(drift, "changed outside Terraform")
        lines.append("")
    if changes:
        totals = ", ".join(f"{n} to {a}" for a, n in action_counts(changes).items() if n)
        lines.append(f"To bring it back to the code the plan would: {totals}.")
        lines += _table(changes, "resource")
    lines += ["", f"Review with `make plan-{env} TARGET=aws`; see docs/runbook.md, 'Respond to drift'."]
    return "\n".join(lines) + "\n"


def publish(markdown: str, path: Path) -> None:
    """Write the summary beside the plan, print it, and add it to the GitHub job summary when there."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(markdown, encoding="utf-8")
    print(markdown, flush=True)
    step_summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if step_summary:
        with open(step_summary, "a", encoding="utf-8") as fh:
            fh.write(markdown + "\n")


# ---------------------------------------------------------------------------------------------------
# Workspaces per target


def _artifacts() -> Path:
    from harness.pipeline import zips as lambda_zip

    out = work_dir() / "deploy-zips"
    lambda_zip.build_all(out)
    return out


@contextmanager
def deployment(
    env: EnvSpec, target: str, tofu: Tofu | None = None, *, athena: bool = True
) -> Iterator[Deployment]:
    """A workspace for env on target; for the local target, the embedded AWS for as long as it is open.
    athena=False: a command that runs no query starts no local Athena (on Trino, no JVM)."""
    if target not in TARGETS:
        raise DeployError(f"unknown target {target!r}; choose from {', '.join(TARGETS)}")
    # Fail fast on misconfiguration, before zips are built or the toolchain is checked.
    backend = backend_config(env, os.environ.get("STATE_BUCKET", "")) if target == "aws" else []
    if target == "localstack":
        localstack_url()  # answers, or one line saying so
    variables = stack_variables(env, _artifacts())
    tofu = tofu or resolve()
    with open_target(target, athena=athena and target == "local") as where:
        if target == "local":
            # The embedded account ends with the command, so its buckets go with it whatever the env: moto
            # writes server access logs on every bucket request (the destroy plan's refresh too), and the
            # smoke suite seeds data, so a named env's buckets are never empty by the time they are destroyed.
            variables["force_destroy"] = True
        ws = where.workspace(
            f"deploy-{target}-{env.name}",
            env.name,
            tofu,
            variables=variables,
            var_files=[env.var_file] if env.var_file else [],
            backend_config=backend,
        )
        if target == "local":
            # The emulated account starts empty: state from an earlier command would describe nothing.
            ws.state_path.unlink(missing_ok=True)
        yield Deployment(env.name, where, ws)


def init_and_plan(
    d: Deployment, destroy: bool = False, title: str = "Plan", init: bool = True
) -> tuple[int, dict[str, Any]]:
    """Plan (after init), save the plan and its JSON, and publish its summary."""
    if init:
        d.workspace.init(echo=True)
    code, plan = d.plan(destroy=destroy)
    publish(plan_summary(d.env, plan, title), d.workspace.root / f"{title.lower()}.md")
    return code, plan


# ---------------------------------------------------------------------------------------------------
# Commands


def cmd_plan(env: EnvSpec, target: str) -> int:
    with deployment(env, target, athena=False) as d:  # a plan of an empty account queries nothing
        init_and_plan(d)
    return 0


def cmd_apply(env: EnvSpec, target: str) -> int:
    with deployment(env, target) as d:
        code, _ = init_and_plan(d)
        if code == 0:
            _say(f"{env.name}: no changes to apply")
        else:
            d.apply_saved_plan()
        outputs = d.write_outputs()
        _say(f"{env.name}: applied; outputs in {outputs}")
        if target == "local":
            _say("local target: destroying again (the emulated account ends with this command)")
            init_and_plan(d, destroy=True, title="Destroy plan", init=False)
            d.apply_saved_plan()
    return 0


def cmd_destroy(env: EnvSpec, target: str, confirm: str) -> int:
    check_destroy_allowed(env, confirm)
    if target == "local":
        raise DeployError(
            "the local target keeps no environment between commands (`apply` already destroyed it); "
            "use TARGET=aws or TARGET=localstack"
        )
    with deployment(env, target) as d:
        init_and_plan(d, destroy=True, title="Destroy plan")
        d.apply_saved_plan()
        _say(f"{env.name}: destroyed")
    return 0


def cmd_drift(envs: Sequence[EnvSpec], target: str) -> int:
    """Exit 0 when every env matches its code, 2 when any drifted, 1 when a plan failed."""
    drifted, failed = [], []
    for env in envs:
        try:
            with deployment(env, target) as d:
                d.workspace.init(echo=True)
                code = d.workspace.plan(out=d.plan_file, echo=True)
                if code == DRIFT_EXIT:
                    plan = d.workspace.show_json(d.plan_file)
                    publish(drift_summary(env.name, plan), d.workspace.root / "drift.md")
                    drifted.append(env.name)
                else:
                    publish(f"### No drift in `{env.name}`\n", d.workspace.root / "drift.md")
        except HarnessError as exc:
            _say(f"{env.name}: drift check failed: {exc}")
            failed.append(env.name)
    if failed:
        _say(f"drift check failed for {', '.join(failed)}")
        return 1
    if drifted:
        _say(f"drift in {', '.join(drifted)}")
        return DRIFT_EXIT
    return 0


def smoke_command(extra: Sequence[str]) -> list[str]:
    # No masking: a suite that collects nothing exits 5 and fails, never passing silently.
    return [sys.executable, "-m", "pytest", "tests/smoke", "-p", "no:cacheprovider", *extra]


def cmd_smoke(env: EnvSpec, target: str, extra: Sequence[str]) -> int:
    with deployment(env, target) as d:
        if target == "local":
            code, _ = init_and_plan(d)
            if code != 0:
                d.apply_saved_plan()
        else:
            d.workspace.init(echo=True)
        outputs = d.write_outputs()
        env_vars = {
            **os.environ,
            **d.target.client_env(),
            "LAKEHOUSE_ENV": env.name,
            "LAKEHOUSE_TARGET": target,
            "LAKEHOUSE_OUTPUTS": str(outputs),
        }
        try:
            return subprocess.call(smoke_command(extra), cwd=repo_root(), env=env_vars)
        finally:
            if target == "local":
                init_and_plan(d, destroy=True, title="Destroy plan", init=False)
                d.apply_saved_plan()


def _envs_for(args: argparse.Namespace) -> list[EnvSpec]:
    names: list[str] = args.env or []
    if not names:
        if args.target == "aws":
            # Real accounts only by name: a forgotten ENV must never mean "dev" there.
            raise DeployError("TARGET=aws needs an explicit environment: set ENV=<env> (or use plan-<env>)")
        names = ["dev"] if args.cmd != "drift" else list(NAMED_ENVS)
    return [EnvSpec.parse(n) for n in names]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m harness.commands.deploy",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="cmd", required=True)
    for name, help_text in (
        ("plan", "init and plan; save the plan, its JSON and a summary"),
        ("apply", "plan, then apply exactly that plan"),
        ("destroy", "plan a destroy, then apply it"),
        ("drift", "plan -detailed-exitcode per env; exit 2 with a summary when anything drifted"),
        ("smoke", "run tests/smoke against a deployed env (local: deploy, test, destroy)"),
    ):
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--env", action="append", help="environment (repeat for drift); required for aws")
        p.add_argument("--target", default=os.environ.get("TARGET", "local"), choices=TARGETS)
        if name == "destroy":
            p.add_argument("--confirm", default="", help="the env's name, required to destroy prod")
        if name == "smoke":
            p.add_argument("pytest_args", nargs=argparse.REMAINDER, help="extra pytest arguments after --")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return entry_point("deploy", lambda: run(args))


def run(args: argparse.Namespace) -> int:
    envs = _envs_for(args)
    if args.cmd != "drift" and len(envs) > 1:
        raise DeployError(f"{args.cmd} takes one environment, got {', '.join(e.name for e in envs)}")
    if args.cmd == "plan":
        return cmd_plan(envs[0], args.target)
    if args.cmd == "apply":
        return cmd_apply(envs[0], args.target)
    if args.cmd == "destroy":
        return cmd_destroy(envs[0], args.target, args.confirm)
    if args.cmd == "drift":
        return cmd_drift(envs, args.target)
    extra = [a for a in args.pytest_args if a != "--"]
    return cmd_smoke(envs[0], args.target, extra)


if __name__ == "__main__":
    sys.exit(main())

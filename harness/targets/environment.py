"""A deployed environment of the stack on a target: plan, apply, read back, destroy, prove nothing is left.

Used by `harness.commands.deploy` (make plan-/apply-/destroy-<env>, drift, smoke), the integration and
smoke suites, the `lakehouse` CLI and the pipeline benchmark.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.console import say
from harness.errors import HarnessError
from harness.iac.tofu import Tofu
from harness.iac.workspace import Workspace
from harness.paths import work_dir
from harness.targets.target import Target


def plan_json_path(env: str) -> Path:
    """Where an env's latest plan JSON lives; the compliance gates read plans from here."""
    return work_dir() / "plans" / f"{env}.json"


@dataclass
class Deployment:
    env: str
    target: Target
    workspace: Workspace
    outputs: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    applied_here: bool = False  # this object's deploy() applied the state the workspace holds

    def client(self, service: str) -> Any:
        """A boto3 client for this environment's target."""
        return self.target.client(service)

    @property
    def client_env(self) -> dict[str, str]:
        return self.target.client_env()

    @property
    def plan_file(self) -> Path:
        return self.workspace.root / "tfplan"

    def plan(self, destroy: bool = False, echo: bool = True) -> tuple[int, dict[str, Any]]:
        """Plan into plan_file (0: no changes, 2: changes) and read the plan back; a (non-destroy) plan's
        JSON is also saved where the gates read it."""
        code = self.workspace.plan(out=self.plan_file, destroy=destroy, echo=echo)
        plan = self.workspace.show_json(self.plan_file)
        if not destroy:
            path = plan_json_path(self.env)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(plan), encoding="utf-8")
        return code, plan

    def apply_saved_plan(self) -> None:
        # A saved plan carries its variables: applying it applies exactly what was planned.
        self.workspace.tf(
            "apply", "-input=false", "-no-color", "-parallelism=20", str(self.plan_file), echo=True
        )

    def read_outputs(self) -> dict[str, Any]:
        self.outputs = self.workspace.outputs()
        return self.outputs

    def write_outputs(self) -> Path:
        path = self.workspace.root / "outputs.json"
        path.write_text(json.dumps(self.read_outputs(), indent=2) + "\n", encoding="utf-8")
        return path

    @property
    def refresh_before_destroy(self) -> bool:
        """Whether destroy reads every resource back first. Not on an emulator when this deployment's own
        apply wrote the state: a destroy deletes by the ids the apply recorded, a strongly consistent
        emulator holds exactly those, and leftovers() checks afterwards that nothing is left
        (docs/toolchain.md, "Destroying what we just applied"). Always on AWS, and for any state this
        object did not apply itself."""
        return not (self.target.emulated and self.applied_here)

    def destroy(self) -> list[str]:
        """tofu destroy, then list what of this environment still exists (empty when clean)."""
        started = time.monotonic()
        self.workspace.destroy(refresh=self.refresh_before_destroy)
        self.timings["destroy"] = time.monotonic() - started
        return leftovers(self)


def deploy(
    target: Target,
    env: str,
    tofu: Tofu,
    artifacts_dir: Path,
    name: str | None = None,
    extra_vars: dict[str, Any] | None = None,
) -> Deployment:
    """init + apply an ephemeral environment (force_destroy on) and read its outputs.

    On a real account a half-applied environment must not outlive a failed apply: it is destroyed
    before the error goes on. (An emulated account ends with its process.)
    """
    target.check_disposable(env)
    ws = target.workspace(
        name or f"env-{env}",
        env,
        tofu,
        variables={"lambda_artifacts_dir": str(artifacts_dir), "force_destroy": True, **(extra_vars or {})},
    )
    dep = Deployment(env=env, target=target, workspace=ws)
    started = time.monotonic()
    try:
        ws.init()
        ws.apply()
    except BaseException:
        if not target.emulated:
            try:
                ws.destroy()
            except HarnessError as exc:
                say("deploy", f"destroying the half-applied {env} failed too: {exc.line}")
        raise
    dep.timings["apply"] = time.monotonic() - started
    dep.applied_here = True
    dep.read_outputs()
    return dep


def leftovers(dep: Deployment) -> list[str]:
    """Everything of the environment still present, found by name prefix and by the env tag."""
    prefix, env = f"dp-{dep.env}-", dep.env
    found: list[str] = []
    s3 = dep.client("s3")
    found += [f"s3:{b['Name']}" for b in s3.list_buckets().get("Buckets", []) if b["Name"].startswith(prefix)]
    lam = dep.client("lambda")
    found += [
        f"lambda:{f['FunctionName']}"
        for f in lam.list_functions()["Functions"]
        if f["FunctionName"].startswith(prefix)
    ]
    iam = dep.client("iam")
    found += [f"iam:{r['RoleName']}" for r in iam.list_roles()["Roles"] if r["RoleName"].startswith(prefix)]
    logs = dep.client("logs")
    found += [
        f"logs:{g['logGroupName']}"
        for g in logs.describe_log_groups(logGroupNamePrefix=f"/aws/lambda/{prefix}")["logGroups"]
    ]
    events = dep.client("events")
    found += [f"events:{r['Name']}" for r in events.list_rules(NamePrefix=prefix)["Rules"]]
    sqs = dep.client("sqs")
    found += [f"sqs:{u}" for u in sqs.list_queues(QueueNamePrefix=prefix).get("QueueUrls", [])]
    sns = dep.client("sns")
    found += [f"sns:{t['TopicArn']}" for t in sns.list_topics()["Topics"] if f":{prefix}" in t["TopicArn"]]
    cw = dep.client("cloudwatch")
    found += [f"alarm:{a['AlarmName']}" for a in cw.describe_alarms(AlarmNamePrefix=prefix)["MetricAlarms"]]
    trail = dep.client("cloudtrail")
    found += [
        f"trail:{t['Name']}" for t in trail.describe_trails()["trailList"] if t["Name"].startswith(prefix)
    ]
    glue = dep.client("glue")
    database = "lakehouse_" + env.replace("-", "_")
    found += [f"glue:{d['Name']}" for d in glue.get_databases()["DatabaseList"] if d["Name"] == database]
    athena = dep.client("athena")
    found += [
        f"athena:{w['Name']}" for w in athena.list_work_groups()["WorkGroups"] if w["Name"].startswith(prefix)
    ]
    kms = dep.client("kms")
    found += [
        f"kms:{a['AliasName']}"
        for a in kms.list_aliases()["Aliases"]
        if a["AliasName"].startswith(f"alias/{prefix}")
    ]
    # Keys cannot be deleted at once, only scheduled: a key of this env still Enabled is a leftover.
    for key in kms.list_keys()["Keys"]:
        meta = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
        if meta.get("KeyState") == "Enabled":
            tags = {
                t["TagKey"]: t["TagValue"] for t in kms.list_resource_tags(KeyId=key["KeyId"]).get("Tags", [])
            }
            if tags.get("env") == env:
                found.append(f"kms-key:{key['KeyId']}")
    return sorted(found)

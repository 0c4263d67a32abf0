"""Module inputs that can be wrong are refused with their validation message, before anything is planned.

Each case calls one module of terraform/modules from a small root with one bad input and runs
`tofu validate`; the diagnostic must be the module's own error message.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from harness.iac.tofu import Tofu, TofuError
from harness.iac.workspace import Workspace
from harness.paths import repo_root
from harness.targets.endpoints import Endpoints

pytestmark = pytest.mark.toolchain

MODULES = repo_root() / "terraform" / "modules"
ROOT = """\
terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}

provider "aws" {
  region = "us-east-1"
}

module "under_test" {
  source = "%s"
%s
}
"""
FUNCTIONS_OK = """{
    ingest = { name = "dp-dev-ingest", schedule = "rate(5 minutes)", timeout = 180 }
    silver = { name = "dp-dev-silver", schedule = "cron(15 * * * ? *)", timeout = 900 }
    gold   = { name = "dp-dev-gold", schedule = "cron(30 1 * * ? *)", timeout = 900 }
    archive = { name = "dp-dev-archive", schedule = "cron(5 * * * ? *)", timeout = 900 }
  }"""
PIPELINE = f"""  env = "dev"
  name_prefix = "dp-dev"
  partition = "aws"
  region = "us-east-1"
  account_id = "123456789012"
  artifacts_dir = "/nonexistent"
  runtime = "python3.13"
  kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/x"
  buckets = {{ for r in ["raw", "silver", "gold", "logs"] : r => {{name = r, arn = "arn:aws:s3:::${{r}}"}} }}
  glue_database = "lakehouse_dev"
  glue_table_names = {{ bronze = "b", silver = "s", gold = "g" }}
  athena = {{ workgroup = "w", workgroup_arn = "arn", results_prefix = "logs/athena-results" }}
  log_group_arns = {{ ingest = "a", silver = "b", gold = "c", archive = "d" }}
  metrics_namespace = "Lakehouse/Pipeline"
  github = {{ api_url = "https://api.github.com" }}
  archive = {{ base_url = "https://data.gharchive.org", lag_hours = 1, lookback_hours = 48 }}
  functions = {FUNCTIONS_OK}
"""

CASES = [
    (
        "pipeline-missing-role",
        "pipeline",
        PIPELINE.replace(
            '    gold   = { name = "dp-dev-gold", schedule = "cron(30 1 * * ? *)", timeout = 900 }\n', ""
        ),
        "functions must have exactly the roles ingest, silver, gold and archive",
    ),
    (
        "pipeline-archive-missing",
        "pipeline",
        PIPELINE.replace(
            '    archive = { name = "dp-dev-archive", schedule = "cron(5 * * * ? *)", timeout = 900 }\n', ""
        ),
        "functions must have exactly the roles ingest, silver, gold and archive",
    ),
    (
        "pipeline-archive-url-trailing-slash",
        "pipeline",
        PIPELINE.replace(
            'base_url = "https://data.gharchive.org"', 'base_url = "https://data.gharchive.org/"'
        ),
        "archive.base_url must be an http(s) URL without a trailing slash",
    ),
    (
        "pipeline-archive-fractional-lag",
        "pipeline",
        PIPELINE.replace("lag_hours = 1,", "lag_hours = 1.5,"),
        "archive.lag_hours must be a whole number of hours",
    ),
    (
        "pipeline-archive-no-lookback",
        "pipeline",
        PIPELINE.replace("lookback_hours = 48", "lookback_hours = 0"),
        "archive.lookback_hours must be a whole number of hours, 1 or more",
    ),
    (
        "pipeline-timeout-over-limit",
        "pipeline",
        PIPELINE.replace("timeout = 180", "timeout = 1800"),
        "each function's timeout must be 1-900 seconds",
    ),
    (
        "pipeline-bad-schedule",
        "pipeline",
        PIPELINE.replace('"rate(5 minutes)"', '"every 5 minutes"'),
        "each schedule must be an EventBridge rate(...) or cron(...) expression",
    ),
    (
        "github-oidc-bad-repository",
        "github_oidc",
        '  repository = "not a repo"\n  state_bucket = "b"\n  state_key_alias = "alias/dp-tfstate"\n'
        '  account_id = "123456789012"\n  region = "us-east-1"\n',
        "repository must be owner/name",
    ),
    (
        "storage-short-key-deletion-window",
        "storage",
        '  env = "dev"\n  account_id = "123456789012"\n  region = "us-east-1"\n'
        '  trail_name = "dp-dev-trail"\n  kms_deletion_window_days = 3\n',
        "kms_deletion_window_days must be between 7 and 30",
    ),
]


@pytest.mark.parametrize(("case", "module", "inputs", "message"), CASES, ids=[c[0] for c in CASES])
def test_a_bad_module_input_is_refused_with_its_message(
    tofu: Tofu, tmp_path: Path, worker_id_suffix: str, case: str, module: str, inputs: str, message: str
) -> None:
    (tmp_path / "main.tf").write_text(ROOT % (MODULES / module, inputs), encoding="utf-8")
    ws = Workspace(
        name=f"validation-{case}-{worker_id_suffix}", env="dev", tofu=tofu, source=tmp_path, pass_env=False
    )
    ws.init()
    proc = tofu.run(["validate", "-json", "-no-color"], cwd=ws.stack, extra_env=ws._env(), ok_codes=(0, 1))
    report = json.loads(proc.stdout)
    details = " ".join(" ".join(d.get("detail", "").split()) for d in report.get("diagnostics", []))
    assert not report["valid"], f"{case}: accepted"
    assert message in details, details


def test_the_good_inputs_are_accepted(tofu: Tofu, tmp_path: Path, worker_id_suffix: str) -> None:
    (tmp_path / "main.tf").write_text(ROOT % (MODULES / "pipeline", PIPELINE), encoding="utf-8")
    ws = Workspace(
        name=f"validation-ok-{worker_id_suffix}", env="dev", tofu=tofu, source=tmp_path, pass_env=False
    )
    ws.init()
    proc = tofu.run(["validate", "-json", "-no-color"], cwd=ws.stack, extra_env=ws._env(), ok_codes=(0, 1))
    assert json.loads(proc.stdout)["valid"], proc.stdout


def test_prod_with_less_than_a_year_of_logs_is_refused_at_plan(
    tofu: Tofu, endpoints: Endpoints, lambda_artifacts: Path, worker_id_suffix: str
) -> None:
    # A rule across two variables (env and log_retention_days) is checked when planning, not by validate.
    ws = Workspace(
        name=f"validation-prod-retention-{worker_id_suffix}",
        env="prod",
        tofu=tofu,
        endpoints=endpoints,
        variables={"log_retention_days": 30, "lambda_artifacts_dir": str(lambda_artifacts)},
    )
    ws.init()
    with pytest.raises(TofuError, match="log_retention_days must be at least 365 in prod"):
        ws.plan()


@pytest.mark.parametrize(
    ("archive", "message"),
    [
        (
            {"base_url": "https://data.gharchive.org/"},
            "archive.base_url must be an http(s) URL without a trailing",
        ),
        ({"lookback_hours": 500}, "archive.lookback_hours must be a whole number of hours, 1-168"),
    ],
    ids=["trailing-slash", "lookback-over-a-week"],
)
def test_a_bad_archive_variable_is_refused_at_plan(
    tofu: Tofu,
    endpoints: Endpoints,
    lambda_artifacts: Path,
    worker_id_suffix: str,
    archive: dict[str, object],
    message: str,
) -> None:
    ws = Workspace(
        name=f"validation-archive-{worker_id_suffix}",
        env="dev",
        tofu=tofu,
        endpoints=endpoints,
        variables={"archive": archive, "lambda_artifacts_dir": str(lambda_artifacts)},
    )
    ws.init()
    with pytest.raises(TofuError, match=re.escape(message)):
        ws.plan()

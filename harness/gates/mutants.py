"""Mutants that prove each compliance gate bites: small text edits on a copy of the stack, each expected to
make exactly one feature (features/*.feature) fail. tests/integration/test_compliance.py plans every mutant
and runs the gates on it; tests/unit/gates/test_compliance_report.py checks every edit still applies.

A mutant is a table row: its id, the one feature it must fail, what it does, and its edits. Each edit's old
text must occur exactly once in its file, so a mutant whose target moved fails loudly instead of silently
planning the unchanged stack.
"""

from __future__ import annotations

import fnmatch
import shutil
from dataclasses import dataclass
from pathlib import Path

from harness.errors import HarnessError
from harness.paths import repo_root


class MutationError(HarnessError):
    """A mutant's edit did not apply exactly once: the stack changed under it."""


@dataclass(frozen=True)
class Edit:
    file: str  # relative to terraform/
    old: str
    new: str


@dataclass(frozen=True)
class Mutant:
    id: str
    feature: str  # the one feature expected to fail
    description: str
    edits: tuple[Edit, ...]
    env: str = "dev"  # the environment whose plan the mutant is gated on (a rule may hold for one env only)
    stack: str = "main"  # "bootstrap": gated by features/bootstrap on a plan of terraform/bootstrap


def apply_mutant(stack: Path, mutant: Mutant) -> None:
    """Apply a mutant's edits in place on a copy of the stack; each old text must occur exactly once."""
    for edit in mutant.edits:
        path = stack / edit.file
        text = path.read_text(encoding="utf-8")
        count = text.count(edit.old)
        if count != 1:
            raise MutationError(
                f"mutant {mutant.id}: expected the text once in {edit.file}, "
                f"found it {count} times:\n{edit.old}"
            )
        path.write_text(text.replace(edit.old, edit.new), encoding="utf-8")


def mutated_copy(mutant: Mutant, dest: Path, source: Path | None = None) -> Path:
    source = source or repo_root() / "terraform"
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(source, dest, ignore=shutil.ignore_patterns(*_left_out(mutant)))
    apply_mutant(dest, mutant)
    return dest


def _left_out(mutant: Mutant) -> tuple[str, ...]:
    # Stack mutants never need bootstrap/; bootstrap mutants need it and the shared modules beside it.
    return (".terraform", "*.tfstate*") + (() if mutant.stack == "bootstrap" else ("bootstrap",))


def left_out_of_copy(mutant: Mutant, path: str) -> bool:
    """Whether `mutated_copy` leaves the stack's file `path` (relative to terraform/) out of the mutant's
    copy: an edit of such a file could never be applied."""
    return any(fnmatch.fnmatch(part, pattern) for part in Path(path).parts for pattern in _left_out(mutant))


STORAGE, PIPELINE_IAM = "modules/storage/main.tf", "modules/pipeline/iam.tf"
OBSERVABILITY = "modules/observability/main.tf"
DESCRIBE_KEY_FOR_TRAIL = """    sid       = "CloudTrailDescribesKey"
    actions   = ["kms:DescribeKey"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["cloudtrail.amazonaws.com"]
    }
"""
DESCRIBE_KEY_CONDITION = """    condition {
      test     = "StringEquals"
      variable = "aws:SourceArn"
      values   = [local.trail_arn]
    }
"""
AUDIT, PIPELINE = "modules/audit/main.tf", "modules/pipeline/main.tf"
LAKE = "local.lake_buckets"
NEW_BUCKET = """
resource "aws_s3_bucket" "scratch" {
  bucket = "dp-${var.env}-${var.account_id}-scratch"
}
"""
CRAWLER = """
resource "aws_glue_crawler" "bronze" {
  name          = "dp-${var.env}-bronze-crawler"
  role          = "arn:aws:iam::123456789012:role/crawler"
  database_name = aws_glue_catalog_database.lakehouse.name
  s3_target {
    path = local.bronze_prefix
  }
}
"""


def _without(resource: str, key: str, over: str = "local.bucket_names") -> Edit:
    """A companion resource's for_each (`resource` is 'type" "name') that leaves out one bucket."""
    head = f'resource "{resource}" {{\n  for_each = '
    fewer = (
        f'{{ for k, v in {over} : k => v if k != "{key}" }}'
        if over == "local.bucket_names"
        else f'setsubtract({over}, ["{key}"])'
    )
    return Edit(STORAGE, f"{head}{over}\n", f"{head}{fewer}\n")


MUTANTS: tuple[Mutant, ...] = (
    Mutant(
        "bucket-outside-roles",
        "s3_inventory",
        "a fifth bucket with no companion resources at all",
        (
            Edit(
                STORAGE,
                "# ---------------------------------------------------------------- Buckets\n",
                "# ---------------------------------------------------------------- Buckets\n" + NEW_BUCKET,
            ),
        ),
    ),
    Mutant(
        "pab-missing-gold",
        "s3_public_access_block",
        "the gold bucket has no public access block resource",
        (_without('aws_s3_bucket_public_access_block" "this', "gold"),),
    ),
    Mutant(
        "pab-flag-off",
        "s3_public_access_block",
        "restrict_public_buckets = false",
        (Edit(STORAGE, "restrict_public_buckets = true", "restrict_public_buckets = false"),),
    ),
    Mutant(
        "tls-deny-removed",
        "s3_tls_only",
        "the DenyInsecureTransport statement allows instead of denying",
        (
            Edit(
                STORAGE,
                'sid       = "DenyInsecureTransport"\n    effect    = "Deny"',
                'sid       = "DenyInsecureTransport"\n    effect    = "Allow"',
            ),
        ),
    ),
    Mutant(
        "policy-missing-raw",
        "s3_tls_only",
        "the raw bucket has no bucket policy resource",
        (_without('aws_s3_bucket_policy" "this', "raw"),),
    ),
    Mutant(
        "sse-aes256",
        "s3_encryption",
        "lake buckets encrypted with AES256 (SSE-S3)",
        (Edit(STORAGE, 'sse_algorithm     = "aws:kms"', 'sse_algorithm     = "AES256"'),),
    ),
    Mutant(
        "sse-aws-managed-key",
        "s3_encryption",
        "lake buckets use the AWS-managed alias/aws/s3 key",
        (Edit(STORAGE, "kms_master_key_id = aws_kms_key.lake.arn", 'kms_master_key_id = "alias/aws/s3"'),),
    ),
    Mutant(
        "sse-no-bucket-key",
        "s3_encryption",
        "bucket_key_enabled = false",
        (Edit(STORAGE, "bucket_key_enabled = true", "bucket_key_enabled = false"),),
    ),
    Mutant(
        "sse-missing-silver",
        "s3_encryption",
        "the silver bucket has no encryption configuration resource",
        (_without('aws_s3_bucket_server_side_encryption_configuration" "lake', "silver", LAKE),),
    ),
    Mutant(
        "versioning-suspended",
        "s3_versioning",
        "versioning Suspended on lake buckets",
        (Edit(STORAGE, 'status = "Enabled"\n  }\n}', 'status = "Suspended"\n  }\n}'),),
    ),
    Mutant(
        "versioning-missing-raw",
        "s3_versioning",
        "the raw bucket has no versioning resource",
        (_without('aws_s3_bucket_versioning" "lake', "raw", LAKE),),
    ),
    Mutant(
        "lifecycle-ia-60",
        "s3_lifecycle",
        "STANDARD_IA transition after 60 days instead of 30",
        (
            Edit(
                "modules/storage/variables.tf",
                'Days before lake objects move to STANDARD_IA."\n  type        = number\n  default     = 30',
                'Days before lake objects move to STANDARD_IA."\n  type        = number\n  default     = 60',
            ),
        ),
    ),
    Mutant(
        "lifecycle-expire-365",
        "s3_lifecycle",
        "lake objects expire after 365 days instead of 730",
        (Edit("modules/storage/variables.tf", "default     = 730", "default     = 365"),),
    ),
    Mutant(
        "logging-target-raw",
        "s3_access_logging",
        "access logs delivered into the raw bucket instead of logs",
        (
            Edit(
                STORAGE,
                'target_bucket = aws_s3_bucket.this["logs"].id',
                'target_bucket = aws_s3_bucket.this["raw"].id',
            ),
        ),
    ),
    Mutant(
        "logging-missing-gold",
        "s3_access_logging",
        "the gold bucket has no access logging resource",
        (_without('aws_s3_bucket_logging" "lake', "gold", LAKE),),
    ),
    Mutant(
        "kms-rotation-off",
        "kms_rotation",
        "enable_key_rotation = false",
        (Edit(STORAGE, "enable_key_rotation     = true", "enable_key_rotation     = false"),),
    ),
    Mutant(
        "athena-not-enforced",
        "athena_workgroup",
        "enforce_workgroup_configuration = false",
        (
            Edit(
                "modules/query/main.tf",
                "enforce_workgroup_configuration    = true",
                "enforce_workgroup_configuration    = false",
            ),
        ),
    ),
    Mutant(
        "athena-sse-s3",
        "athena_workgroup",
        "query results encrypted with SSE_S3",
        (
            Edit(
                "modules/query/main.tf",
                'encryption_option = "SSE_KMS"\n        kms_key_arn       = var.kms_key_arn',
                'encryption_option = "SSE_S3"',
            ),
        ),
    ),
    Mutant(
        "glue-crawler",
        "glue_no_crawlers",
        "a Glue crawler over Bronze",
        (
            Edit(
                "modules/catalog/main.tf",
                "# Tables are declared here",
                CRAWLER + "\n# Tables are declared here",
            ),
        ),
    ),
    Mutant(
        "log-group-no-kms",
        "lambda_logs",
        "Lambda log groups without a KMS key",
        (
            Edit(
                OBSERVABILITY,
                "  retention_in_days = var.log_retention_days\n  kms_key_id        = var.kms_key_arn\n",
                "  retention_in_days = var.log_retention_days\n",
            ),
        ),
    ),
    Mutant(
        "log-group-no-retention",
        "lambda_logs",
        "Lambda log groups that never expire",
        (Edit(OBSERVABILITY, "  retention_in_days = var.log_retention_days\n", ""),),
    ),
    Mutant(
        "alarm-missing-gold",
        "alarms",
        "no alarm on failed Athena queries of the gold transform",
        (Edit(OBSERVABILITY, 'for_each = toset(["silver", "gold"])', 'for_each = toset(["silver"])'),),
    ),
    Mutant(
        "alarm-missing-ingest",
        "alarms",
        "no alarm on ingest Lambda errors",
        (
            Edit(
                OBSERVABILITY,
                'resource "aws_cloudwatch_metric_alarm" "lambda_errors" {\n  for_each = var.function_names',
                'resource "aws_cloudwatch_metric_alarm" "lambda_errors" {\n'
                '  for_each = { for k, v in var.function_names : k => v if k != "ingest" }',
            ),
        ),
    ),
    Mutant(
        "alarm-missing-archive",
        "alarms",
        "no alarm on archive Lambda errors",
        (
            Edit(
                OBSERVABILITY,
                'resource "aws_cloudwatch_metric_alarm" "lambda_errors" {\n  for_each = var.function_names',
                'resource "aws_cloudwatch_metric_alarm" "lambda_errors" {\n'
                '  for_each = { for k, v in var.function_names : k => v if k != "archive" }',
            ),
        ),
    ),
    Mutant(
        "alarm-missing-archive-hours",
        "alarms",
        "no alarm on GH Archive hours that failed to load",
        (
            Edit(
                OBSERVABILITY,
                'resource "aws_cloudwatch_metric_alarm" "archive_failed_hours" {\n',
                'resource "aws_cloudwatch_metric_alarm" "archive_failed_hours" {\n  count = 0\n',
            ),
        ),
    ),
    Mutant(
        "iam-archive-wildcard-action",
        "iam_least_privilege",
        "the archive role may s3:* on its Bronze objects",
        (
            Edit(
                PIPELINE_IAM,
                'sid     = "WriteArchiveBronzeAndQuarantine"\n    actions = [',
                'sid     = "WriteArchiveBronzeAndQuarantine"\n    actions = ["s3:*", ',
            ),
        ),
    ),
    Mutant(
        "iam-wildcard-action",
        "iam_least_privilege",
        "the gold role may s3:* on its prefix",
        (
            Edit(
                PIPELINE_IAM,
                'sid       = "WriteGold"\n    actions   = ["s3:GetObject", ',
                'sid       = "WriteGold"\n    actions   = ["s3:*", "s3:GetObject", ',
            ),
        ),
    ),
    Mutant(
        "iam-allow-star-on-star",
        "iam_least_privilege",
        'every role may do "*" on "*" (in the shared statements)',
        (
            Edit(
                PIPELINE_IAM,
                '  statement {\n    sid       = "FailureDestination"',
                '  statement {\n    sid       = "Everything"\n    actions   = ["*"]\n'
                '    resources = ["*"]\n  }\n\n'
                '  statement {\n    sid       = "FailureDestination"',
            ),
        ),
    ),
    Mutant(
        "tag-missing",
        "tags",
        "the managed_by default tag dropped",
        (Edit("providers.tf", '      managed_by = "terraform"\n', ""),),
    ),
    Mutant(
        "trail-no-validation",
        "cloudtrail",
        "enable_log_file_validation = false",
        (
            Edit(
                "modules/audit/main.tf",
                "enable_log_file_validation    = true",
                "enable_log_file_validation    = false",
            ),
        ),
    ),
    Mutant(
        "trail-single-region",
        "cloudtrail",
        "the trail records its home region only",
        (Edit(AUDIT, "is_multi_region_trail         = true", "is_multi_region_trail         = false"),),
    ),
    Mutant(
        "trail-no-cloudwatch",
        "cloudtrail_to_cloudwatch",
        "the trail delivers to S3 only (no CloudWatch Logs group, no role)",
        (
            Edit(
                AUDIT,
                '  cloud_watch_logs_group_arn    = "${aws_cloudwatch_log_group.trail.arn}:*"\n'
                "  cloud_watch_logs_role_arn     = aws_iam_role.trail_to_logs.arn\n",
                "",
            ),
        ),
    ),
    Mutant(
        "trail-log-group-no-kms",
        "cloudtrail_to_cloudwatch",
        "the trail's log group without a KMS key",
        (Edit(AUDIT, "  kms_key_id        = var.kms_key_arn\n", ""),),
    ),
    Mutant(
        "filter-missing-unauthorized",
        "security_alarms",
        "no metric filter counts unauthorised API calls",
        (
            Edit(
                AUDIT,
                'resource "aws_cloudwatch_log_metric_filter" "security" {\n'
                "  for_each = local.security_filters",
                'resource "aws_cloudwatch_log_metric_filter" "security" {\n'
                "  for_each = { for k, v in local.security_filters : k => v"
                ' if k != "unauthorized_api_calls" }',
            ),
        ),
    ),
    Mutant(
        "alarm-missing-key-changes",
        "security_alarms",
        "no alarm on changes to the lake key",
        (
            Edit(
                AUDIT,
                'resource "aws_cloudwatch_metric_alarm" "security" {\n  for_each = local.security_filters',
                'resource "aws_cloudwatch_metric_alarm" "security" {\n'
                '  for_each = { for k, v in local.security_filters : k => v if k != "lake_key_changes" }',
            ),
        ),
    ),
    Mutant(
        "lambda-tracing-passthrough",
        "lambda_tracing",
        "X-Ray tracing PassThrough instead of Active",
        (Edit(PIPELINE, "mode = var.tracing_mode", 'mode = "PassThrough"'),),
    ),
    Mutant(
        "lambda-env-default-key",
        "lambda_env_encryption",
        "the functions' environment under Lambda's AWS-managed key (no kms_key_arn)",
        (Edit(PIPELINE, "  kms_key_arn = var.kms_key_arn\n", ""),),
    ),
    Mutant(
        "key-default-policy",
        "kms_key_policy",
        "the lake key without an explicit key policy",
        (Edit(STORAGE, "  policy                  = data.aws_iam_policy_document.lake_key.json\n", ""),),
    ),
    Mutant(
        "key-statement-unconditioned",
        "kms_key_conditions",
        "CloudTrail may describe the key with no condition",
        (Edit(STORAGE, DESCRIBE_KEY_FOR_TRAIL + DESCRIBE_KEY_CONDITION, DESCRIBE_KEY_FOR_TRAIL),),
    ),
    Mutant(
        "key-admin-wildcard",
        "kms_key_policy",
        'the account administers the key with "kms:*"',
        (Edit(STORAGE, "actions   = local.key_admin_actions", 'actions   = ["kms:*"]'),),
    ),
    Mutant(
        "topic-aws-managed-key",
        "topic_queue_encryption",
        "the alarm topic under the AWS-managed alias/aws/sns key",
        (
            Edit(
                OBSERVABILITY,
                'name              = "${var.name_prefix}-alarms"\n  kms_master_key_id = var.kms_key_arn',
                'name              = "${var.name_prefix}-alarms"\n  kms_master_key_id = "alias/aws/sns"',
            ),
        ),
    ),
    Mutant(
        "queue-sse-sqs",
        "topic_queue_encryption",
        "the failure queue with SSE-SQS instead of the lake key",
        (
            Edit(
                PIPELINE,
                "  kms_master_key_id         = var.kms_key_arn\n",
                "  sqs_managed_sse_enabled   = true\n",
            ),
        ),
    ),
    Mutant(
        "prod-retention-90",
        "log_retention",
        "prod's function log groups keep 90 days whatever the variable says",
        (Edit(OBSERVABILITY, "retention_in_days = var.log_retention_days", "retention_in_days = 90"),),
        env="prod",
    ),
)

BOOTSTRAP = "bootstrap/main.tf"
STATE_KEY_ADMIN_CONDITION = """    condition {
      test     = "StringEquals"
      variable = "kms:CallerAccount"
      values   = [local.account_id]
    }
  }

  statement {
    sid = "AccountUsesKeyThroughS3"
"""

BOOTSTRAP_MUTANTS: tuple[Mutant, ...] = (
    Mutant(
        "state-no-access-logging",
        "state_access_logging",
        "the state bucket without server access logging",
        (
            Edit(
                BOOTSTRAP,
                'resource "aws_s3_bucket_logging" "state" {\n',
                'resource "aws_s3_bucket_logging" "state" {\n  count = 0\n',
            ),
        ),
        stack="bootstrap",
    ),
    Mutant(
        "state-key-default-policy",
        "state_key_policy",
        "the state key without an explicit key policy",
        (Edit(BOOTSTRAP, "  policy                  = data.aws_iam_policy_document.state_key.json\n", ""),),
        stack="bootstrap",
    ),
    Mutant(
        "state-key-admin-unconditioned",
        "kms_key_conditions",
        "the account administers the state key with no condition",
        (
            Edit(
                BOOTSTRAP,
                STATE_KEY_ADMIN_CONDITION,
                STATE_KEY_ADMIN_CONDITION.split("    }\n", 1)[1],
            ),
        ),
        stack="bootstrap",
    ),
    Mutant(
        "state-key-wildcard",
        "state_key_policy",
        'the account may use the state key with "kms:*" (through S3)',
        (
            Edit(
                BOOTSTRAP,
                '"kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey",\n',
                '"kms:*", "kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey",\n',
            ),
        ),
        stack="bootstrap",
    ),
)

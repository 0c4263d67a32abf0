# One role per function, each allowed only the prefixes, tables, workgroup and key it uses.
locals {
  glue_catalog_arn  = "arn:${var.partition}:glue:${var.region}:${var.account_id}:catalog"
  glue_database_arn = "arn:${var.partition}:glue:${var.region}:${var.account_id}:database/${var.glue_database}"
  glue_table_arns = {
    for layer, table in var.glue_table_names :
    layer => "arn:${var.partition}:glue:${var.region}:${var.account_id}:table/${var.glue_database}/${table}"
  }
  athena_query_actions = [
    "athena:StartQueryExecution", "athena:GetQueryExecution", "athena:GetQueryResults",
    "athena:StopQueryExecution", "athena:GetWorkGroup",
  ]
  token_parameter_arn = "arn:${var.partition}:ssm:${var.region}:${var.account_id}:parameter/${trimprefix(var.github.token_parameter, "/")}"
}

data "aws_iam_policy_document" "assume_lambda" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "function" {
  for_each = var.functions

  name               = "${each.value.name}-role"
  assume_role_policy = data.aws_iam_policy_document.assume_lambda.json
}

resource "aws_iam_role_policy" "function" {
  for_each = var.functions

  name = "${each.value.name}-least-privilege"
  role = aws_iam_role.function[each.key].id
  policy = {
    ingest  = data.aws_iam_policy_document.ingest.json
    silver  = data.aws_iam_policy_document.silver.json
    gold    = data.aws_iam_policy_document.gold.json
    archive = data.aws_iam_policy_document.archive.json
  }[each.key]
}

# Statements every function needs: its own log group, its metrics namespace, the failure queue, the key.
data "aws_iam_policy_document" "common" {
  for_each = var.functions

  statement {
    sid       = "OwnLogGroup"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${var.log_group_arns[each.key]}:*"]
  }

  # PutMetricData has no resource-level permissions; the namespace condition scopes it instead.
  statement {
    sid       = "PipelineMetrics"
    actions   = ["cloudwatch:PutMetricData"]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "cloudwatch:namespace"
      values   = [var.metrics_namespace]
    }
  }

  statement {
    sid       = "FailureDestination"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.failures.arn]
  }

  # X-Ray has no resource-level permissions for these two actions: "*" is the only resource AWS accepts.
  statement {
    sid       = "XRayTracing"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }

  statement {
    sid       = "LakeKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [var.kms_key_arn]
  }
}

data "aws_iam_policy_document" "ingest" {
  source_policy_documents = [data.aws_iam_policy_document.common["ingest"].json]

  statement {
    sid       = "WriteBronzeAndQuarantine"
    actions   = ["s3:PutObject"]
    resources = ["${var.buckets["raw"].arn}/github/events/*", "${var.buckets["raw"].arn}/github/quarantine/*"]
  }

  statement {
    sid       = "PollState"
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = ["${var.buckets["raw"].arn}/_state/ingest/*"]
  }

  # Without ListBucket a missing state object reads as AccessDenied instead of NoSuchKey.
  statement {
    sid       = "ListOwnPrefixes"
    actions   = ["s3:ListBucket"]
    resources = [var.buckets["raw"].arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["_state/ingest/*", "github/events/*", "github/quarantine/*"]
    }
  }

  dynamic "statement" {
    for_each = var.github.token_parameter == "" ? [] : [1]
    content {
      sid       = "GitHubToken"
      actions   = ["ssm:GetParameter"]
      resources = [local.token_parameter_arn]
    }
  }

  dynamic "statement" {
    for_each = var.github.token_secret_arn == "" ? [] : [1]
    content {
      sid       = "GitHubTokenSecret"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = [var.github.token_secret_arn]
    }
  }
}

# The archive function writes only objects named archive-* in Bronze and quarantine (the live ingest's objects
# are out of its reach) and its own per-hour state; it reads and deletes only what it may write (a failed
# attempt's parts are removed before the hour is retried).
data "aws_iam_policy_document" "archive" {
  source_policy_documents = [data.aws_iam_policy_document.common["archive"].json]

  statement {
    sid     = "WriteArchiveBronzeAndQuarantine"
    actions = ["s3:PutObject", "s3:GetObject", "s3:DeleteObject"]
    resources = [
      "${var.buckets["raw"].arn}/github/events/ingest_dt=*/archive-*",
      "${var.buckets["raw"].arn}/github/quarantine/ingest_dt=*/archive-*",
    ]
  }

  statement {
    sid       = "ArchiveHourState"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["${var.buckets["raw"].arn}/_state/archive/*"]
  }

  # Without ListBucket a missing state object reads as AccessDenied instead of NoSuchKey.
  statement {
    sid       = "ListOwnPrefixes"
    actions   = ["s3:ListBucket"]
    resources = [var.buckets["raw"].arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["_state/archive/*", "github/events/*", "github/quarantine/*"]
    }
  }
}

data "aws_iam_policy_document" "silver" {
  source_policy_documents = [data.aws_iam_policy_document.common["silver"].json]

  statement {
    sid       = "AthenaWorkgroup"
    actions   = local.athena_query_actions
    resources = [var.athena.workgroup_arn]
  }

  statement {
    sid     = "CatalogBronzeToSilver"
    actions = ["glue:GetDatabase", "glue:GetTable", "glue:GetPartition", "glue:GetPartitions", "glue:BatchGetPartition", "glue:CreatePartition", "glue:BatchCreatePartition"]
    resources = [
      local.glue_catalog_arn, local.glue_database_arn,
      local.glue_table_arns["bronze"], local.glue_table_arns["silver"],
    ]
  }

  statement {
    sid       = "ReadBronze"
    actions   = ["s3:GetObject"]
    resources = ["${var.buckets["raw"].arn}/github/events/*"]
  }

  statement {
    sid       = "ListBronze"
    actions   = ["s3:ListBucket", "s3:GetBucketLocation"]
    resources = [var.buckets["raw"].arn]
  }

  statement {
    sid       = "WriteSilverAndWatermark"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"]
    resources = ["${var.buckets["silver"].arn}/github/events_silver/*", "${var.buckets["silver"].arn}/_state/silver/*"]
  }

  statement {
    sid       = "ListSilver"
    actions   = ["s3:ListBucket", "s3:GetBucketLocation"]
    resources = [var.buckets["silver"].arn]
  }

  statement {
    sid       = "AthenaResults"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"]
    resources = ["arn:${var.partition}:s3:::${var.athena.results_prefix}/*"]
  }

  statement {
    sid       = "AthenaResultsBucket"
    actions   = ["s3:ListBucket", "s3:GetBucketLocation"]
    resources = [var.buckets["logs"].arn]
  }
}

data "aws_iam_policy_document" "gold" {
  source_policy_documents = [data.aws_iam_policy_document.common["gold"].json]

  statement {
    sid       = "AthenaWorkgroup"
    actions   = local.athena_query_actions
    resources = [var.athena.workgroup_arn]
  }

  statement {
    sid     = "CatalogSilverToGold"
    actions = ["glue:GetDatabase", "glue:GetTable", "glue:GetPartition", "glue:GetPartitions", "glue:BatchGetPartition"]
    resources = [
      local.glue_catalog_arn, local.glue_database_arn,
      local.glue_table_arns["silver"], local.glue_table_arns["gold"],
    ]
  }

  # Re-running a day replaces its partition: the metadata goes with the objects.
  statement {
    sid       = "ReplaceGoldPartition"
    actions   = ["glue:CreatePartition", "glue:BatchCreatePartition", "glue:DeletePartition", "glue:BatchDeletePartition"]
    resources = [local.glue_catalog_arn, local.glue_database_arn, local.glue_table_arns["gold"]]
  }

  statement {
    sid       = "ReadSilver"
    actions   = ["s3:GetObject"]
    resources = ["${var.buckets["silver"].arn}/github/events_silver/*"]
  }

  statement {
    sid       = "ListSilverAndGold"
    actions   = ["s3:ListBucket", "s3:GetBucketLocation"]
    resources = [var.buckets["silver"].arn, var.buckets["gold"].arn]
  }

  statement {
    sid       = "WriteGold"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"]
    resources = ["${var.buckets["gold"].arn}/github/events_gold_daily/*"]
  }

  statement {
    sid       = "AthenaResults"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"]
    resources = ["arn:${var.partition}:s3:::${var.athena.results_prefix}/*"]
  }

  statement {
    sid       = "AthenaResultsBucket"
    actions   = ["s3:ListBucket", "s3:GetBucketLocation"]
    resources = [var.buckets["logs"].arn]
  }
}

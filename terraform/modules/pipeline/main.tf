locals {
  common_env = {
    LAKEHOUSE_ENV     = var.env
    METRICS_NAMESPACE = var.metrics_namespace
  }
  function_env = {
    ingest = merge(local.common_env, {
      RAW_BUCKET     = var.buckets["raw"].name
      GITHUB_API_URL = var.github.api_url
      }, var.github.token_parameter == "" ? {} : {
      GITHUB_TOKEN_PARAMETER = var.github.token_parameter
      }, var.github.token_secret_arn == "" ? {} : {
      GITHUB_TOKEN_SECRET_ARN = var.github.token_secret_arn
    })
    silver = merge(local.common_env, {
      RAW_BUCKET       = var.buckets["raw"].name
      SILVER_BUCKET    = var.buckets["silver"].name
      ATHENA_WORKGROUP = var.athena.workgroup
      GLUE_DATABASE    = var.glue_database
    })
    gold = merge(local.common_env, {
      GOLD_BUCKET      = var.buckets["gold"].name
      ATHENA_WORKGROUP = var.athena.workgroup
      GLUE_DATABASE    = var.glue_database
    })
    archive = merge(local.common_env, {
      RAW_BUCKET             = var.buckets["raw"].name
      ARCHIVE_BASE_URL       = var.archive.base_url
      ARCHIVE_LAG_HOURS      = tostring(var.archive.lag_hours)
      ARCHIVE_LOOKBACK_HOURS = tostring(var.archive.lookback_hours)
    })
  }
}

resource "aws_sqs_queue" "failures" {
  name                      = "${var.name_prefix}-lambda-failures"
  message_retention_seconds = 1209600 # 14 days: time to replay a failed run
  kms_master_key_id         = var.kms_key_arn
}

resource "aws_lambda_function" "this" {
  for_each = var.functions

  function_name    = each.value.name
  description      = "GitHub events lakehouse: ${each.key}"
  role             = aws_iam_role.function[each.key].arn
  runtime          = var.runtime
  handler          = "${each.key}.handler"
  filename         = "${var.artifacts_dir}/${each.key}.zip"
  source_code_hash = filebase64sha256("${var.artifacts_dir}/${each.key}.zip")
  timeout          = each.value.timeout
  memory_size      = each.value.memory_size
  # Environment variables at rest under the lake key, not Lambda's AWS-managed one.
  kms_key_arn = var.kms_key_arn
  # The ingest handler tolerates overlapping polls; the transforms' dedupe is not transactional; the archive
  # runs one at a time.
  reserved_concurrent_executions = each.value.reserved_concurrency
  architectures                  = ["arm64"]

  environment {
    variables = local.function_env[each.key]
  }

  logging_config {
    log_format = "JSON"
    log_group  = "/aws/lambda/${each.value.name}"
  }

  tracing_config {
    mode = var.tracing_mode
  }

  depends_on = [aws_iam_role_policy.function]
}

# Async invocations (the schedules) that still fail after the retries land in the failure queue.
resource "aws_lambda_function_event_invoke_config" "this" {
  for_each = var.functions

  function_name                = aws_lambda_function.this[each.key].function_name
  maximum_retry_attempts       = 2
  maximum_event_age_in_seconds = 3600

  destination_config {
    on_failure {
      destination = aws_sqs_queue.failures.arn
    }
  }
}

resource "aws_cloudwatch_event_rule" "schedule" {
  for_each = var.functions

  name                = "${each.value.name}-schedule"
  description         = "Runs the ${each.key} Lambda"
  schedule_expression = each.value.schedule
}

resource "aws_cloudwatch_event_target" "schedule" {
  for_each = var.functions

  rule = aws_cloudwatch_event_rule.schedule[each.key].name
  arn  = aws_lambda_function.this[each.key].arn
}

resource "aws_lambda_permission" "schedule" {
  for_each = var.functions

  statement_id  = "AllowEventBridgeSchedule"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.this[each.key].function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.schedule[each.key].arn
}

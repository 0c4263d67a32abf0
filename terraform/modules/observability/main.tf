# Log groups exist before the functions so Lambda never creates an unencrypted, unexpiring one.
resource "aws_cloudwatch_log_group" "lambda" {
  for_each = var.function_names

  name              = "/aws/lambda/${each.value}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

resource "aws_sns_topic" "alarms" {
  name              = "${var.name_prefix}-alarms"
  kms_master_key_id = var.kms_key_arn
}

resource "aws_sns_topic_subscription" "email" {
  count = var.alarm_email == "" ? 0 : 1

  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

resource "aws_cloudwatch_metric_alarm" "lambda_errors" {
  for_each = var.function_names

  alarm_name          = "${each.value}-errors"
  alarm_description   = "The ${each.key} Lambda reported errors (see docs/runbook.md)."
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = each.value }
  statistic           = "Sum"
  period              = each.key == "ingest" ? 300 : 3600
  evaluation_periods  = each.key == "ingest" ? 3 : 1
  datapoints_to_alarm = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}

resource "aws_cloudwatch_metric_alarm" "athena_failures" {
  for_each = toset(["silver", "gold"])

  alarm_name          = "${var.name_prefix}-${each.key}-athena-failures"
  alarm_description   = "An Athena query of the ${each.key} transform failed (see docs/runbook.md)."
  namespace           = var.metrics_namespace
  metric_name         = "AthenaQueryFailures"
  dimensions          = { Environment = var.env, Transform = each.key }
  statistic           = "Sum"
  period              = 3600
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}

# An archive hour that failed every attempt of a run (truncated file, 5xx mid-stream past the retries): the
# hour stays not-done and the next run retries it, but an hour that keeps failing needs a person.
resource "aws_cloudwatch_metric_alarm" "archive_failed_hours" {
  alarm_name          = "${var.name_prefix}-archive-failed-hours"
  alarm_description   = "GH Archive hours failed to load in the last runs (see docs/runbook.md)."
  namespace           = var.metrics_namespace
  metric_name         = "ArchiveHoursFailed"
  dimensions          = { Environment = var.env }
  statistic           = "Sum"
  period              = 3600
  evaluation_periods  = 3
  datapoints_to_alarm = 2
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}

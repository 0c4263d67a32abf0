locals {
  trail_arn      = "arn:${var.partition}:cloudtrail:${var.region}:${var.account_id}:trail/${var.name}"
  log_group_name = "/aws/cloudtrail/${var.name}"

  # Changes to the policy, ACL or public access block of any of the lake's buckets.
  bucket_policy_events = [
    "PutBucketAcl", "PutBucketPolicy", "DeleteBucketPolicy", "PutBucketPublicAccessBlock",
    "DeletePublicAccessBlock", "PutBucketOwnershipControls", "DeleteBucketOwnershipControls",
  ]
  # Changes that could make the lake key unusable or hand it to someone else.
  key_events = [
    "DisableKey", "ScheduleKeyDeletion", "PutKeyPolicy", "DisableKeyRotation", "CreateGrant", "RevokeGrant",
  ]

  security_filters = {
    # CIS AWS Foundations: unauthorised API calls (any caller, any service).
    unauthorized_api_calls = {
      metric  = "UnauthorizedApiCalls"
      pattern = "{ ($.errorCode = \"*UnauthorizedOperation\") || ($.errorCode = \"AccessDenied*\") }"
      about   = "API calls in the account were denied (unauthorised access attempts)"
    }
    lake_bucket_policy_changes = {
      metric = "LakeBucketPolicyChanges"
      pattern = format(
        "{ ($.eventSource = \"s3.amazonaws.com\") && (%s) && (%s) }",
        join(" || ", [for e in local.bucket_policy_events : "($.eventName = \"${e}\")"]),
        join(" || ", [for b in var.watched_bucket_names : "($.requestParameters.bucketName = \"${b}\")"]),
      )
      about = "the policy, ACL or public access block of a lake bucket changed"
    }
    lake_key_changes = {
      metric = "LakeKeyChanges"
      pattern = format(
        "{ ($.eventSource = \"kms.amazonaws.com\") && (%s) && ($.resources[0].ARN = \"%s\") }",
        join(" || ", [for e in local.key_events : "($.eventName = \"${e}\")"]),
        var.kms_key_arn,
      )
      about = "the lake key was disabled, scheduled for deletion, re-policied or granted"
    }
  }
}

resource "aws_cloudtrail" "this" {
  name                          = var.name
  s3_bucket_name                = var.logs_bucket
  s3_key_prefix                 = "cloudtrail"
  kms_key_id                    = var.kms_key_arn
  enable_log_file_validation    = true
  include_global_service_events = true
  is_multi_region_trail         = true
  cloud_watch_logs_group_arn    = "${aws_cloudwatch_log_group.trail.arn}:*"
  cloud_watch_logs_role_arn     = aws_iam_role.trail_to_logs.arn

  event_selector {
    read_write_type           = "All"
    include_management_events = true

    data_resource {
      type   = "AWS::S3::Object"
      values = [for arn in var.data_bucket_arns : "${arn}/"]
    }
  }

  depends_on = [aws_iam_role_policy.trail_to_logs]
}

# ---------------------------------------------------------------- CloudTrail -> CloudWatch Logs

resource "aws_cloudwatch_log_group" "trail" {
  name              = local.log_group_name
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

data "aws_iam_policy_document" "assume_cloudtrail" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["cloudtrail.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceArn"
      values   = [local.trail_arn]
    }
  }
}

resource "aws_iam_role" "trail_to_logs" {
  name               = "${var.name}-to-cloudwatch"
  assume_role_policy = data.aws_iam_policy_document.assume_cloudtrail.json
}

data "aws_iam_policy_document" "trail_to_logs" {
  statement {
    sid       = "DeliverToOwnLogGroup"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.trail.arn}:log-stream:*"]
  }
}

resource "aws_iam_role_policy" "trail_to_logs" {
  name   = "${var.name}-to-cloudwatch"
  role   = aws_iam_role.trail_to_logs.id
  policy = data.aws_iam_policy_document.trail_to_logs.json
}

# ---------------------------------------------------------------- security metric filters and alarms

resource "aws_cloudwatch_log_metric_filter" "security" {
  for_each = local.security_filters

  name           = "${var.name}-${replace(each.key, "_", "-")}"
  log_group_name = aws_cloudwatch_log_group.trail.name
  pattern        = each.value.pattern

  metric_transformation {
    name      = each.value.metric
    namespace = var.security_metrics_namespace
    value     = "1"
  }
}

resource "aws_cloudwatch_metric_alarm" "security" {
  for_each = local.security_filters

  alarm_name          = "${var.name}-${replace(each.key, "_", "-")}"
  alarm_description   = "CloudTrail: ${each.value.about} (see docs/runbook.md)."
  namespace           = var.security_metrics_namespace
  metric_name         = each.value.metric
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.alarm_topic_arn]

  depends_on = [aws_cloudwatch_log_metric_filter.security]
}

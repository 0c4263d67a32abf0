# What a deploy role may do: create, change and destroy the stack of its environment(s) and nothing
# else. Every statement names the environment's resources (dp-<env>-*, lakehouse_<env>); where an AWS API
# has no resource-level permission the statement says so and is conditioned on the env tag instead.
data "aws_iam_policy_document" "deploy" {
  for_each = local.scopes

  statement {
    sid       = "State"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["${local.state_arn}/lakehouse/${each.value.env}/*"]
  }
  statement {
    sid       = "StateBucket"
    actions   = ["s3:ListBucket"]
    resources = [local.state_arn]
  }
  statement {
    sid       = "StateKey"
    actions   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]
    resources = ["${local.arn_prefix}:kms:${var.region}:${var.account_id}:key/*"]
    condition {
      test     = "ForAnyValue:StringEquals"
      variable = "kms:ResourceAliases"
      values   = [var.state_key_alias]
    }
  }

  statement {
    sid = "LakeBuckets"
    actions = [
      "s3:CreateBucket", "s3:DeleteBucket", "s3:ListBucket", "s3:ListBucketVersions", "s3:GetBucket*",
      "s3:PutBucket*", "s3:DeleteBucketPolicy", "s3:GetEncryptionConfiguration", "s3:PutEncryptionConfiguration",
      "s3:GetLifecycleConfiguration", "s3:PutLifecycleConfiguration", "s3:GetAccelerateConfiguration",
      "s3:GetReplicationConfiguration", "s3:GetAnalyticsConfiguration", "s3:GetIntelligentTieringConfiguration",
      "s3:GetInventoryConfiguration", "s3:GetMetricsConfiguration", "s3:GetObjectLockConfiguration",
      "s3:DeleteObject", "s3:DeleteObjectVersion", "s3:GetObject", "s3:GetObjectVersion",
    ]
    resources = ["${local.arn_prefix}:s3:::dp-${each.value.env}-*"]
  }

  # CreateKey names no key yet: it is allowed only with the env tag, and the key's later life only
  # on keys carrying that tag.
  statement {
    sid       = "CreateLakeKey"
    actions   = ["kms:CreateKey", "kms:TagResource"]
    resources = ["*"]
    condition {
      test     = "StringLike"
      variable = "aws:RequestTag/env"
      values   = [each.value.env]
    }
  }
  statement {
    sid = "ManageLakeKey"
    actions = [
      "kms:DescribeKey", "kms:GetKeyPolicy", "kms:PutKeyPolicy", "kms:GetKeyRotationStatus",
      "kms:EnableKeyRotation", "kms:ListResourceTags", "kms:TagResource", "kms:UntagResource",
      "kms:ScheduleKeyDeletion", "kms:CreateGrant", "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey",
      "kms:UpdateKeyDescription", "kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias",
    ]
    resources = ["${local.arn_prefix}:kms:${var.region}:${var.account_id}:key/*"]
    condition {
      test     = "StringLike"
      variable = "aws:ResourceTag/env"
      values   = [each.value.env]
    }
  }
  # An alias names both the alias and its key: the alias by name here, the key by its tag above.
  statement {
    sid       = "LakeKeyAlias"
    actions   = ["kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias"]
    resources = ["${local.arn_prefix}:kms:${var.region}:${var.account_id}:alias/dp-${each.value.env}-*"]
  }

  statement {
    sid = "FunctionAndTrailRoles"
    actions = [
      "iam:CreateRole", "iam:DeleteRole", "iam:GetRole", "iam:TagRole", "iam:UntagRole", "iam:UpdateRole",
      "iam:UpdateAssumeRolePolicy", "iam:PutRolePolicy", "iam:GetRolePolicy", "iam:DeleteRolePolicy",
      "iam:ListRolePolicies", "iam:ListAttachedRolePolicies", "iam:ListInstanceProfilesForRole",
    ]
    resources = ["${local.arn_prefix}:iam::${var.account_id}:role/dp-${each.value.env}-*"]
  }
  statement {
    sid       = "PassRolesToLambdaAndCloudTrail"
    actions   = ["iam:PassRole"]
    resources = ["${local.arn_prefix}:iam::${var.account_id}:role/dp-${each.value.env}-*"]
    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["lambda.amazonaws.com", "cloudtrail.amazonaws.com"]
    }
  }

  statement {
    sid = "Functions"
    actions = [
      "lambda:CreateFunction", "lambda:DeleteFunction", "lambda:GetFunction", "lambda:GetFunctionConfiguration",
      "lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration", "lambda:ListVersionsByFunction",
      "lambda:GetFunctionCodeSigningConfig", "lambda:PutFunctionConcurrency", "lambda:DeleteFunctionConcurrency",
      "lambda:GetFunctionConcurrency", "lambda:AddPermission", "lambda:RemovePermission", "lambda:GetPolicy",
      "lambda:PutFunctionEventInvokeConfig", "lambda:UpdateFunctionEventInvokeConfig",
      "lambda:GetFunctionEventInvokeConfig", "lambda:DeleteFunctionEventInvokeConfig", "lambda:TagResource",
      "lambda:UntagResource", "lambda:ListTags", "lambda:InvokeFunction",
    ]
    resources = ["${local.arn_prefix}:lambda:${var.region}:${var.account_id}:function:dp-${each.value.env}-*"]
  }

  statement {
    sid = "LogGroupsAndFilters"
    actions = [
      "logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:PutRetentionPolicy", "logs:AssociateKmsKey",
      "logs:DisassociateKmsKey", "logs:TagResource", "logs:UntagResource", "logs:ListTagsForResource",
      "logs:PutMetricFilter", "logs:DeleteMetricFilter",
    ]
    resources = [
      "${local.arn_prefix}:logs:${var.region}:${var.account_id}:log-group:/aws/lambda/dp-${each.value.env}-*",
      "${local.arn_prefix}:logs:${var.region}:${var.account_id}:log-group:/aws/cloudtrail/dp-${each.value.env}-*",
    ]
  }
  # Describe* calls of CloudWatch Logs, CloudWatch and CloudTrail list, they do not name a resource.
  statement {
    sid = "DescribeHasNoResourceLevelPermission"
    actions = [
      "logs:DescribeLogGroups", "logs:DescribeMetricFilters", "cloudwatch:DescribeAlarms",
      "cloudtrail:DescribeTrails", "sqs:ListQueues", "events:ListRules",
    ]
    resources = ["*"]
  }

  statement {
    sid = "Alarms"
    actions = [
      "cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms", "cloudwatch:TagResource",
      "cloudwatch:UntagResource", "cloudwatch:ListTagsForResource",
    ]
    resources = ["${local.arn_prefix}:cloudwatch:${var.region}:${var.account_id}:alarm:dp-${each.value.env}-*"]
  }

  statement {
    sid = "AlarmTopic"
    actions = [
      "sns:CreateTopic", "sns:DeleteTopic", "sns:GetTopicAttributes", "sns:SetTopicAttributes",
      "sns:Subscribe", "sns:Unsubscribe", "sns:GetSubscriptionAttributes", "sns:ListSubscriptionsByTopic",
      "sns:TagResource", "sns:UntagResource", "sns:ListTagsForResource",
    ]
    resources = ["${local.arn_prefix}:sns:${var.region}:${var.account_id}:dp-${each.value.env}-*"]
  }

  statement {
    sid = "FailureQueue"
    actions = [
      "sqs:CreateQueue", "sqs:DeleteQueue", "sqs:GetQueueAttributes", "sqs:SetQueueAttributes",
      "sqs:GetQueueUrl", "sqs:TagQueue", "sqs:UntagQueue", "sqs:ListQueueTags",
    ]
    resources = ["${local.arn_prefix}:sqs:${var.region}:${var.account_id}:dp-${each.value.env}-*"]
  }

  statement {
    sid = "Schedules"
    actions = [
      "events:PutRule", "events:DeleteRule", "events:DescribeRule", "events:PutTargets", "events:RemoveTargets",
      "events:ListTargetsByRule", "events:TagResource", "events:UntagResource", "events:ListTagsForResource",
    ]
    resources = ["${local.arn_prefix}:events:${var.region}:${var.account_id}:rule/dp-${each.value.env}-*"]
  }

  statement {
    sid = "Catalog"
    actions = [
      "glue:CreateDatabase", "glue:DeleteDatabase", "glue:GetDatabase", "glue:UpdateDatabase",
      "glue:CreateTable", "glue:DeleteTable", "glue:GetTable", "glue:UpdateTable", "glue:GetTags",
      "glue:TagResource", "glue:UntagResource", "glue:GetPartitions", "glue:BatchDeletePartition",
    ]
    resources = [
      "${local.arn_prefix}:glue:${var.region}:${var.account_id}:catalog",
      "${local.arn_prefix}:glue:${var.region}:${var.account_id}:database/lakehouse_${each.value.glue}",
      "${local.arn_prefix}:glue:${var.region}:${var.account_id}:table/lakehouse_${each.value.glue}/*",
    ]
  }

  statement {
    sid = "Workgroup"
    actions = [
      "athena:CreateWorkGroup", "athena:DeleteWorkGroup", "athena:GetWorkGroup", "athena:UpdateWorkGroup",
      "athena:TagResource", "athena:UntagResource", "athena:ListTagsForResource",
      "athena:StartQueryExecution", "athena:GetQueryExecution", "athena:GetQueryResults",
    ]
    resources = ["${local.arn_prefix}:athena:${var.region}:${var.account_id}:workgroup/dp-${each.value.env}-*"]
  }

  statement {
    sid = "Trail"
    actions = [
      "cloudtrail:CreateTrail", "cloudtrail:DeleteTrail", "cloudtrail:UpdateTrail", "cloudtrail:StartLogging",
      "cloudtrail:StopLogging", "cloudtrail:GetTrailStatus", "cloudtrail:GetEventSelectors",
      "cloudtrail:PutEventSelectors", "cloudtrail:AddTags", "cloudtrail:RemoveTags", "cloudtrail:ListTags",
      "cloudtrail:GetTrail",
    ]
    resources = ["${local.arn_prefix}:cloudtrail:${var.region}:${var.account_id}:trail/dp-${each.value.env}-*"]
  }
}

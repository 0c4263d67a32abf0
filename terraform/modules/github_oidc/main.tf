# GitHub Actions reach AWS only through this provider: a workflow job trades its short-lived OIDC token
# for a role session. Each role trusts one `sub` shape of this repository only, so a fork, another
# repository or another branch cannot assume it; no long-lived access key exists anywhere.
locals {
  issuer = "token.actions.githubusercontent.com"
  # The provider's ARN is fixed by its URL, so the trust policies are known at plan time (and gated there).
  provider_arn = "arn:${var.partition}:iam::${var.account_id}:oidc-provider/${local.issuer}"
  arn_prefix   = "arn:${var.partition}"
  state_arn    = "${local.arn_prefix}:s3:::${var.state_bucket}"

  # What a deploy role may touch, per environment name pattern (an env, or "pr-*" for the ephemeral role).
  scopes = merge(
    { for env in var.environments : env => { env = env, glue = replace(env, "-", "_") } },
    var.ephemeral_prefix == "" ? {} : {
      ephemeral = { env = "${var.ephemeral_prefix}*", glue = "${replace(var.ephemeral_prefix, "-", "_")}*" }
    },
  )
}

resource "aws_iam_openid_connect_provider" "github" {
  count = var.create_provider ? 1 : 0

  url            = "https://${local.issuer}"
  client_id_list = ["sts.amazonaws.com"]
}

# ---------------------------------------------------------------- trust: one subject shape per role

data "aws_iam_policy_document" "trust" {
  for_each = merge(
    { plan = "repo:${var.repository}:ref:refs/heads/${var.default_branch}" },
    { for env in var.environments : env => "repo:${var.repository}:environment:${env}" },
    var.ephemeral_prefix == "" ? {} : { ephemeral = "repo:${var.repository}:pull_request" },
  )

  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [local.provider_arn]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.issuer}:aud"
      values   = ["sts.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.issuer}:sub"
      values   = [each.value]
    }
  }
}

# ---------------------------------------------------------------- plan role (read-only)

resource "aws_iam_role" "plan" {
  name                 = "${var.name_prefix}-plan"
  description          = "GitHub ${var.repository}: plans and drift on ${var.default_branch}, read-only"
  assume_role_policy   = data.aws_iam_policy_document.trust["plan"].json
  max_session_duration = 3600

  depends_on = [aws_iam_openid_connect_provider.github]
}

resource "aws_iam_role_policy_attachment" "plan_read_only" {
  role       = aws_iam_role.plan.name
  policy_arn = "${local.arn_prefix}:iam::aws:policy/ReadOnlyAccess"
}

# Plans read the state and hold its lock file while they run (S3-native locking writes <key>.tflock).
data "aws_iam_policy_document" "plan_state" {
  statement {
    sid       = "ReadState"
    actions   = ["s3:GetObject", "s3:ListBucket"]
    resources = [local.state_arn, "${local.state_arn}/lakehouse/*"]
  }
  statement {
    sid       = "HoldStateLock"
    actions   = ["s3:PutObject", "s3:DeleteObject"]
    resources = ["${local.state_arn}/lakehouse/*.tflock"]
  }
  statement {
    sid       = "StateKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = ["${local.arn_prefix}:kms:${var.region}:${var.account_id}:key/*"]
    condition {
      test     = "ForAnyValue:StringEquals"
      variable = "kms:ResourceAliases"
      values   = [var.state_key_alias]
    }
  }
}

resource "aws_iam_role_policy" "plan_state" {
  name   = "state"
  role   = aws_iam_role.plan.id
  policy = data.aws_iam_policy_document.plan_state.json
}

# ---------------------------------------------------------------- deploy roles, one per scope

resource "aws_iam_role" "deploy" {
  for_each = var.environments

  name                 = "${var.name_prefix}-deploy-${each.key}"
  description          = "GitHub ${var.repository}: deploys ${each.key} from jobs of the ${each.key} environment"
  assume_role_policy   = data.aws_iam_policy_document.trust[each.key].json
  max_session_duration = 3600

  depends_on = [aws_iam_openid_connect_provider.github]
}

resource "aws_iam_role" "ephemeral" {
  count = var.ephemeral_prefix == "" ? 0 : 1

  name                 = "${var.name_prefix}-deploy-ephemeral"
  description          = "GitHub ${var.repository}: deploys and destroys ${var.ephemeral_prefix}<number> from pull requests"
  assume_role_policy   = data.aws_iam_policy_document.trust["ephemeral"].json
  max_session_duration = 7200

  depends_on = [aws_iam_openid_connect_provider.github]
}

locals {
  deploy_roles = merge(
    { for env, role in aws_iam_role.deploy : env => role.id },
    { for role in aws_iam_role.ephemeral : "ephemeral" => role.id },
  )
}

resource "aws_iam_role_policy" "deploy" {
  for_each = local.deploy_roles

  name   = "deploy"
  role   = each.value
  policy = data.aws_iam_policy_document.deploy[each.key].json
}

output "provider_arn" {
  description = "The GitHub OIDC provider the roles trust."
  value       = local.provider_arn
}

output "plan_role_arn" {
  description = "Read-only role for plans and drift on the default branch (GitHub variable AWS_PLAN_ROLE_ARN)."
  value       = aws_iam_role.plan.arn
}

output "deploy_role_arns" {
  description = "Deploy role per environment (the GitHub environment's variable AWS_ROLE_ARN)."
  value       = { for env, role in aws_iam_role.deploy : env => role.arn }
}

output "ephemeral_role_arn" {
  description = "Deploy role of the pull-request environments (GitHub variable AWS_EPHEMERAL_ROLE_ARN); null without one."
  value       = one(aws_iam_role.ephemeral[*].arn)
}

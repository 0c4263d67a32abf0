output "state_bucket" {
  description = "Bucket for the main stack's state (pass as -backend-config=bucket=...)."
  value       = aws_s3_bucket.state.id
}

output "state_kms_key_arn" {
  description = "Key encrypting the state (pass as -backend-config=kms_key_id=... to encrypt with it)."
  value       = aws_kms_key.state.arn
}

output "state_access_log_bucket" {
  description = "Bucket receiving the state bucket's server access logs."
  value       = aws_s3_bucket.access_logs.id
}

output "github_oidc" {
  description = "CI roles for GitHub Actions (null without github_repository): plan_role_arn, deploy_role_arns, ephemeral_role_arn."
  value = var.github_repository == "" ? null : {
    provider_arn       = module.github_oidc[0].provider_arn
    plan_role_arn      = module.github_oidc[0].plan_role_arn
    deploy_role_arns   = module.github_oidc[0].deploy_role_arns
    ephemeral_role_arn = module.github_oidc[0].ephemeral_role_arn
  }
}

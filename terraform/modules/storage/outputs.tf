output "bucket_names" {
  description = "Bucket names by role: raw, silver, gold, logs."
  value       = { for k in keys(local.bucket_names) : k => aws_s3_bucket.this[k].id }
}

output "bucket_arns" {
  description = "Bucket ARNs by role."
  value       = { for k in keys(local.bucket_names) : k => aws_s3_bucket.this[k].arn }
}

output "kms_key_arn" {
  description = "ARN of the lake key."
  value       = aws_kms_key.lake.arn
}

output "kms_alias" {
  description = "Alias of the lake key."
  value       = aws_kms_alias.lake.name
}

output "buckets" {
  description = "Buckets by role (raw, silver, gold, logs): name and ARN."
  value       = { for k in keys(local.bucket_names) : k => { name = aws_s3_bucket.this[k].id, arn = aws_s3_bucket.this[k].arn } }
}

output "bucket_names" {
  description = "Bucket names by role: raw, silver, gold, logs."
  value       = { for k, b in aws_s3_bucket.this : k => b.id }
}

output "bucket_arns" {
  description = "Bucket ARNs by role."
  value       = { for k, b in aws_s3_bucket.this : k => b.arn }
}

output "kms_key_arn" {
  description = "ARN of the lake key."
  value       = aws_kms_key.lake.arn
}

output "kms_alias" {
  description = "Alias of the lake key."
  value       = aws_kms_alias.lake.name
}

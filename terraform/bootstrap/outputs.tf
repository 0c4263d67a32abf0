output "state_bucket" {
  description = "Bucket for the main stack's state (pass as -backend-config=bucket=...)."
  value       = aws_s3_bucket.state.id
}

output "state_kms_key_arn" {
  description = "Key encrypting the state (pass as -backend-config=kms_key_id=... to encrypt with it)."
  value       = aws_kms_key.state.arn
}

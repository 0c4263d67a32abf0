output "workgroup_name" {
  description = "Athena workgroup name."
  value       = aws_athena_workgroup.lakehouse.name
}

output "workgroup_arn" {
  description = "Athena workgroup ARN."
  value       = aws_athena_workgroup.lakehouse.arn
}

output "results_prefix" {
  description = "S3 prefix (bucket/key) of the query results."
  value       = "${var.results_bucket}/athena-results"
}

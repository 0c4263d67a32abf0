output "env" {
  description = "Environment name."
  value       = var.env
}

output "account_id" {
  description = "Account the environment lives in."
  value       = local.account_id
}

output "bucket_names" {
  description = "Bucket names by role: raw, silver, gold, logs."
  value       = module.storage.bucket_names
}

output "kms_key_arn" {
  description = "The environment's lake KMS key."
  value       = module.storage.kms_key_arn
}

output "glue_database" {
  description = "Glue database holding the three tables."
  value       = module.catalog.database_name
}

output "glue_tables" {
  description = "Glue table names by layer: bronze, silver, gold."
  value       = module.catalog.table_names
}

output "athena_workgroup" {
  description = "Athena workgroup of the environment."
  value       = module.query.workgroup_name
}

output "function_names" {
  description = "Lambda function names by role: ingest, silver, gold, archive."
  value       = module.pipeline.function_names
}

output "schedule_rules" {
  description = "EventBridge rule names by function."
  value       = module.pipeline.schedule_rule_names
}

output "alarm_topic_arn" {
  description = "SNS topic the alarms notify."
  value       = module.observability.alarm_topic_arn
}

output "trail_name" {
  description = "CloudTrail trail of the environment."
  value       = module.audit.trail_name
}

output "trail_log_group" {
  description = "CloudWatch Logs group the trail delivers to."
  value       = module.audit.log_group_name
}

output "security_alarms" {
  description = "CloudTrail security alarm names by metric filter."
  value       = module.audit.security_alarm_names
}

output "failure_queue_arn" {
  description = "SQS queue receiving failed async invocations (encrypted with the lake key)."
  value       = module.pipeline.failure_queue_arn
}

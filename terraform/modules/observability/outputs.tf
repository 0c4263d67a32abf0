output "log_group_arns" {
  description = "Log group ARNs by function role."
  value       = { for k, g in aws_cloudwatch_log_group.lambda : k => g.arn }
}

output "alarm_topic_arn" {
  description = "SNS topic the alarms notify."
  value       = aws_sns_topic.alarms.arn
}

output "metrics_namespace" {
  description = "Namespace of the handlers' custom metrics."
  value       = var.metrics_namespace
}

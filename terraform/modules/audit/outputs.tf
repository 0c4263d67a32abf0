output "trail_name" {
  description = "Trail name."
  value       = aws_cloudtrail.this.name
}

output "trail_arn" {
  description = "Trail ARN."
  value       = aws_cloudtrail.this.arn
}

output "log_group_name" {
  description = "CloudWatch Logs group the trail delivers to."
  value       = aws_cloudwatch_log_group.trail.name
}

output "security_alarm_names" {
  description = "Security alarm names by metric filter: unauthorized_api_calls, lake_bucket_policy_changes, lake_key_changes."
  value       = { for k, a in aws_cloudwatch_metric_alarm.security : k => a.alarm_name }
}

output "function_names" {
  description = "Lambda function names by role."
  value       = { for k, f in aws_lambda_function.this : k => f.function_name }
}

output "function_arns" {
  description = "Lambda function ARNs by role."
  value       = { for k, f in aws_lambda_function.this : k => f.arn }
}

output "role_arns" {
  description = "Execution role ARNs by function role."
  value       = { for k, r in aws_iam_role.function : k => r.arn }
}

output "schedule_rule_names" {
  description = "EventBridge rule names by function role."
  value       = { for k, r in aws_cloudwatch_event_rule.schedule : k => r.name }
}

output "failure_queue_arn" {
  description = "SQS queue receiving failed async invocations."
  value       = aws_sqs_queue.failures.arn
}

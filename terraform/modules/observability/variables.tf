variable "env" {
  description = "Environment name (the Environment dimension of the pipeline metrics)."
  type        = string
}

variable "name_prefix" {
  description = "Prefix of resource names, dp-<env>."
  type        = string
}

variable "kms_key_arn" {
  description = "Key that encrypts the log groups and the alarm topic."
  type        = string
}

variable "log_retention_days" {
  description = "Retention of the Lambda log groups, in days."
  type        = number
}

variable "function_names" {
  description = "Lambda function names by role (ingest, silver, gold)."
  type        = map(string)

  validation {
    condition     = alltrue([for k in ["ingest", "silver", "gold"] : contains(keys(var.function_names), k)])
    error_message = "function_names must name the ingest, silver and gold functions."
  }
}

variable "alarm_email" {
  description = "Optional e-mail subscribed to the alarm topic."
  type        = string
  default     = ""
}

variable "metrics_namespace" {
  description = "CloudWatch namespace of the handlers' custom metrics."
  type        = string
  default     = "Lakehouse/Pipeline"
}

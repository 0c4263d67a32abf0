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

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of the values CloudWatch Logs accepts."
  }
}

variable "function_names" {
  description = "Lambda function names by role (ingest, silver, gold, archive)."
  type        = map(string)

  validation {
    condition     = alltrue([for k in ["ingest", "silver", "gold", "archive"] : contains(keys(var.function_names), k)])
    error_message = "function_names must name the ingest, silver, gold and archive functions."
  }
}

variable "alarm_email" {
  description = "Optional e-mail subscribed to the alarm topic."
  type        = string
  default     = ""

  validation {
    condition     = var.alarm_email == "" || can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.alarm_email))
    error_message = "alarm_email must be empty or an e-mail address."
  }
}

variable "metrics_namespace" {
  description = "CloudWatch namespace of the handlers' custom metrics."
  type        = string
  default     = "Lakehouse/Pipeline"
}

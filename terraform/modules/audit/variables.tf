variable "name" {
  description = "Trail name (also names its log group, role, metric filters and alarms)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9._-]{2,127}$", var.name))
    error_message = "name must be 3-128 letters, digits, '.', '_' or '-', starting with a letter or digit (CloudTrail's rule)."
  }
}

variable "account_id" {
  description = "AWS account id (the trail's ARN scopes the role CloudTrail assumes)."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "account_id must be 12 digits."
  }
}

variable "region" {
  description = "Home region of the trail."
  type        = string
}

variable "partition" {
  description = "AWS partition (aws, aws-cn, aws-us-gov)."
  type        = string
  default     = "aws"
}

variable "logs_bucket" {
  description = "Bucket receiving the trail's log files (under cloudtrail/)."
  type        = string
}

variable "kms_key_arn" {
  description = "Key encrypting the trail's log files and its CloudWatch Logs group; its changes are alarmed."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN."
  }
}

variable "data_bucket_arns" {
  description = "Lake bucket ARNs whose object-level (data) events the trail records."
  type        = list(string)
}

variable "watched_bucket_names" {
  description = "Buckets whose policy, ACL and public access block changes raise an alarm."
  type        = list(string)

  validation {
    condition     = length(var.watched_bucket_names) > 0
    error_message = "watched_bucket_names must name at least one bucket."
  }
}

variable "log_retention_days" {
  description = "Retention of the trail's CloudWatch Logs group, in days."
  type        = number

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of the values CloudWatch Logs accepts."
  }
}

variable "alarm_topic_arn" {
  description = "SNS topic the security alarms notify."
  type        = string
}

variable "security_metrics_namespace" {
  description = "CloudWatch namespace of the metrics the trail's metric filters emit."
  type        = string
}

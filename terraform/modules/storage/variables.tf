variable "env" {
  description = "Environment name; part of every bucket name."
  type        = string
}

variable "account_id" {
  description = "AWS account id; part of every bucket name."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "account_id must be 12 digits."
  }
}

variable "region" {
  description = "Region of the environment (for service principals in the key policy)."
  type        = string
}

variable "partition" {
  description = "AWS partition (aws, aws-cn, aws-us-gov)."
  type        = string
  default     = "aws"
}

variable "force_destroy" {
  description = "Allow destroying buckets that still hold objects (ephemeral environments)."
  type        = bool
  default     = false
}

variable "kms_deletion_window_days" {
  description = "Waiting period before a scheduled key deletion."
  type        = number
  default     = 30
}

variable "transition_ia_days" {
  description = "Days before lake objects move to STANDARD_IA."
  type        = number
  default     = 30
}

variable "transition_glacier_days" {
  description = "Days before lake objects move to GLACIER."
  type        = number
  default     = 180
}

variable "expiration_days" {
  description = "Days before lake objects expire (retention)."
  type        = number
  default     = 730

  validation {
    condition     = var.expiration_days > 180
    error_message = "expiration_days must be later than the GLACIER transition."
  }
}

variable "noncurrent_expiration_days" {
  description = "Days before noncurrent object versions expire."
  type        = number
  default     = 90
}

variable "logs_expiration_days" {
  description = "Days before objects in the logs bucket (access logs, trail, Athena results) expire."
  type        = number
  default     = 365
}

variable "trail_name" {
  description = "Name of the environment's CloudTrail trail (its ARN scopes the logs bucket and key policies)."
  type        = string
}

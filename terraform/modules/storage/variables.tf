variable "env" {
  description = "Environment name; part of every bucket name."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}[a-z0-9]$", var.env))
    error_message = "env must be 3-32 lowercase letters, digits and hyphens, starting with a letter."
  }
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

  validation {
    condition     = contains(["aws", "aws-cn", "aws-us-gov"], var.partition)
    error_message = "partition must be aws, aws-cn or aws-us-gov."
  }
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

  validation {
    condition     = var.kms_deletion_window_days >= 7 && var.kms_deletion_window_days <= 30
    error_message = "kms_deletion_window_days must be between 7 and 30 (KMS's limits)."
  }
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

  validation {
    # S3 keeps objects in STANDARD_IA at least 30 days before a further transition.
    condition     = var.transition_glacier_days >= var.transition_ia_days + 30
    error_message = "transition_glacier_days must be at least 30 days after transition_ia_days."
  }
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

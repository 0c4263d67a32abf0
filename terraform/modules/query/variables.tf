variable "name" {
  description = "Workgroup name."
  type        = string
}

variable "results_bucket" {
  description = "Bucket that receives query results (the logs bucket)."
  type        = string
}

variable "kms_key_arn" {
  description = "Key that encrypts query results (SSE_KMS)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (SSE_KMS needs a customer-managed key)."
  }
}

variable "bytes_scanned_cutoff" {
  description = "Per-query bytes-scanned cutoff."
  type        = number

  validation {
    condition     = var.bytes_scanned_cutoff >= 10485760
    error_message = "bytes_scanned_cutoff must be at least 10 MiB (Athena's minimum)."
  }
}

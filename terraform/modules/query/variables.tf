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
}

variable "bytes_scanned_cutoff" {
  description = "Per-query bytes-scanned cutoff."
  type        = number
}

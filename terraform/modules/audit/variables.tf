variable "name" {
  description = "Trail name."
  type        = string
}

variable "logs_bucket" {
  description = "Bucket receiving the trail's log files (under cloudtrail/)."
  type        = string
}

variable "kms_key_arn" {
  description = "Key encrypting the trail's log files."
  type        = string
}

variable "data_bucket_arns" {
  description = "Lake bucket ARNs whose object-level (data) events the trail records."
  type        = list(string)
}

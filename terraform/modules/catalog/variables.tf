variable "env" {
  description = "Environment name; the database is lakehouse_<env> (hyphens become underscores)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}[a-z0-9]$", var.env))
    error_message = "env must be 3-32 lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "raw_bucket" {
  description = "Bronze bucket name."
  type        = string
}

variable "silver_bucket" {
  description = "Silver bucket name."
  type        = string
}

variable "gold_bucket" {
  description = "Gold bucket name."
  type        = string
}

variable "projection_start_date" {
  description = "First ingest_dt the Bronze partition projection covers (yyyy-MM-dd)."
  type        = string
  default     = "2020-01-01"

  validation {
    condition     = can(regex("^[0-9]{4}-[0-9]{2}-[0-9]{2}$", var.projection_start_date))
    error_message = "projection_start_date must be yyyy-MM-dd."
  }
}

variable "aws_region" {
  description = "Region of the state bucket."
  type        = string
  default     = "us-east-1"
}

variable "owner" {
  description = "Team that owns the state (the owner tag)."
  type        = string
  default     = "data-platform"
}

variable "project" {
  description = "Project name (the project tag)."
  type        = string
  default     = "github-lakehouse"
}

variable "force_destroy" {
  description = "Let destroy remove the state bucket while it still holds state (tests only)."
  type        = bool
  default     = false
}

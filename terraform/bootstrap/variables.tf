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

variable "access_log_retention_days" {
  description = "Days the state bucket's access logs are kept."
  type        = number
  default     = 365

  validation {
    condition     = var.access_log_retention_days >= 90
    error_message = "access_log_retention_days must be at least 90."
  }
}

variable "github_repository" {
  description = "GitHub repository (owner/name) whose workflows deploy the stack through OIDC. Empty: no OIDC provider or CI roles."
  type        = string
  default     = ""

  validation {
    condition     = var.github_repository == "" || can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.github_repository))
    error_message = "github_repository must be owner/name."
  }
}

variable "github_environments" {
  description = "Environments with a deploy role, each trusted only by jobs of the GitHub environment of the same name."
  type        = set(string)
  default     = ["dev", "staging", "prod"]
}

variable "create_github_oidc_provider" {
  description = "Create the account's token.actions.githubusercontent.com provider (false when the account already has one)."
  type        = bool
  default     = true
}

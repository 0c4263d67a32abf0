variable "repository" {
  description = "GitHub repository (owner/name) whose workflows may assume the roles."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.repository))
    error_message = "repository must be owner/name."
  }
}

variable "environments" {
  description = "Long-lived environments, each with a deploy role trusted only by jobs of the GitHub environment of the same name."
  type        = set(string)
  default     = ["dev", "staging", "prod"]

  validation {
    condition     = alltrue([for e in var.environments : can(regex("^[a-z][a-z0-9-]{1,30}[a-z0-9]$", e))])
    error_message = "each environment must be a valid env name (lowercase letters, digits, hyphens)."
  }
}

variable "ephemeral_prefix" {
  description = "Name prefix of the per-pull-request environments (pr-<number>) the ephemeral role may deploy. Empty: no ephemeral role."
  type        = string
  default     = "pr-"

  validation {
    condition     = var.ephemeral_prefix == "" || can(regex("^[a-z][a-z0-9]*-$", var.ephemeral_prefix))
    error_message = "ephemeral_prefix must be empty or lowercase letters and digits ending in '-' (e.g. pr-)."
  }
}

variable "default_branch" {
  description = "Branch whose workflow runs (deploy plans, nightly drift) may assume the read-only plan role."
  type        = string
  default     = "main"
}

variable "state_bucket" {
  description = "Bucket holding the stack's state (bootstrap's state_bucket)."
  type        = string
}

variable "state_key_alias" {
  description = "Alias of the key encrypting the state (bootstrap's alias/dp-tfstate); the roles may use the key it names."
  type        = string

  validation {
    condition     = startswith(var.state_key_alias, "alias/")
    error_message = "state_key_alias must be a KMS alias name (alias/...)."
  }
}

variable "account_id" {
  description = "AWS account id the roles live in."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "account_id must be 12 digits."
  }
}

variable "region" {
  description = "Region of the environments."
  type        = string
}

variable "partition" {
  description = "AWS partition."
  type        = string
  default     = "aws"
}

variable "name_prefix" {
  description = "Prefix of the role names."
  type        = string
  default     = "dp-github"
}

variable "create_provider" {
  description = "Create the account's GitHub OIDC provider (an account has at most one per URL). False: use the one the account already has."
  type        = bool
  default     = true
}

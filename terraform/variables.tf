variable "env" {
  description = "Environment name: dev, staging, prod, or an ephemeral name such as pr-123."
  type        = string

  validation {
    # Bucket names are dp-<env>-<12-digit account>-silver: at most 63 characters, DNS-safe.
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}[a-z0-9]$", var.env)) && !strcontains(var.env, "--")
    error_message = "env must be 3-32 characters of lowercase letters, digits and single hyphens, starting with a letter (e.g. dev, prod, pr-123)."
  }
}

variable "aws_region" {
  description = "AWS region for the environment."
  type        = string
  default     = "us-east-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.aws_region))
    error_message = "aws_region must look like us-east-1."
  }
}

variable "owner" {
  description = "Team that owns the environment (the owner tag)."
  type        = string
  default     = "data-platform"

  validation {
    condition     = length(trimspace(var.owner)) > 0
    error_message = "owner must not be empty."
  }
}

variable "project" {
  description = "Project name (the project tag)."
  type        = string
  default     = "github-lakehouse"
}

variable "force_destroy" {
  description = "Let destroy remove buckets that still hold objects. True only for ephemeral environments."
  type        = bool
  default     = false
}

variable "log_retention_days" {
  description = "Retention of the Lambda and CloudTrail log groups, in days (a value CloudWatch Logs accepts; prod keeps at least 365)."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of the values CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ...)."
  }
  validation {
    # A year of logs in prod: the audit trail and function logs of an incident must outlive its discovery.
    condition     = var.env != "prod" || var.log_retention_days >= 365
    error_message = "log_retention_days must be at least 365 in prod."
  }
}

variable "lambda_artifacts_dir" {
  description = "Directory holding ingest.zip, silver.zip, gold.zip and archive.zip (built by `make zips`). Empty: ../dist/lambda next to this stack."
  type        = string
  default     = ""
}

variable "lambda_runtime" {
  description = "Python runtime of the Lambda functions."
  type        = string
  default     = "python3.13"

  validation {
    condition     = can(regex("^python3\\.(1[2-9])$", var.lambda_runtime))
    error_message = "lambda_runtime must be a current Python runtime (python3.12 or later)."
  }
}

variable "lambda_tracing_mode" {
  description = "X-Ray tracing of the functions (Active or PassThrough)."
  type        = string
  default     = "Active"

  validation {
    condition     = contains(["Active", "PassThrough"], var.lambda_tracing_mode)
    error_message = "lambda_tracing_mode must be Active or PassThrough."
  }
}

variable "github_api_url" {
  description = "Base URL of the GitHub REST API the ingest function polls."
  type        = string
  default     = "https://api.github.com"

  validation {
    condition     = can(regex("^https?://", var.github_api_url))
    error_message = "github_api_url must be an http(s) URL."
  }
}

variable "github_token_parameter" {
  description = "Optional SSM SecureString parameter name holding a GitHub token (higher rate limit). Empty: unauthenticated."
  type        = string
  default     = ""
}

variable "github_token_secret_arn" {
  description = "Optional Secrets Manager secret ARN holding a GitHub token (alternative to github_token_parameter)."
  type        = string
  default     = ""

  validation {
    condition     = var.github_token_secret_arn == "" || can(regex("^arn:aws[a-z-]*:secretsmanager:", var.github_token_secret_arn))
    error_message = "github_token_secret_arn must be a Secrets Manager secret ARN."
  }
}

variable "archive" {
  description = "GH Archive the archive function loads hourly: base URL (files <base_url>/YYYY-MM-DD-H.json.gz), publication lag (an hour H is due at H+1h+lag_hours) and how many hours back a scheduled run re-checks hours not yet done."
  type = object({
    base_url       = optional(string, "https://data.gharchive.org")
    lag_hours      = optional(number, 1)
    lookback_hours = optional(number, 48)
  })
  default = {}

  validation {
    condition     = can(regex("^https?://[^\\s]+[^/]$", var.archive.base_url))
    error_message = "archive.base_url must be an http(s) URL without a trailing slash."
  }
  validation {
    condition     = var.archive.lag_hours >= 0 && var.archive.lag_hours <= 72 && floor(var.archive.lag_hours) == var.archive.lag_hours
    error_message = "archive.lag_hours must be a whole number of hours, 0-72."
  }
  validation {
    # One run (900 s, one hour at a time) re-checks at most a week; longer gaps are a backfill (docs/runbook.md).
    condition     = var.archive.lookback_hours >= 1 && var.archive.lookback_hours <= 168 && floor(var.archive.lookback_hours) == var.archive.lookback_hours
    error_message = "archive.lookback_hours must be a whole number of hours, 1-168."
  }
}

variable "athena_bytes_scanned_cutoff" {
  description = "Per-query bytes-scanned cutoff of the Athena workgroup."
  type        = number
  default     = 10737418240 # 10 GiB

  validation {
    condition     = var.athena_bytes_scanned_cutoff >= 10485760
    error_message = "athena_bytes_scanned_cutoff must be at least 10 MiB (Athena's minimum)."
  }
}

variable "alarm_email" {
  description = "Optional e-mail address subscribed to the alarm topic."
  type        = string
  default     = ""
}

variable "kms_deletion_window_days" {
  description = "Waiting period before a scheduled KMS key deletion takes effect."
  type        = number
  default     = 30

  validation {
    condition     = var.kms_deletion_window_days >= 7 && var.kms_deletion_window_days <= 30
    error_message = "kms_deletion_window_days must be between 7 and 30."
  }
}

variable "env" {
  description = "Environment name (LAKEHOUSE_ENV of the functions)."
  type        = string
}

variable "name_prefix" {
  description = "Prefix of resource names, dp-<env>."
  type        = string

  validation {
    condition     = can(regex("^dp-[a-z0-9-]+$", var.name_prefix))
    error_message = "name_prefix must be dp-<env>."
  }
}

variable "functions" {
  description = "The pipeline's functions by role (ingest, silver, gold, archive): name, schedule, timeout, reserved concurrency (-1: unreserved) and memory."
  type = map(object({
    name                 = string
    schedule             = string
    timeout              = number
    reserved_concurrency = optional(number, -1)
    memory_size          = optional(number, 256)
  }))

  validation {
    condition     = toset(keys(var.functions)) == toset(["ingest", "silver", "gold", "archive"])
    error_message = "functions must have exactly the roles ingest, silver, gold and archive (each role's handler is <role>.handler)."
  }
  validation {
    condition     = alltrue([for f in values(var.functions) : f.timeout >= 1 && f.timeout <= 900])
    error_message = "each function's timeout must be 1-900 seconds (Lambda's limit)."
  }
  validation {
    condition     = alltrue([for f in values(var.functions) : can(regex("^(rate|cron)\\(.+\\)$", f.schedule))])
    error_message = "each schedule must be an EventBridge rate(...) or cron(...) expression."
  }
  validation {
    condition     = alltrue([for f in values(var.functions) : f.memory_size >= 128 && f.memory_size <= 10240])
    error_message = "each memory_size must be 128-10240 MB."
  }
}

variable "partition" {
  description = "AWS partition."
  type        = string
}

variable "region" {
  description = "AWS region."
  type        = string
}

variable "account_id" {
  description = "AWS account id."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "account_id must be 12 digits."
  }
}

variable "artifacts_dir" {
  description = "Directory holding <role>.zip for every function role (ingest, silver, gold, archive)."
  type        = string
}

variable "runtime" {
  description = "Lambda Python runtime."
  type        = string
}

variable "tracing_mode" {
  description = "X-Ray tracing of the functions: Active samples and records every invocation."
  type        = string
  default     = "Active"

  validation {
    condition     = contains(["Active", "PassThrough"], var.tracing_mode)
    error_message = "tracing_mode must be Active or PassThrough."
  }
}

variable "kms_key_arn" {
  description = "Lake key: S3 objects, the failure queue and the functions' environment variables."
  type        = string
}

variable "buckets" {
  description = "The lake's buckets by role (raw, silver, gold, logs): name and ARN."
  type = map(object({
    name = string
    arn  = string
  }))

  validation {
    condition     = alltrue([for r in ["raw", "silver", "gold", "logs"] : contains(keys(var.buckets), r)])
    error_message = "buckets must have the roles raw, silver, gold and logs."
  }
}

variable "glue_database" {
  description = "Glue database of the tables."
  type        = string
}

variable "glue_table_names" {
  description = "Glue table names by layer (bronze, silver, gold)."
  type        = map(string)

  validation {
    condition     = alltrue([for l in ["bronze", "silver", "gold"] : contains(keys(var.glue_table_names), l)])
    error_message = "glue_table_names must name the bronze, silver and gold tables."
  }
}

variable "athena" {
  description = "Athena workgroup the transforms query through: name, ARN and the bucket/prefix of its results."
  type = object({
    workgroup      = string
    workgroup_arn  = string
    results_prefix = string
  })
}

variable "log_group_arns" {
  description = "Log group ARNs by function role."
  type        = map(string)
}

variable "metrics_namespace" {
  description = "CloudWatch namespace of the handlers' metrics."
  type        = string
}

variable "github" {
  description = "GitHub API the ingest function polls, and where its optional token lives (an SSM SecureString parameter name or a Secrets Manager secret ARN; empty: unauthenticated)."
  type = object({
    api_url          = string
    token_parameter  = optional(string, "")
    token_secret_arn = optional(string, "")
  })

  validation {
    condition     = can(regex("^https?://", var.github.api_url))
    error_message = "github.api_url must be an http(s) URL."
  }
  validation {
    condition     = var.github.token_secret_arn == "" || can(regex("^arn:aws[a-z-]*:secretsmanager:", var.github.token_secret_arn))
    error_message = "github.token_secret_arn must be a Secrets Manager secret ARN."
  }
}

variable "archive" {
  description = "GH Archive the archive function loads: base URL (no trailing slash), publication lag and re-check window, in hours."
  type = object({
    base_url       = string
    lag_hours      = number
    lookback_hours = number
  })

  validation {
    condition     = can(regex("^https?://[^\\s]+[^/]$", var.archive.base_url))
    error_message = "archive.base_url must be an http(s) URL without a trailing slash."
  }
  validation {
    condition     = var.archive.lag_hours >= 0 && floor(var.archive.lag_hours) == var.archive.lag_hours
    error_message = "archive.lag_hours must be a whole number of hours, 0 or more."
  }
  validation {
    condition     = var.archive.lookback_hours >= 1 && floor(var.archive.lookback_hours) == var.archive.lookback_hours
    error_message = "archive.lookback_hours must be a whole number of hours, 1 or more."
  }
}

variable "env" {
  description = "Environment name."
  type        = string
}

variable "name_prefix" {
  description = "Prefix of resource names, dp-<env>."
  type        = string
}

variable "function_names" {
  description = "Lambda function names by role (ingest, silver, gold)."
  type        = map(string)
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
}

variable "artifacts_dir" {
  description = "Directory holding ingest.zip, silver.zip and gold.zip."
  type        = string
}

variable "runtime" {
  description = "Lambda Python runtime."
  type        = string
}

variable "kms_key_arn" {
  description = "Lake key (S3 objects, DLQ)."
  type        = string
}

variable "bucket_names" {
  description = "Bucket names by role (raw, silver, gold, logs)."
  type        = map(string)
}

variable "bucket_arns" {
  description = "Bucket ARNs by role."
  type        = map(string)
}

variable "glue_database" {
  description = "Glue database of the tables."
  type        = string
}

variable "glue_table_names" {
  description = "Glue table names by layer (bronze, silver, gold)."
  type        = map(string)
}

variable "athena_workgroup" {
  description = "Athena workgroup name."
  type        = string
}

variable "athena_workgroup_arn" {
  description = "Athena workgroup ARN."
  type        = string
}

variable "athena_results_prefix" {
  description = "bucket/prefix of Athena query results."
  type        = string
}

variable "log_group_arns" {
  description = "Log group ARNs by function role."
  type        = map(string)
}

variable "metrics_namespace" {
  description = "CloudWatch namespace of the handlers' metrics."
  type        = string
}

variable "github_api_url" {
  description = "Base URL of the GitHub REST API."
  type        = string
}

variable "github_token_parameter" {
  description = "Optional SSM parameter name holding a GitHub token."
  type        = string
  default     = ""
}

variable "github_token_secret_arn" {
  description = "Optional Secrets Manager secret ARN holding a GitHub token."
  type        = string
  default     = ""
}

variable "reserved_concurrency" {
  description = "Reserved concurrency per function; 1 for the transforms so two runs never insert the same window at once (-1: unreserved)."
  type        = map(number)
  default = {
    ingest = -1
    silver = 1
    gold   = 1
  }
}

variable "schedules" {
  description = "EventBridge schedule expression per function."
  type        = map(string)
  default = {
    ingest = "rate(5 minutes)"
    silver = "cron(15 * * * ? *)" # hourly, after a few ingest polls have landed
    gold   = "cron(30 1 * * ? *)" # daily, aggregating yesterday
  }
}

variable "timeouts" {
  description = "Lambda timeout in seconds per function."
  type        = map(number)
  default = {
    ingest = 180
    silver = 900
    gold   = 900
  }
}

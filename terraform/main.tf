data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  account_id    = data.aws_caller_identity.current.account_id
  name_prefix   = "dp-${var.env}"
  trail_name    = "dp-${var.env}-trail"
  artifacts_dir = var.lambda_artifacts_dir != "" ? var.lambda_artifacts_dir : "${path.root}/../dist/lambda"
}

module "storage" {
  source = "./modules/storage"

  env                      = var.env
  account_id               = local.account_id
  region                   = var.aws_region
  partition                = data.aws_partition.current.partition
  force_destroy            = var.force_destroy
  kms_deletion_window_days = var.kms_deletion_window_days
  trail_name               = local.trail_name
}

module "catalog" {
  source = "./modules/catalog"

  env           = var.env
  raw_bucket    = module.storage.bucket_names["raw"]
  silver_bucket = module.storage.bucket_names["silver"]
  gold_bucket   = module.storage.bucket_names["gold"]
}

module "query" {
  source = "./modules/query"

  name                 = "${local.name_prefix}-lakehouse"
  results_bucket       = module.storage.bucket_names["logs"]
  kms_key_arn          = module.storage.kms_key_arn
  bytes_scanned_cutoff = var.athena_bytes_scanned_cutoff
}

module "observability" {
  source = "./modules/observability"

  env                = var.env
  name_prefix        = local.name_prefix
  kms_key_arn        = module.storage.kms_key_arn
  log_retention_days = var.log_retention_days
  function_names     = { for role, f in local.functions : role => f.name }
  alarm_email        = var.alarm_email
}

locals {
  functions = {
    ingest = {
      name     = "${local.name_prefix}-ingest"
      schedule = "rate(5 minutes)"
      timeout  = 180
      # Overlapping polls are harmless: the ingest keeps its own state of seen ids.
      reserved_concurrency = -1
    }
    silver = {
      name     = "${local.name_prefix}-silver"
      schedule = "cron(15 * * * ? *)" # hourly, after a few ingest polls have landed
      timeout  = 900
      # One run at a time: two runs must never insert the same window (the dedupe is not transactional).
      reserved_concurrency = 1
    }
    gold = {
      name                 = "${local.name_prefix}-gold"
      schedule             = "cron(30 1 * * ? *)" # daily, aggregating yesterday
      timeout              = 900
      reserved_concurrency = 1
    }
    archive = {
      name     = "${local.name_prefix}-archive"
      schedule = "cron(5 * * * ? *)" # hourly; which hours are due is the handler's (lag, lookback)
      timeout  = 900
      # One run at a time: the per-hour state is conditional, but two runs would only race for the same hours.
      reserved_concurrency = 1
      # Streams one hour's file in bounded parts: the memory does not grow with the file.
      memory_size = 256
    }
  }
}

module "pipeline" {
  source = "./modules/pipeline"

  env               = var.env
  name_prefix       = local.name_prefix
  functions         = local.functions
  partition         = data.aws_partition.current.partition
  region            = var.aws_region
  account_id        = local.account_id
  artifacts_dir     = local.artifacts_dir
  runtime           = var.lambda_runtime
  tracing_mode      = var.lambda_tracing_mode
  kms_key_arn       = module.storage.kms_key_arn
  buckets           = module.storage.buckets
  glue_database     = module.catalog.database_name
  glue_table_names  = module.catalog.table_names
  log_group_arns    = module.observability.log_group_arns
  metrics_namespace = module.observability.metrics_namespace

  athena = {
    workgroup      = module.query.workgroup_name
    workgroup_arn  = module.query.workgroup_arn
    results_prefix = module.query.results_prefix
  }
  github = {
    api_url          = var.github_api_url
    token_parameter  = var.github_token_parameter
    token_secret_arn = var.github_token_secret_arn
  }
  archive = var.archive
}

module "audit" {
  source = "./modules/audit"

  name                       = local.trail_name
  account_id                 = local.account_id
  region                     = var.aws_region
  partition                  = data.aws_partition.current.partition
  logs_bucket                = module.storage.bucket_names["logs"]
  kms_key_arn                = module.storage.kms_key_arn
  data_bucket_arns           = [for k in ["raw", "silver", "gold"] : module.storage.bucket_arns[k]]
  watched_bucket_names       = [for k in ["raw", "silver", "gold", "logs"] : module.storage.bucket_names[k]]
  log_retention_days         = var.log_retention_days
  alarm_topic_arn            = module.observability.alarm_topic_arn
  security_metrics_namespace = "Lakehouse/Security/${var.env}"

  # The trail can only be created once the logs bucket policy admits CloudTrail.
  depends_on = [module.storage]
}

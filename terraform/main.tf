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
  function_names     = local.function_names
  alarm_email        = var.alarm_email
}

locals {
  function_names = {
    ingest = "${local.name_prefix}-ingest"
    silver = "${local.name_prefix}-silver"
    gold   = "${local.name_prefix}-gold"
  }
}

module "pipeline" {
  source = "./modules/pipeline"

  env                     = var.env
  name_prefix             = local.name_prefix
  function_names          = local.function_names
  partition               = data.aws_partition.current.partition
  region                  = var.aws_region
  account_id              = local.account_id
  artifacts_dir           = local.artifacts_dir
  runtime                 = var.lambda_runtime
  kms_key_arn             = module.storage.kms_key_arn
  bucket_names            = module.storage.bucket_names
  bucket_arns             = module.storage.bucket_arns
  glue_database           = module.catalog.database_name
  glue_table_names        = module.catalog.table_names
  athena_workgroup        = module.query.workgroup_name
  athena_workgroup_arn    = module.query.workgroup_arn
  athena_results_prefix   = module.query.results_prefix
  log_group_arns          = module.observability.log_group_arns
  metrics_namespace       = module.observability.metrics_namespace
  github_api_url          = var.github_api_url
  github_token_parameter  = var.github_token_parameter
  github_token_secret_arn = var.github_token_secret_arn
}

module "audit" {
  source = "./modules/audit"

  name             = local.trail_name
  logs_bucket      = module.storage.bucket_names["logs"]
  kms_key_arn      = module.storage.kms_key_arn
  data_bucket_arns = [for k in ["raw", "silver", "gold"] : module.storage.bucket_arns[k]]

  # The trail can only be created once the logs bucket policy admits CloudTrail.
  depends_on = [module.storage]
}

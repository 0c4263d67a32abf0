resource "aws_cloudtrail" "this" {
  name                          = var.name
  s3_bucket_name                = var.logs_bucket
  s3_key_prefix                 = "cloudtrail"
  kms_key_id                    = var.kms_key_arn
  enable_log_file_validation    = true
  include_global_service_events = true
  is_multi_region_trail         = false

  event_selector {
    read_write_type           = "All"
    include_management_events = true

    data_resource {
      type   = "AWS::S3::Object"
      values = [for arn in var.data_bucket_arns : "${arn}/"]
    }
  }
}

resource "aws_athena_workgroup" "lakehouse" {
  name          = var.name
  description   = "Lakehouse queries: enforced result location and SSE_KMS encryption"
  state         = "ENABLED"
  force_destroy = true # query history is not data; destroy must not stall on it

  configuration {
    enforce_workgroup_configuration    = true
    publish_cloudwatch_metrics_enabled = true
    bytes_scanned_cutoff_per_query     = var.bytes_scanned_cutoff

    result_configuration {
      output_location = "s3://${var.results_bucket}/athena-results/"

      encryption_configuration {
        encryption_option = "SSE_KMS"
        kms_key_arn       = var.kms_key_arn
      }
    }
  }
}

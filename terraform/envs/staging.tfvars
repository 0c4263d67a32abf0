env                = "staging"
aws_region         = "us-east-1"
owner              = "data-platform"
log_retention_days = 90

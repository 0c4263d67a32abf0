env                = "prod"
aws_region         = "us-east-1"
owner              = "data-platform"
log_retention_days = 365

# GH Archive: hour H is loaded from H+1h+lag_hours on; a scheduled run re-checks the last lookback_hours.
archive = {
  base_url       = "https://data.gharchive.org"
  lag_hours      = 1
  lookback_hours = 48
}

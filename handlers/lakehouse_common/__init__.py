"""Code shared by the ingest, silver and gold Lambdas (shipped at each zip's root; stdlib + boto3 only)."""

provider "aws" {
  region = var.aws_region

  # Required tags on every taggable resource, in one place.
  default_tags {
    tags = {
      env        = var.env
      owner      = var.owner
      project    = var.project
      managed_by = "terraform"
    }
  }
}

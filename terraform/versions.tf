terraform {
  required_version = ">= 1.10.0"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # The offline harness pins its local build of the provider in a generated override
      # (see docs/toolchain.md); with registry access this constraint selects an official release.
      version = "~> 6.0"
    }
  }

  # Partial configuration: the bucket, key and lock settings come from envs/<env>.s3.tfbackend.
  # The local target replaces this with a local backend in the harness's working copy.
  backend "s3" {}
}

terraform {
  required_version = ">= 1.10.0"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # The oldest major version the stack is tested with.
      version = ">= 6.0"
    }
  }
}

# Terraform and provider versions of the cross-account example.
terraform {
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # 5.86 to 5.93 mishandled the empty lifecycle `filter {}` (bucket.tf); 6.x deprecates
      # data.aws_region's `name`. Widen only after a plan and apply with the new version.
      version = ">= 5.94, < 6.0"
    }
  }
}

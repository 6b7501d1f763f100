# The prod-account module's input checks, planned by Terraform itself with a mocked AWS
# provider (no credentials, no AWS call): `terraform test` in this directory
# (infra/checks/test_terraform.py runs it). Each run is one value a user may give.

mock_provider "aws" {
  # The key and bucket policies must be JSON for the resources' own checks.
  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }
}

override_data {
  target = data.aws_caller_identity.current
  values = {
    account_id = "210987654321"
  }
}

variables {
  name                       = "snapshot-export"
  analytics_account_id       = "123456789012"
  analytics_bucket_name      = "analytics-exports"
  analytics_event_bus_arn    = "arn:aws:events:us-east-1:123456789012:event-bus/snapshot-export"
  analytics_lambda_role_arns = ["arn:aws:iam::123456789012:role/snapshot-export-start-export"]
  analytics_reader_role_arns = []
  external_id                = "snapshot-export"
}

# The longest external id STS accepts (1224 characters): Terraform's regex engine refuses
# a repeat count above 1000, so the length is checked apart from the characters.
run "external_id_of_1224_characters_is_accepted" {
  command = plan

  variables {
    external_id = replace(format("%1224s", ""), " ", "a")
  }
}

run "external_id_of_1225_characters_is_refused" {
  command = plan

  variables {
    external_id = replace(format("%1225s", ""), " ", "a")
  }

  expect_failures = [var.external_id]
}

run "external_id_with_a_space_is_refused" {
  command = plan

  variables {
    external_id = "snapshot export"
  }

  expect_failures = [var.external_id]
}

# '*' and '?' would be wildcards in the IAM resources and s3:prefix conditions built
# from the prefix.
run "export_prefix_with_a_star_is_refused" {
  command = plan

  variables {
    export_prefix = "rds-exports/*"
  }

  expect_failures = [var.export_prefix]
}

run "export_prefix_with_a_question_mark_is_refused" {
  command = plan

  variables {
    export_prefix = "rds-export?"
  }

  expect_failures = [var.export_prefix]
}

# The longest name with '_' and capitals: the default staging bucket name must still be a
# valid S3 bucket name (3-63 lower-case letters, digits and '-').
run "copy_staging_bucket_name_is_valid_for_any_name" {
  command = plan

  variables {
    name                              = "Snapshot_Export_With_A_Forty_Char_Name_X"
    delivery                          = "copy"
    analytics_copier_caller_role_arns = ["arn:aws:iam::123456789012:role/snapshot-export-copy-objects"]
  }

  assert {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$", aws_s3_bucket.staging["staging"].bucket))
    error_message = "The staging bucket name ${aws_s3_bucket.staging["staging"].bucket} is not a valid S3 bucket name."
  }
}

run "staging_bucket_name_given_with_an_underscore_is_refused" {
  command = plan

  variables {
    delivery                          = "copy"
    staging_bucket_name               = "my_staging"
    analytics_copier_caller_role_arns = ["arn:aws:iam::123456789012:role/snapshot-export-copy-objects"]
  }

  expect_failures = [var.staging_bucket_name]
}

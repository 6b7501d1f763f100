# The analytics-account module's source accounts and new inputs, planned by Terraform itself
# with a mocked AWS provider (no credentials, no AWS call): `terraform test` in this
# directory, as infra/checks/test_terraform.py runs it, in a copy of infra/ next to the
# stand-in packages it writes (../../../lambda/manifest.json from here). Each run is one
# value a user may give.

mock_provider "aws" {
  # The key, bucket and bus policies must be JSON for the resources' own checks.
  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }
}

override_data {
  target = data.aws_caller_identity.current
  values = {
    account_id = "123456789012"
  }
}

override_data {
  target = data.aws_region.current
  values = {
    name = "us-east-1"
  }
}

override_data {
  target = data.aws_partition.current
  values = {
    partition = "aws"
  }
}

variables {
  name                 = "snapshot-export"
  bucket_name          = "analytics-exports"
  lambda_manifest_path = "../../../lambda/manifest.json"
  definition_path      = "tests/definition.asl.json"
  source_accounts = {
    "210987654321" = {
      name            = "payments"
      role_arn        = "arn:aws:iam::210987654321:role/snapshot-export-cross-account"
      external_id     = "snapshot-export"
      export_role_arn = "arn:aws:iam::210987654321:role/snapshot-export-export"
      kms_key_arn     = "arn:aws:kms:us-east-1:210987654321:key/11111111-1111-1111-1111-111111111111"
    }
    "310987654321" = {
      name            = "orders"
      role_arn        = "arn:aws:iam::310987654321:role/snapshot-export-cross-account"
      external_id     = "snapshot-export-b"
      export_role_arn = "arn:aws:iam::310987654321:role/snapshot-export-export"
      kms_key_arn     = "arn:aws:kms:us-east-1:310987654321:key/22222222-2222-2222-2222-222222222222"
      db_identifiers  = ["orders"]
    }
  }
}

run "two_accounts_are_accepted" {
  command = plan

  assert {
    condition     = jsonencode(output.source_account_ids) == jsonencode(["210987654321", "310987654321"])
    error_message = "source_account_ids: ${jsonencode(output.source_account_ids)}"
  }

  assert {
    condition     = aws_lambda_function.this["normalize"].environment[0].variables["SOURCE_ACCOUNT_IDS"] == "210987654321,310987654321"
    error_message = "normalize's SOURCE_ACCOUNT_IDS is not the configured accounts"
  }

  assert {
    condition     = aws_lambda_function.this["start-export"].environment[0].variables["SOURCES_TABLE"] == "snapshot-export-sources"
    error_message = "start-export does not read the sources table"
  }

  # Per-account filters live in the table, not in the environment.
  assert {
    condition     = !contains(keys(aws_lambda_function.this["normalize"].environment[0].variables), "PROD_ROLE_ARN") && !contains(keys(aws_lambda_function.this["normalize"].environment[0].variables), "DB_IDENTIFIERS")
    error_message = "normalize keeps a single account's PROD_ROLE_ARN or DB_IDENTIFIERS"
  }

  assert {
    condition     = jsondecode(jsondecode(aws_dynamodb_table_item.source["310987654321"].item).config.S).export_prefix == "rds-exports/orders"
    error_message = "the default prefix of a source is <export_prefix>/<name>"
  }

  assert {
    condition     = jsondecode(jsondecode(aws_dynamodb_table_item.source["310987654321"].item).config.S).db_identifiers[0] == "orders"
    error_message = "the source's filters are not in its item"
  }

  assert {
    condition     = aws_lambda_function.this["catalog-tables"].environment[0].variables["ON_PARTIAL"] == "notify" && aws_lambda_function.this["catalog-tables"].environment[0].variables["ROW_DROP_THRESHOLD"] == "0.5"
    error_message = "catalog-tables' ON_PARTIAL / ROW_DROP_THRESHOLD defaults"
  }

  assert {
    condition     = aws_dynamodb_table.export_slots.hash_key == "pk" && aws_dynamodb_table.export_slots.range_key == "sk"
    error_message = "the slots table's key is pk + sk"
  }
}

run "one_account_from_the_single_account_inputs" {
  command = plan

  variables {
    source_accounts             = {}
    prod_account_id             = "210987654321"
    prod_kms_key_arn            = "arn:aws:kms:us-east-1:210987654321:key/11111111-1111-1111-1111-111111111111"
    prod_export_role_arn        = "arn:aws:iam::210987654321:role/snapshot-export-export"
    prod_cross_account_role_arn = "arn:aws:iam::210987654321:role/snapshot-export-cross-account"
    prod_role_external_id       = "snapshot-export"
    on_partial                  = "fail"
  }

  # Today's environment: the one role in PROD_ROLE_ARN, no sources table.
  assert {
    condition     = aws_lambda_function.this["normalize"].environment[0].variables["PROD_ROLE_ARN"] == "arn:aws:iam::210987654321:role/snapshot-export-cross-account" && !contains(keys(aws_lambda_function.this["normalize"].environment[0].variables), "SOURCES_TABLE")
    error_message = "the single-account set-up must keep today's environment"
  }

  assert {
    condition     = length(aws_dynamodb_table.sources) == 0 && jsonencode(output.source_account_ids) == jsonencode(["210987654321"])
    error_message = "no sources table with the single-account inputs"
  }

  assert {
    condition     = aws_lambda_function.this["catalog-tables"].environment[0].variables["ON_PARTIAL"] == "fail"
    error_message = "on_partial is catalog-tables' ON_PARTIAL"
  }
}

run "no_account_at_all_is_refused" {
  command = plan

  variables {
    source_accounts = {}
  }

  # The precondition naming both ways; start-export's required variables are null too.
  expect_failures = [aws_cloudwatch_event_bus_policy.this, aws_lambda_function.this]
}

run "two_accounts_with_one_name_are_refused" {
  command = plan

  variables {
    source_accounts = {
      "210987654321" = {
        name            = "orders"
        role_arn        = "arn:aws:iam::210987654321:role/r"
        external_id     = "snapshot-export"
        export_role_arn = "arn:aws:iam::210987654321:role/e"
        kms_key_arn     = "arn:aws:kms:us-east-1:210987654321:key/1"
      }
      "310987654321" = {
        name            = "orders"
        role_arn        = "arn:aws:iam::310987654321:role/r"
        external_id     = "snapshot-export"
        export_role_arn = "arn:aws:iam::310987654321:role/e"
        kms_key_arn     = "arn:aws:kms:us-east-1:310987654321:key/1"
      }
    }
  }

  expect_failures = [var.source_accounts]
}

run "a_name_glue_cannot_take_is_refused" {
  command = plan

  variables {
    source_accounts = {
      "210987654321" = {
        name            = "Payments-EU"
        role_arn        = "arn:aws:iam::210987654321:role/r"
        external_id     = "snapshot-export"
        export_role_arn = "arn:aws:iam::210987654321:role/e"
        kms_key_arn     = "arn:aws:kms:us-east-1:210987654321:key/1"
      }
    }
  }

  expect_failures = [var.source_accounts]
}

run "a_role_of_another_account_is_refused" {
  command = plan

  variables {
    source_accounts = {
      "210987654321" = {
        name            = "payments"
        role_arn        = "arn:aws:iam::310987654321:role/r"
        external_id     = "snapshot-export"
        export_role_arn = "arn:aws:iam::210987654321:role/e"
        kms_key_arn     = "arn:aws:kms:us-east-1:210987654321:key/1"
      }
    }
  }

  expect_failures = [var.source_accounts]
}

run "a_key_that_is_no_account_id_is_refused" {
  command = plan

  variables {
    source_accounts = {
      "payments" = {
        name            = "payments"
        role_arn        = "arn:aws:iam::210987654321:role/r"
        external_id     = "snapshot-export"
        export_role_arn = "arn:aws:iam::210987654321:role/e"
        kms_key_arn     = "arn:aws:kms:us-east-1:210987654321:key/1"
      }
    }
  }

  expect_failures = [var.source_accounts]
}

run "copy_delivery_without_a_copier_is_refused" {
  command = plan

  variables {
    source_accounts = {
      "210987654321" = {
        name            = "payments"
        role_arn        = "arn:aws:iam::210987654321:role/r"
        external_id     = "snapshot-export"
        export_role_arn = "arn:aws:iam::210987654321:role/e"
        kms_key_arn     = "arn:aws:kms:us-east-1:210987654321:key/1"
        delivery        = "copy"
      }
    }
  }

  expect_failures = [var.source_accounts]
}

run "on_partial_other_than_notify_or_fail_is_refused" {
  command = plan

  variables {
    on_partial = "ignore"
  }

  expect_failures = [var.on_partial]
}

run "row_drop_threshold_zero_is_refused" {
  command = plan

  variables {
    row_drop_threshold = 0
  }

  expect_failures = [var.row_drop_threshold]
}

run "row_drop_threshold_above_one_is_refused" {
  command = plan

  variables {
    row_drop_threshold = 1.5
  }

  expect_failures = [var.row_drop_threshold]
}

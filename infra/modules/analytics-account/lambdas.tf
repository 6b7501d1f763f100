# One Lambda function per binary of the function table (functions.json), each with its own
# role allowed only the calls its handler makes, on named resources. The code comes from
# the packaging manifest (scripts/package-lambdas.sh): architecture, zips and their hashes.

resource "aws_cloudwatch_log_group" "lambda" {
  for_each = local.functions

  name              = "/aws/lambda/${var.name}-${each.key}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.this.arn
  tags              = var.tags
}

resource "aws_iam_role" "lambda" {
  for_each = local.functions

  name               = "${var.name}-${each.key}"
  description        = "Execution role of the ${var.name}-${each.key} function."
  assume_role_policy = data.aws_iam_policy_document.lambda_trust[each.key].json
  tags               = var.tags
}

data "aws_iam_policy_document" "lambda_trust" {
  for_each = local.functions

  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }

  # `snapshot-export preflight` acts as the pipeline: it assumes start-export's role (and
  # from it the prod role with the external id). Only that role, only the operators named.
  dynamic "statement" {
    for_each = each.key == "start-export" && length(var.preflight_principal_arns) > 0 ? [1] : []
    content {
      sid     = "Preflight"
      actions = ["sts:AssumeRole"]

      principals {
        type        = "AWS"
        identifiers = var.preflight_principal_arns
      }
    }
  }
}

resource "aws_iam_role_policy" "lambda" {
  for_each = local.functions

  name   = "handler"
  role   = aws_iam_role.lambda[each.key].id
  policy = data.aws_iam_policy_document.lambda[each.key].json
}

data "aws_iam_policy_document" "lambda" {
  for_each = local.functions

  # Its own log group only (the group is created here, so no logs:CreateLogGroup).
  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.lambda[each.key].arn}:log-stream:*"]
  }

  # X-Ray has no resource-level permissions.
  dynamic "statement" {
    for_each = var.tracing_enabled ? [1] : []

    content {
      sid       = "XRay"
      actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
      resources = ["*"]
    }
  }

  # Every call on prod resources goes through a configured account's cross-account role:
  # exactly the roles of source_accounts (or prod_cross_account_role_arn).
  dynamic "statement" {
    for_each = each.value.assume_prod ? [1] : []

    content {
      sid       = "AssumeProdRole"
      actions   = ["sts:AssumeRole"]
      resources = local.prod_role_arns
    }
  }

  # Copy delivery: copy-objects reads the staging buckets and writes this bucket as the
  # copied sources' prod copier roles, and nothing else (absent assume_copier means false).
  dynamic "statement" {
    for_each = try(each.value.assume_copier, false) && length(local.copier_role_arns) > 0 ? [1] : []

    content {
      sid       = "AssumeCopierRole"
      actions   = ["sts:AssumeRole"]
      resources = local.copier_role_arns
    }
  }

  # source_accounts: the functions that read SOURCES_TABLE look the snapshot's source up
  # (GetItem only) in the one sources table, encrypted with the module's key.
  dynamic "statement" {
    for_each = each.value.sources ? [1] : []

    content {
      sid       = "SourcesTable"
      actions   = ["dynamodb:GetItem"]
      resources = [local.sources_table_arn]
    }
  }

  dynamic "statement" {
    for_each = each.value.sources ? [1] : []

    content {
      sid       = "SourcesTableKey"
      actions   = ["kms:Decrypt", "kms:DescribeKey"]
      resources = [aws_kms_key.this.arn]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["dynamodb.${local.region}.amazonaws.com"]
      }
    }
  }

  # export-slots: the ledger, waiters and snapshot locks live in the one slots table.
  dynamic "statement" {
    for_each = length(try(each.value.slots, [])) > 0 ? [1] : []

    content {
      sid       = "ExportSlotsTable"
      actions   = each.value.slots
      resources = [local.export_slots_table_arn]
    }
  }

  dynamic "statement" {
    for_each = length(try(each.value.slots, [])) > 0 ? [1] : []

    content {
      sid       = "ExportSlotsTableKey"
      actions   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
      resources = [aws_kms_key.this.arn]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["dynamodb.${local.region}.amazonaws.com"]
      }
    }
  }

  # "*": SendTaskSuccess and SendTaskFailure have no resource type in the Service
  # Authorization Reference (the task token is the capability). Failure: a duplicate
  # execution's parked token is failed when its snapshot's owner finished.
  dynamic "statement" {
    for_each = length(try(each.value.slots, [])) > 0 ? [1] : []

    content {
      sid       = "SlotTaskTokens"
      actions   = ["states:SendTaskSuccess", "states:SendTaskFailure"]
      resources = ["*"]
    }
  }

  # Whether a snapshot lock's owner execution still runs (a lost status-change event
  # cannot wedge the lock): executions of this state machine only.
  dynamic "statement" {
    for_each = length(try(each.value.slots, [])) > 0 ? [1] : []

    content {
      sid       = "DescribeOwnerExecution"
      actions   = ["states:DescribeExecution"]
      resources = [local.executions_arn]
    }
  }

  # The crawler exists only with catalog = "crawler".
  dynamic "statement" {
    for_each = length(each.value.glue) > 0 ? aws_glue_crawler.this : {}

    content {
      sid       = "Crawler"
      actions   = each.value.glue
      resources = [statement.value.arn]
    }
  }

  # CatalogTables (catalog = "tables"): lists the export prefix, reads the exported files'
  # footers and export_tables_info (ranged GETs), and writes the tables and partitions of
  # the one Glue database.
  dynamic "statement" {
    for_each = each.value.catalog && local.catalog_tables ? [1] : []

    content {
      sid       = "CatalogListExports"
      actions   = ["s3:ListBucket"]
      resources = [aws_s3_bucket.this.arn]

      condition {
        test     = "StringLike"
        variable = "s3:prefix"
        values   = ["${var.export_prefix}/*"]
      }
    }
  }

  dynamic "statement" {
    for_each = each.value.catalog && local.catalog_tables ? [1] : []

    content {
      sid       = "CatalogReadExports"
      actions   = ["s3:GetObject"]
      resources = [local.prefix_objects_arn]
    }
  }

  # The files are encrypted with the prod export key (prod's key policy must list this
  # role among its readers) or, written with the bucket default, the module's key.
  dynamic "statement" {
    for_each = each.value.catalog && local.catalog_tables ? [1] : []

    content {
      sid       = "CatalogDecryptExports"
      actions   = ["kms:Decrypt"]
      resources = local.reader_kms_key_arns

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["s3.${local.region}.amazonaws.com"]
      }
    }
  }

  dynamic "statement" {
    for_each = each.value.catalog && local.catalog_tables ? [1] : []

    content {
      sid = "CatalogWriteTables"
      # The calls of lambdas/src/catalog/glue.rs (no GetDatabase: the database is this
      # module's; no GetPartitions: BatchCreatePartition reports existing ones).
      # GetTables: the previous export's tables of the same source (disappeared tables).
      actions = [
        "glue:GetTable",
        "glue:GetTables",
        "glue:CreateTable",
        "glue:UpdateTable",
        "glue:BatchCreatePartition",
      ]
      resources = local.glue_table_arns
    }
  }

  # The verification report (<prefix>/<export-id>/snapshot-export-verification*.json,
  # next to export_info): PutObject of its own files only, encrypted with the bucket's
  # default key.
  dynamic "statement" {
    for_each = each.value.catalog && local.catalog_tables ? [1] : []

    content {
      sid       = "CatalogWriteReport"
      actions   = ["s3:PutObject"]
      resources = [local.verification_report_arn]
    }
  }

  dynamic "statement" {
    for_each = each.value.catalog && local.catalog_tables ? [1] : []

    content {
      sid       = "CatalogEncryptReport"
      actions   = ["kms:GenerateDataKey"]
      resources = [local.bucket_default_kms_key_arn]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["s3.${local.region}.amazonaws.com"]
      }
    }
  }

  # RewriteAcl asks with its own (bucket-owner) credentials whether ACLs are enforced off.
  dynamic "statement" {
    for_each = each.value.ownership ? [1] : []

    content {
      sid       = "BucketOwnership"
      actions   = ["s3:GetBucketOwnershipControls"]
      resources = [aws_s3_bucket.this.arn]
    }
  }

  dynamic "statement" {
    for_each = each.value.put_events ? [1] : []

    content {
      sid       = "Notify"
      actions   = ["events:PutEvents"]
      resources = [local.notification_bus]

      condition {
        test     = "StringEquals"
        variable = "events:source"
        values   = [var.notification_event_source]
      }
    }
  }

  # Notify, called for a failed execution, reads its history to find the failed state:
  # executions of this state machine only.
  dynamic "statement" {
    for_each = each.value.read_history ? [1] : []

    content {
      sid       = "ReadExecutionHistory"
      actions   = ["states:GetExecutionHistory"]
      resources = [local.executions_arn]
    }
  }

  # export_events: the callback functions keep the waiting tokens in the one table and
  # hand them back to this state machine only.
  dynamic "statement" {
    for_each = length(try(each.value.callback, [])) > 0 && var.export_events ? [1] : []

    content {
      sid       = "ExportWaitsTable"
      actions   = each.value.callback
      resources = [local.export_waits_table_arn]
    }
  }

  dynamic "statement" {
    for_each = length(try(each.value.callback, [])) > 0 && var.export_events ? [1] : []

    content {
      sid       = "ExportWaitsTableKey"
      actions   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
      resources = [aws_kms_key.this.arn]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["dynamodb.${local.region}.amazonaws.com"]
      }
    }
  }

  # "*": SendTaskSuccess has no resource type in the Service Authorization Reference, so a
  # statement scoped to the state machine never matches; the task token is the
  # capability (docs/security.md). Only SendTaskSuccess: the handlers send no failure or
  # heartbeat (a failed check is left to the execution's fallback poll).
  dynamic "statement" {
    for_each = length(try(each.value.callback, [])) > 0 && var.export_events ? [1] : []

    content {
      sid       = "SendTaskToken"
      actions   = ["states:SendTaskSuccess"]
      resources = ["*"]
    }
  }
}

resource "aws_lambda_function" "this" {
  for_each = local.functions

  #checkov:skip=CKV_AWS_116:Step Functions invokes the functions synchronously (a DLQ applies to asynchronous invocations; a failed task fails the execution, which is redriven). Only notify is also invoked asynchronously, by the failure-events rule: a lost invocation is a missing failure notification that the ExecutionsFailed/TimedOut alarm reports anyway.
  #checkov:skip=CKV_AWS_117:The handlers only call AWS APIs; a VPC would add NAT or endpoints and no protection.
  #checkov:skip=CKV_AWS_272:Artifacts come from the repository's CI build (cargo lambda); code signing needs a Signer profile the operator may add later.
  #checkov:skip=CKV_AWS_173:Environment variables hold only names and ARNs, no secrets; Lambda encrypts them at rest with its service key.
  #checkov:skip=CKV_AWS_115:Reserved concurrency is the lambda_reserved_concurrency input; unset by default because new accounts cannot reserve below the unreserved minimum, and executions already bound concurrency.
  function_name = "${var.name}-${each.key}"
  description   = each.value.description
  role          = aws_iam_role.lambda[each.key].arn

  filename         = "${local.lambda_manifest_dir}/${local.lambda_manifest.functions[each.key].zip}"
  source_code_hash = local.lambda_manifest.functions[each.key].sha256_base64
  handler          = "bootstrap"
  runtime          = "provided.al2023"
  architectures    = [local.lambda_manifest.architecture]
  memory_size      = var.lambda_memory_size
  timeout          = each.value.timeout

  reserved_concurrent_executions = var.lambda_reserved_concurrency

  environment {
    # Optional variables left null are not set (the handler then uses its default).
    variables = { for k, v in each.value.env : k => v if v != null }
  }

  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.lambda[each.key].name
  }

  tracing_config {
    mode = var.tracing_enabled ? "Active" : "PassThrough"
  }

  tags = var.tags

  lifecycle {
    # Checked before the rest of the block is evaluated, so these messages come first.
    precondition {
      condition     = contains(keys(local.lambda_manifest.functions), each.key)
      error_message = "${var.lambda_manifest_path} has no package of ${each.key}: run scripts/package-lambdas.sh."
    }

    precondition {
      condition     = contains(["arm64", "x86_64"], local.lambda_manifest.architecture)
      error_message = "${var.lambda_manifest_path}: architecture must be arm64 or x86_64."
    }

    # A zip rebuilt without the script (e.g. cargo lambda for another architecture) may
    # no longer match the manifest's architecture. (When the manifest lacks the function,
    # the first precondition reports it; `try` keeps this one quiet then.)
    precondition {
      condition     = try(filebase64sha256("${local.lambda_manifest_dir}/${local.lambda_manifest.functions[each.key].zip}") == local.lambda_manifest.functions[each.key].sha256_base64, !contains(keys(local.lambda_manifest.functions), each.key))
      error_message = "${each.key}'s zip is missing or changed after ${var.lambda_manifest_path} was written: run scripts/package-lambdas.sh again."
    }

    precondition {
      condition     = alltrue([for k in local.function_table[each.key].required_env : local.env_values[k] != null])
      error_message = "${each.key}: a variable its handler requires is null in local.env_values (${join(", ", local.function_table[each.key].required_env)})."
    }
  }

  depends_on = [aws_iam_role_policy.lambda]
}

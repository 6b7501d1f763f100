# RDS's export-finished events wake the executions (`export_events = true`, the default,
# with the default definition): the WaitForExportEvent
# callback state's function (wait-for-export) records its task token for the export's
# snapshot in the export-waits table; prod forwards RDS-EVENT-0159/0160/0161 (DB snapshot
# export failed/canceled/completed) and 0162/0163/0164 (cluster snapshot) to the pipeline's
# bus (prod module, export_events = true), and this rule hands them to the export-events
# function, which confirms the export's status with DescribeExportTasks and sends the
# waiting tokens back (states:SendTaskSuccess on this state machine only, lambdas.tf).
# The callback's timeout is the fallback poll, so a lost event costs detection time, never
# the export; the sweep below bounds that time. Off (`export_events = false`): none of this
# exists and the graph uses its Wait loop.

resource "aws_dynamodb_table" "export_waits" {
  for_each = local.export_events_instances

  name         = local.export_waits_table
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "snapshot_arn"
  range_key    = "execution_id"

  attribute {
    name = "snapshot_arn"
    type = "S"
  }

  attribute {
    name = "execution_id"
    type = "S"
  }

  # A wait that was never answered (a lost event, then a redrive or a failure) expires.
  ttl {
    attribute_name = "expires_at"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = aws_kms_key.this.arn
  }

  deletion_protection_enabled = true

  tags = var.tags
}

resource "aws_cloudwatch_event_rule" "export_finished" {
  for_each = local.export_events_instances

  name           = local.export_finished_rule
  description    = "RDS snapshot export finished in one of the ${length(local.source_account_ids)} configured prod accounts: the export-events function wakes the ${var.name} executions waiting for it."
  event_bus_name = aws_cloudwatch_event_bus.this.name
  event_pattern = jsonencode({
    account       = local.source_account_ids
    source        = ["aws.rds"]
    "detail-type" = ["RDS DB Snapshot Event", "RDS DB Cluster Snapshot Event"]
    detail        = { EventID = local.export_finished_event_ids }
  })
  tags = var.tags
}

resource "aws_cloudwatch_event_target" "export_finished" {
  for_each = local.export_events_instances

  # By name (the infra checks evaluate every target's rule outside for_each).
  rule           = local.export_finished_rule
  event_bus_name = aws_cloudwatch_event_bus.this.name
  target_id      = "export-events"
  arn            = aws_lambda_function.this["export-events"].arn

  # A late wake-up is still worth delivering (the fallback poll bounds the delay anyway);
  # export-events is idempotent, so retries and duplicates are harmless.
  retry_policy {
    maximum_event_age_in_seconds = 3600
    maximum_retry_attempts       = 30
  }

  depends_on = [aws_cloudwatch_event_rule.export_finished, aws_lambda_permission.export_finished]
}

resource "aws_lambda_permission" "export_finished" {
  for_each = local.export_events_instances

  statement_id  = "export-finished-rule"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.this["export-events"].function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.export_finished[each.key].arn
}

# The sweep: RDS's events are best effort, so every export_sweep_interval_minutes this
# schedule (default bus: schedules exist only there) invokes export-events with a Scheduled
# Event. It Scans the export-waits table (dynamodb:Scan, lambdas.tf) and, only while some
# execution waits, lists the exports prod still runs with one DescribeExportTasks and wakes
# the waits whose export ended without its event (docs/performance.md, section 1c). The
# rule exists in every mode: export-slots sweeps the slot ledgers on the same tick
# (export-slots.tf).
resource "aws_cloudwatch_event_rule" "export_sweep" {
  name                = local.export_sweep_rule
  description         = "Every ${var.export_sweep_interval_minutes} min: the export-events function wakes the ${var.name} executions whose export ended without its RDS event, and export-slots frees the slots of ended exports."
  schedule_expression = "rate(${var.export_sweep_interval_minutes} ${var.export_sweep_interval_minutes == 1 ? "minute" : "minutes"})"
  tags                = var.tags
}

# The rule had one instance keyed "export-events" (it existed only with export_events): an
# existing deployment keeps its rule.
moved {
  from = aws_cloudwatch_event_rule.export_sweep["export-events"]
  to   = aws_cloudwatch_event_rule.export_sweep
}

resource "aws_cloudwatch_event_target" "export_sweep" {
  for_each = local.export_events_instances

  # By name (the infra checks evaluate every target's rule outside for_each).
  rule      = local.export_sweep_rule
  target_id = "export-events"
  arn       = aws_lambda_function.this["export-events"].arn

  # A tick not delivered within its interval is replaced by the next one.
  retry_policy {
    maximum_event_age_in_seconds = 60 * var.export_sweep_interval_minutes
    maximum_retry_attempts       = 0
  }

  depends_on = [aws_cloudwatch_event_rule.export_sweep, aws_lambda_permission.export_sweep]
}

resource "aws_lambda_permission" "export_sweep" {
  for_each = local.export_events_instances

  statement_id  = "export-sweep-schedule"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.this["export-events"].function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.export_sweep.arn
}

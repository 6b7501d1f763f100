# Export slots (design: "Export slots"): at most 5 exports run per prod account and Region,
# so the graph's AcquireExportSlot callback Task asks the export-slots function for a slot
# before StartExport and ReleaseExportSlot gives it back. The function keeps, in the slots
# table, one ledger item per (account, Region) (`pk = LEDGER#<account>#<region>`, `sk =
# LEDGER`: holders, external exports, a version every write is conditional on), one waiter
# item per parked execution (`sk = WAIT#<enqueued ms>#<execution id>`, with its task token)
# and one lock item per snapshot (`pk = SNAPSHOT#<arn>`). A slot is also freed when a
# holder's execution fails, times out or is aborted (the status-change rule, second target
# next to notify) and by the export sweep (the schedule rule, second target next to
# export-events), which releases holders whose export ended or whose lease expired and
# re-wakes waiters whose wake was lost. Waiting costs nothing: a parked token, no poll.

resource "aws_dynamodb_table" "export_slots" {
  name         = local.export_slots_table
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"
  range_key    = "sk"

  attribute {
    name = "pk"
    type = "S"
  }

  attribute {
    name = "sk"
    type = "S"
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

# An execution that stops (FAILED, TIMED_OUT, ABORTED: the rule in failure-events.tf) frees
# its slots unless its export still runs in RDS.
resource "aws_cloudwatch_event_target" "execution_failed_slots" {
  rule      = aws_cloudwatch_event_rule.execution_failed.name
  target_id = "export-slots"
  arn       = aws_lambda_function.this["export-slots"].arn

  # A late release still frees a slot (the sweep's lease check bounds the delay anyway);
  # releasing is idempotent.
  retry_policy {
    maximum_event_age_in_seconds = 86400
    maximum_retry_attempts       = 185
  }

  depends_on = [aws_lambda_permission.execution_failed_slots]
}

resource "aws_lambda_permission" "execution_failed_slots" {
  statement_id  = "execution-failed-rule"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.this["export-slots"].function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.execution_failed.arn
}

# The sweep tick (export-events.tf's schedule rule, every export_sweep_interval_minutes).
resource "aws_cloudwatch_event_target" "export_sweep_slots" {
  # By name (the infra checks evaluate every target's rule outside for_each).
  rule      = local.export_sweep_rule
  target_id = "export-slots"
  arn       = aws_lambda_function.this["export-slots"].arn

  # A tick not delivered within its interval is replaced by the next one.
  retry_policy {
    maximum_event_age_in_seconds = 60 * var.export_sweep_interval_minutes
    maximum_retry_attempts       = 0
  }

  depends_on = [aws_cloudwatch_event_rule.export_sweep, aws_lambda_permission.export_sweep_slots]
}

resource "aws_lambda_permission" "export_sweep_slots" {
  statement_id  = "export-sweep-schedule"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.this["export-slots"].function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.export_sweep.arn
}

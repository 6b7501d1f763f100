# The failure notification. No Task of the graph catches its errors (so that the console's
# Redrive re-runs the task that failed), so the graph has no failure path to notify from:
# Step Functions puts a "Step Functions Execution Status Change" event on the account's
# default bus when an execution stops, and this rule hands the FAILED, TIMED_OUT and
# ABORTED ones of this state machine to the notify function, which reads the execution's
# history (states:GetExecutionHistory, lambdas.tf) to name the failed state and publishes
# "Snapshot Export Failed". Delivery is best effort: the alarm in alarms.tf stays the
# backstop.

resource "aws_cloudwatch_event_rule" "execution_failed" {
  name        = "${var.name}-execution-failed"
  description = "An execution of the ${var.name} state machine failed, timed out or was aborted: the notify function publishes Snapshot Export Failed."
  # No event_bus_name: Step Functions sends status changes to the default bus only.
  event_pattern = jsonencode({
    source        = ["aws.states"]
    "detail-type" = ["Step Functions Execution Status Change"]
    detail = {
      status          = ["FAILED", "TIMED_OUT", "ABORTED"]
      stateMachineArn = [aws_sfn_state_machine.this.arn]
    }
  })
  tags = var.tags
}

resource "aws_cloudwatch_event_target" "execution_failed" {
  rule      = aws_cloudwatch_event_rule.execution_failed.name
  target_id = "notify"
  arn       = aws_lambda_function.this["notify"].arn

  # EventBridge retries only when it cannot hand the event to Lambda (throttling, service
  # errors); once Lambda accepts the asynchronous invocation, Lambda retries a failing
  # function twice itself. A late failure notification is still worth sending (an
  # execution can be redriven for 14 days), so retry for as long as EventBridge allows.
  retry_policy {
    maximum_event_age_in_seconds = 86400
    maximum_retry_attempts       = 185
  }

  # No dead-letter queue: an event that is never delivered is a missing notification of a
  # failure that the ExecutionsFailed / ExecutionsTimedOut alarm (alarms.tf) reports
  # anyway, and a queue would need its own key grant, policy and alarm to be read at all.

  depends_on = [aws_lambda_permission.execution_failed]
}

resource "aws_lambda_permission" "execution_failed" {
  statement_id  = "execution-failed-rule"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.this["notify"].function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.execution_failed.arn
}

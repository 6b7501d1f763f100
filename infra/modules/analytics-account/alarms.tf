# Alarm on failed or timed-out executions, optionally with its own encrypted SNS topic.
# The failure-events rule (failure-events.tf) already has notify publish "Snapshot Export
# Failed" for each failed execution, but EventBridge delivers Step Functions events on a
# best-effort basis (and notify itself can fail): this alarm, on the state machine's own
# metrics, is the notification that cannot be lost. Keep both.

resource "aws_sns_topic" "this" {
  count = var.alarm_sns_topic ? 1 : 0

  name              = "${var.name}-alarms"
  kms_master_key_id = aws_kms_key.this.arn
  tags              = var.tags
}

resource "aws_cloudwatch_metric_alarm" "this" {
  alarm_name          = "${var.name}-executions-failed"
  alarm_description   = "An execution of the ${var.name} state machine failed or timed out: read its failure in the Step Functions console (the failed task names the error; fix the cause, then Redrive)."
  comparison_operator = "GreaterThanOrEqualToThreshold"
  evaluation_periods  = 1
  threshold           = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = concat(aws_sns_topic.this[*].arn, var.alarm_actions)
  ok_actions          = concat(aws_sns_topic.this[*].arn, var.alarm_actions)

  metric_query {
    id          = "failures"
    expression  = "failed + timed_out"
    label       = "Failed or timed-out executions"
    return_data = true
  }

  metric_query {
    id = "failed"

    metric {
      namespace   = "AWS/States"
      metric_name = "ExecutionsFailed"
      period      = 300
      stat        = "Sum"
      dimensions  = { StateMachineArn = aws_sfn_state_machine.this.arn }
    }
  }

  metric_query {
    id = "timed_out"

    metric {
      namespace   = "AWS/States"
      metric_name = "ExecutionsTimedOut"
      period      = 300
      stat        = "Sum"
      dimensions  = { StateMachineArn = aws_sfn_state_machine.this.arn }
    }
  }

  tags = var.tags
}

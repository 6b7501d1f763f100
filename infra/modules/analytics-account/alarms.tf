# Alarm on failed or timed-out executions, optionally with its own encrypted SNS topic.

resource "aws_sns_topic" "this" {
  count = var.alarm_sns_topic ? 1 : 0

  name              = "${var.name}-alarms"
  kms_master_key_id = aws_kms_key.this.arn
  tags              = var.tags
}

resource "aws_cloudwatch_metric_alarm" "this" {
  alarm_name          = "${var.name}-executions-failed"
  alarm_description   = "An execution of the ${var.name} state machine failed or timed out: read its failure in the Step Functions console (the Failed state names the error)."
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

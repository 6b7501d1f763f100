# Forwarding of snapshot-created events from prod's default bus to the analytics bus.
# EventBridge cannot target a state machine in another account, so the analytics account
# receives the event on its own bus and starts the state machine there.

resource "aws_cloudwatch_event_rule" "this" {
  name          = "${var.name}-snapshot-created"
  description   = "RDS snapshot created: forward to the ${var.name} pipeline in ${var.analytics_account_id}."
  event_pattern = jsonencode(local.event_pattern)
  tags          = var.tags
}

resource "aws_cloudwatch_event_target" "this" {
  rule      = aws_cloudwatch_event_rule.this.name
  target_id = "analytics-event-bus"
  arn       = var.analytics_event_bus_arn
  role_arn  = aws_iam_role.events.arn
}

resource "aws_iam_role" "events" {
  name               = "${var.name}-forward-events"
  description        = "EventBridge forwards snapshot-created events to the ${var.name} analytics bus with this role."
  assume_role_policy = data.aws_iam_policy_document.events_trust.json
  tags               = var.tags
}

data "aws_iam_policy_document" "events_trust" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role_policy" "events" {
  name   = "put-events-analytics-bus"
  role   = aws_iam_role.events.id
  policy = data.aws_iam_policy_document.events.json
}

data "aws_iam_policy_document" "events" {
  statement {
    actions   = ["events:PutEvents"]
    resources = [var.analytics_event_bus_arn]
  }
}

# export_events: the export-finished events go the same way (same bus, same role); the
# analytics rule hands them to the export-events function.
resource "aws_cloudwatch_event_rule" "export_finished" {
  for_each = var.export_events ? toset(["export-events"]) : toset([])

  name        = "${var.name}-export-finished"
  description = "RDS snapshot export finished: forward to the ${var.name} pipeline in ${var.analytics_account_id}."
  event_pattern = jsonencode({
    source        = ["aws.rds"]
    "detail-type" = ["RDS DB Snapshot Event", "RDS DB Cluster Snapshot Event"]
    detail        = { EventID = local.export_finished_event_ids }
  })
  tags = var.tags
}

resource "aws_cloudwatch_event_target" "export_finished" {
  for_each = var.export_events ? toset(["export-events"]) : toset([])

  rule      = aws_cloudwatch_event_rule.export_finished[each.key].name
  target_id = "analytics-event-bus"
  arn       = var.analytics_event_bus_arn
  role_arn  = aws_iam_role.events.arn
}

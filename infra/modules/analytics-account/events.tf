# The pipeline's event bus: prod forwards snapshot-created events to it (EventBridge cannot
# target a state machine in another account) and a rule starts the state machine.

resource "aws_cloudwatch_event_bus" "this" {
  name = var.name
  tags = var.tags
}

resource "aws_cloudwatch_event_bus_policy" "this" {
  event_bus_name = aws_cloudwatch_event_bus.this.name
  policy         = data.aws_iam_policy_document.event_bus.json
}

data "aws_iam_policy_document" "event_bus" {
  # Only RDS events, only from the prod account.
  statement {
    sid       = "ProdAccountRdsEvents"
    actions   = ["events:PutEvents"]
    resources = [aws_cloudwatch_event_bus.this.arn]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${var.prod_account_id}:root"]
    }

    condition {
      test     = "StringEquals"
      variable = "events:source"
      values   = ["aws.rds"]
    }
  }
}

resource "aws_cloudwatch_event_rule" "this" {
  name           = "${var.name}-snapshot-created"
  description    = "RDS snapshot created in ${var.prod_account_id}: start the ${var.name} state machine."
  event_bus_name = aws_cloudwatch_event_bus.this.name
  event_pattern = jsonencode({
    account       = [var.prod_account_id]
    source        = ["aws.rds"]
    "detail-type" = ["RDS DB Snapshot Event", "RDS DB Cluster Snapshot Event"]
    # Snapshot created (manual, automated, copy; cluster manual, automated): the
    # export-finished events prod also forwards with export_events go to export-events.
    detail = { EventID = ["RDS-EVENT-0042", "RDS-EVENT-0091", "RDS-EVENT-0197", "RDS-EVENT-0075", "RDS-EVENT-0169"] }
  })
  tags = var.tags
}

resource "aws_cloudwatch_event_target" "this" {
  rule           = aws_cloudwatch_event_rule.this.name
  event_bus_name = aws_cloudwatch_event_bus.this.name
  target_id      = "state-machine"
  arn            = aws_sfn_state_machine.this.arn
  role_arn       = aws_iam_role.events.arn
}

resource "aws_iam_role" "events" {
  name               = "${var.name}-start-execution"
  description        = "EventBridge starts the ${var.name} state machine with this role."
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
  name   = "start-execution"
  role   = aws_iam_role.events.id
  policy = data.aws_iam_policy_document.events.json
}

data "aws_iam_policy_document" "events" {
  statement {
    actions   = ["states:StartExecution"]
    resources = [aws_sfn_state_machine.this.arn]
  }
}

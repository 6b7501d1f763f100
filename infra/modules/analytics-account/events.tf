# The pipeline's event bus: prod forwards snapshot-created events to it (EventBridge cannot
# target a state machine in another account) and a rule starts the state machine.

resource "aws_cloudwatch_event_bus" "this" {
  name = var.name
  tags = var.tags
}

resource "aws_cloudwatch_event_bus_policy" "this" {
  event_bus_name = aws_cloudwatch_event_bus.this.name
  policy         = data.aws_iam_policy_document.event_bus.json

  lifecycle {
    # One of the two ways of naming the prod accounts, complete.
    precondition {
      condition     = length(var.source_accounts) > 0 || (var.prod_account_id != null && var.prod_kms_key_arn != null && var.prod_export_role_arn != null && var.prod_cross_account_role_arn != null && var.prod_role_external_id != null)
      error_message = "Name the prod accounts: source_accounts (one entry per account), or all of prod_account_id, prod_kms_key_arn, prod_export_role_arn, prod_cross_account_role_arn and prod_role_external_id (one account)."
    }
  }
}

data "aws_iam_policy_document" "event_bus" {
  # Only RDS events, only from the configured prod accounts (every key of source_accounts,
  # or prod_account_id): an account that is not configured cannot start an execution.
  statement {
    sid       = "ProdAccountRdsEvents"
    actions   = ["events:PutEvents"]
    resources = [aws_cloudwatch_event_bus.this.arn]

    principals {
      type        = "AWS"
      identifiers = [for id in local.source_account_ids : "arn:${local.partition}:iam::${id}:root"]
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
  description    = "RDS snapshot created in one of the ${length(local.source_account_ids)} configured prod accounts: start the ${var.name} state machine."
  event_bus_name = aws_cloudwatch_event_bus.this.name
  event_pattern = jsonencode({
    account       = local.source_account_ids
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

# The Step Functions state machine: the committed ASL definition with every Lambda ARN
# placeholder filled in, logging to an encrypted log group, and a role that may invoke
# the seven functions and nothing else.

resource "aws_sfn_state_machine" "this" {
  name     = var.name
  role_arn = aws_iam_role.state_machine.arn
  type     = "STANDARD"

  # One entry per `${<binary>_function_arn}` placeholder of the definition
  # (tests/tests/infra_contract.rs checks both sets are the same).
  definition = templatefile(local.definition_path, {
    normalize_function_arn     = aws_lambda_function.this["normalize"].arn
    start_export_function_arn  = aws_lambda_function.this["start-export"].arn
    check_export_function_arn  = aws_lambda_function.this["check-export"].arn
    rewrite_acl_function_arn   = aws_lambda_function.this["rewrite-acl"].arn
    start_crawler_function_arn = aws_lambda_function.this["start-crawler"].arn
    check_crawler_function_arn = aws_lambda_function.this["check-crawler"].arn
    notify_function_arn        = aws_lambda_function.this["notify"].arn
  })

  logging_configuration {
    log_destination        = "${aws_cloudwatch_log_group.state_machine.arn}:*"
    include_execution_data = true
    level                  = "ALL"
  }

  tracing_configuration {
    enabled = var.tracing_enabled
  }

  tags = var.tags

  depends_on = [aws_iam_role_policy.state_machine]
}

resource "aws_cloudwatch_log_group" "state_machine" {
  # The /aws/vendedlogs/ prefix keeps the log delivery's resource policy small.
  name              = "/aws/vendedlogs/states/${var.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.this.arn
  tags              = var.tags
}

resource "aws_iam_role" "state_machine" {
  name               = "${var.name}-state-machine"
  description        = "Execution role of the ${var.name} state machine."
  assume_role_policy = data.aws_iam_policy_document.state_machine_trust.json
  tags               = var.tags
}

data "aws_iam_policy_document" "state_machine_trust" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["states.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role_policy" "state_machine" {
  name   = "state-machine"
  role   = aws_iam_role.state_machine.id
  policy = data.aws_iam_policy_document.state_machine.json
}

data "aws_iam_policy_document" "state_machine" {
  statement {
    sid       = "InvokePipelineFunctions"
    actions   = ["lambda:InvokeFunction"]
    resources = [for f in aws_lambda_function.this : f.arn]
  }

  # Step Functions log delivery: these actions have no resource-level permissions.
  statement {
    sid = "LogDelivery"
    actions = [
      "logs:CreateLogDelivery",
      "logs:GetLogDelivery",
      "logs:UpdateLogDelivery",
      "logs:DeleteLogDelivery",
      "logs:ListLogDeliveries",
      "logs:PutResourcePolicy",
      "logs:DescribeResourcePolicies",
      "logs:DescribeLogGroups",
    ]
    resources = ["*"]
  }

  dynamic "statement" {
    for_each = var.tracing_enabled ? [1] : []

    content {
      sid       = "XRay"
      actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"]
      resources = ["*"]
    }
  }
}

# The Step Functions state machine: the committed ASL definition with every Lambda ARN
# placeholder filled in, logging to an encrypted log group, and a role that may invoke
# the pipeline's functions and nothing else.

resource "aws_sfn_state_machine" "this" {
  # local.executions_arn (notify's states:GetExecutionHistory) is built from this name.
  name     = var.name
  role_arn = aws_iam_role.state_machine.arn
  type     = "STANDARD"

  # Each function's placeholder (`${<binary>_function_arn}`, from the table) gets its ARN;
  # infra/checks/test_infra_contract.py checks they are exactly the definition's.
  definition = templatefile(local.definition_path, {
    for name, f in local.function_table : f.placeholder => aws_lambda_function.this[name].arn
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

  # The lists that are not derived from the table must still name exactly its functions.
  lifecycle {
    # The graph must deliver the way the accounts are set up: CopyObjects is in the
    # definition exactly with delivery = "copy" (render it with
    # state-machine/configs/copy-delivery.toml and pass it as definition_path).
    precondition {
      condition     = local.copy_delivery == strcontains(file(local.definition_path), "copy_objects_function_arn")
      error_message = "delivery is \"${var.delivery}\" but ${local.definition_path} ${local.copy_delivery ? "has no CopyObjects state: render the definition with delivery = \"copy\" (state-machine/configs/copy-delivery.toml) and pass it as definition_path" : "has a CopyObjects state (rendered for copy delivery)"}."
    }

    # The callback wait needs the export-waits table, the rule and its permissions, which
    # exist exactly with export_events (the default config; state-machine/configs/wait-loop.toml renders without them).
    precondition {
      condition     = var.export_events == strcontains(file(local.definition_path), "wait_for_export_function_arn")
      error_message = "export_events is ${var.export_events} but ${local.definition_path} ${var.export_events ? "has no WaitForExportEvent state: use a definition rendered with [export] events = true (the default config) as definition_path" : "has a WaitForExportEvent state (rendered with [export] events = true): set export_events = true, or render it from state-machine/configs/wait-loop.toml"}."
    }

    precondition {
      condition     = length(setsubtract(keys(local.function_permissions), keys(local.function_table))) == 0
      error_message = "local.function_permissions has entries for functions not in functions.json: ${join(", ", setsubtract(keys(local.function_permissions), keys(local.function_table)))}."
    }

    precondition {
      condition     = toset(keys(local.lambda_manifest.functions)) == toset(keys(local.function_table))
      error_message = "${var.lambda_manifest_path} packages ${join(", ", sort(keys(local.lambda_manifest.functions)))}, but functions.json has ${join(", ", sort(keys(local.function_table)))}: run scripts/package-lambdas.sh."
    }
  }

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

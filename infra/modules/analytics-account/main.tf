# The analytics side of the snapshot export: the account's identity and the module's own
# KMS key, which encrypts the pipeline's logs, the alarm topic, the Glue crawler's logs
# and objects written to the bucket without a key of their own. The export files
# themselves stay encrypted with the prod export key (see docs/cross-account-setup.md).
# The other resources live in one file per topic: bucket.tf, lambdas.tf,
# state-machine.tf, events.tf, failure-events.tf, glue.tf, alarms.tf.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

resource "aws_kms_key" "this" {
  description             = "${var.name}: pipeline logs, alarm topic, crawler logs and bucket default encryption"
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_key_deletion_window_in_days
  policy                  = data.aws_iam_policy_document.key.json
  tags                    = var.tags
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.name}"
  target_key_id = aws_kms_key.this.key_id
}

data "aws_iam_policy_document" "key" {
  #checkov:skip=CKV_AWS_109:Key policy: Resource "*" means this key only; AccountAdministration is AWS's default statement delegating to IAM, without which the key could become unmanageable.
  #checkov:skip=CKV_AWS_111:Key policy: Resource "*" means this key only; write actions are limited to the named principals (account administrators, service principals with conditions).
  #checkov:skip=CKV_AWS_356:Key policy: Resource "*" is the only valid resource in a key policy and means this key.
  # Keeps the key manageable by the account's administrators (IAM policies decide who).
  statement {
    sid       = "AccountAdministration"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  # CloudWatch Logs encrypts the pipeline's log groups (and the crawler's) with the key.
  statement {
    sid = "CloudWatchLogs"
    actions = [
      "kms:Encrypt",
      "kms:Decrypt",
      "kms:ReEncryptFrom",
      "kms:ReEncryptTo",
      "kms:GenerateDataKey",
      "kms:GenerateDataKeyWithoutPlaintext",
    ]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["logs.${local.region}.amazonaws.com"]
    }

    # Only for log groups of this account (the context names the log group).
    condition {
      test     = "StringLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:*"]
    }
  }

  # Copy delivery: the prod copier roles encrypt the copies they write into the bucket (and
  # reads back parts of a multipart copy), only through S3.
  dynamic "statement" {
    for_each = local.copier_uses_module_key ? [1] : []

    content {
      sid       = "ProdCopierEncryptsCopiesViaS3"
      actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
      resources = ["*"]

      principals {
        type        = "AWS"
        identifiers = local.copier_role_arns
      }

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["s3.${local.region}.amazonaws.com"]
      }
    }
  }

  # CloudWatch alarms publish to the encrypted alarm topic.
  statement {
    sid       = "CloudWatchAlarmsToSns"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

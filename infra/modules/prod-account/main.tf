# The prod side of the snapshot export: the export key, the role RDS writes with, the role
# the analytics Lambdas assume, and the rule that forwards snapshot-created events.
#
# Analytics principals appear as the analytics account root restricted by aws:PrincipalArn:
# KMS and IAM reject a policy naming a role that does not exist yet, and the analytics
# roles are created after this module (the analytics module needs this module's outputs).

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

################################################################################
# Export key: encrypts the Parquet files RDS writes to the analytics bucket
################################################################################

resource "aws_kms_key" "this" {
  description             = "${var.name}: RDS snapshot exports to s3://${var.analytics_bucket_name}/${var.export_prefix}/"
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_key_deletion_window_in_days
  policy                  = data.aws_iam_policy_document.key.json
  tags                    = var.tags
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.name}-export"
  target_key_id = aws_kms_key.this.key_id
}

data "aws_iam_policy_document" "key" {
  #checkov:skip=CKV_AWS_109:Key policy: Resource "*" means this key only; AccountAdministration is AWS's default statement delegating to IAM, without which the key could become unmanageable.
  #checkov:skip=CKV_AWS_111:Key policy: Resource "*" means this key only; write actions are limited to the named principals (account administrators, service principals with conditions).
  #checkov:skip=CKV_AWS_356:Key policy: Resource "*" is the only valid resource in a key policy and means this key.
  # Keeps the key manageable by the account's administrators (IAM policies decide who);
  # without it a wrong policy would lock the key for good.
  statement {
    sid       = "AccountAdministration"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  # RDS writes the export files with the export role's credentials.
  statement {
    sid = "ExportRoleUse"
    actions = [
      "kms:Encrypt",
      "kms:Decrypt",
      "kms:ReEncryptFrom",
      "kms:ReEncryptTo",
      "kms:GenerateDataKey",
      "kms:GenerateDataKeyWithoutPlaintext",
      "kms:DescribeKey",
    ]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = [aws_iam_role.export.arn]
    }
  }

  # The StartExportTask caller (the cross-account role the start-export Lambda assumes)
  # must be able to describe the key and let RDS create its grant.
  statement {
    sid       = "ExportCallerDescribe"
    actions   = ["kms:DescribeKey"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = [aws_iam_role.cross_account.arn]
    }
  }

  # Only grants RDS creates for the export (every delivery): without the condition,
  # whoever may assume the role could grant the key to any principal. A statement of its
  # own: DescribeKey requests carry no kms:GrantIsForAWSResource, so the condition would
  # deny them.
  statement {
    sid       = "ExportCallerGrant"
    actions   = ["kms:CreateGrant"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = [aws_iam_role.cross_account.arn]
    }

    condition {
      test     = "Bool"
      variable = "kms:GrantIsForAWSResource"
      values   = ["true"]
    }
  }

  # Analytics readers decrypt the exported files, only through S3 (share-key delivery
  # only: with copy delivery no analytics principal may use this key).
  dynamic "statement" {
    for_each = length(var.analytics_reader_role_arns) > 0 && !local.copy_delivery ? [1] : []

    content {
      sid       = "AnalyticsReadersDecryptViaS3"
      actions   = ["kms:Decrypt"]
      resources = ["*"]

      principals {
        type        = "AWS"
        identifiers = ["arn:${local.partition}:iam::${var.analytics_account_id}:root"]
      }

      condition {
        test     = "ArnEquals"
        variable = "aws:PrincipalArn"
        values   = var.analytics_reader_role_arns
      }

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["s3.${local.region}.amazonaws.com"]
      }
    }
  }
}

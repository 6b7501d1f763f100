# The two roles of the prod account: the one RDS assumes to write the export, and the one
# the analytics Lambdas assume to start and follow exports and fix object ACLs.

################################################################################
# Export role: assumed by RDS (export.rds.amazonaws.com) to write the Parquet files
################################################################################

resource "aws_iam_role" "export" {
  name               = "${var.name}-export"
  description        = "RDS snapshot export writes s3://${local.copy_delivery ? local.staging_bucket_name : var.analytics_bucket_name}/${var.export_prefix}/ with this role."
  assume_role_policy = data.aws_iam_policy_document.export_trust.json
  tags               = var.tags
}

data "aws_iam_policy_document" "export_trust" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["export.rds.amazonaws.com"]
    }

    # Only exports started in this account may use the role (confused deputy).
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role_policy" "export" {
  name   = "export"
  role   = aws_iam_role.export.id
  policy = data.aws_iam_policy_document.export.json
}

data "aws_iam_policy_document" "export" {
  # The bucket-level actions RDS checks before it writes.
  statement {
    sid       = "ExportBucket"
    actions   = ["s3:ListBucket", "s3:GetBucketLocation"]
    resources = [local.bucket_arn]
  }

  # The object actions the RDS export documentation requires, on the prefix only.
  statement {
    sid       = "ExportObjects"
    actions   = ["s3:PutObject*", "s3:GetObject*", "s3:DeleteObject*"]
    resources = [local.prefix_objects_arn]
  }

  statement {
    sid = "ExportKey"
    actions = [
      "kms:Encrypt",
      "kms:Decrypt",
      "kms:ReEncryptFrom",
      "kms:ReEncryptTo",
      "kms:GenerateDataKey",
      "kms:GenerateDataKeyWithoutPlaintext",
      "kms:DescribeKey",
    ]
    resources = [aws_kms_key.this.arn]
  }

  dynamic "statement" {
    for_each = length(var.source_kms_key_arns) > 0 ? [1] : []

    content {
      sid       = "SourceDatabaseKeys"
      actions   = ["kms:Decrypt", "kms:DescribeKey", "kms:CreateGrant"]
      resources = var.source_kms_key_arns
    }
  }
}

################################################################################
# Cross-account role: assumed by the analytics Lambdas
################################################################################

resource "aws_iam_role" "cross_account" {
  name               = "${var.name}-cross-account"
  description        = "Assumed by the ${var.name} Lambdas in ${var.analytics_account_id} to start and follow snapshot exports."
  assume_role_policy = data.aws_iam_policy_document.cross_account_trust.json
  # Handlers assume it per export; an hour covers every call of one Lambda invocation.
  max_session_duration = 3600
  tags                 = var.tags
}

data "aws_iam_policy_document" "cross_account_trust" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${var.analytics_account_id}:root"]
    }

    # Only the pipeline's Lambda roles, not every principal of the analytics account.
    condition {
      test     = "ArnEquals"
      variable = "aws:PrincipalArn"
      values   = var.analytics_lambda_role_arns
    }

    condition {
      test     = "StringEquals"
      variable = "sts:ExternalId"
      values   = [var.external_id]
    }
  }
}

resource "aws_iam_role_policy" "cross_account" {
  name   = "snapshot-export"
  role   = aws_iam_role.cross_account.id
  policy = data.aws_iam_policy_document.cross_account.json
}

data "aws_iam_policy_document" "cross_account" {
  #checkov:skip=CKV_AWS_356:rds:DescribeExportTasks only, on "*": called with an export task id alone, which names no snapshot the optional snapshot/cluster resource types could match; "*" works however AWS authorizes it (docs/security.md), and it only reads export status.
  # Normalize looks the snapshot up; StartExport starts exports of this account's snapshots.
  statement {
    sid = "SnapshotExports"
    actions = [
      "rds:DescribeDBSnapshots",
      "rds:DescribeDBClusterSnapshots",
      "rds:StartExportTask",
    ]
    resources = [
      "arn:${local.partition}:rds:${local.region}:${local.account_id}:snapshot:*",
      "arn:${local.partition}:rds:${local.region}:${local.account_id}:cluster-snapshot:*",
    ]
  }

  # StartExport (adoption) and CheckExport describe an export by its task id only. The
  # Service Authorization Reference gives DescribeExportTasks optional resource types
  # (snapshot, cluster-snapshot, cluster) but not which one a request naming only a task
  # id is matched against: a statement scoped to snapshot ARNs may never apply. "*" works
  # either way and only reads export status (docs/security.md: check on the first apply).
  statement {
    sid       = "DescribeExports"
    actions   = ["rds:DescribeExportTasks"]
    resources = ["*"]
  }

  statement {
    sid       = "PassExportRoleToRds"
    actions   = ["iam:PassRole"]
    resources = [aws_iam_role.export.arn]

    # iam:PassedToService is the service principal the role is passed to: RDS exports
    # assume it as export.rds.amazonaws.com (its trust policy above); rds.amazonaws.com
    # too, the principal RDS's own documentation names for StartExportTask's PassRole.
    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["export.rds.amazonaws.com", "rds.amazonaws.com"]
    }
  }

  # StartExportTask's caller must be able to describe the export key and let RDS create a
  # grant on it, and only that: a grant not for an AWS resource (one the caller could
  # give to anyone) is refused. The key policy's ExportCallerGrant has the same condition.
  statement {
    sid       = "ExportKeyDescribe"
    actions   = ["kms:DescribeKey"]
    resources = [aws_kms_key.this.arn]
  }

  statement {
    sid       = "ExportKeyGrant"
    actions   = ["kms:CreateGrant"]
    resources = [aws_kms_key.this.arn]

    condition {
      test     = "Bool"
      variable = "kms:GrantIsForAWSResource"
      values   = ["true"]
    }
  }

  # RewriteAcl lists the export's objects and, as their owner, rewrites their ACL
  # (share-key delivery only: with copy delivery the copies belong to analytics).
  dynamic "statement" {
    for_each = local.copy_delivery ? [] : [1]

    content {
      sid       = "ListExportPrefix"
      actions   = ["s3:ListBucket"]
      resources = [local.bucket_arn]

      condition {
        test     = "StringLike"
        variable = "s3:prefix"
        values   = ["${var.export_prefix}/*"]
      }
    }
  }

  dynamic "statement" {
    for_each = local.copy_delivery ? [] : [1]

    content {
      sid       = "RewriteExportAcls"
      actions   = ["s3:PutObjectAcl"]
      resources = [local.prefix_objects_arn]

      condition {
        test     = "StringEquals"
        variable = "s3:x-amz-acl"
        values   = ["bucket-owner-full-control"]
      }
    }
  }
}

# The export bucket: prod's export role writes under the prefix, prod's cross-account role
# lists and rewrites ACLs under it, everything else of prod is refused.

resource "aws_s3_bucket" "this" {
  #checkov:skip=CKV2_AWS_62:The pipeline is driven by RDS snapshot events, not S3 object events; nothing consumes bucket notifications.
  #checkov:skip=CKV_AWS_144:Exports are derived data that can be re-exported from the snapshots; replicating them would copy prod data to a second Region (residency), so it is left to the operator.
  bucket = var.bucket_name
  tags   = var.tags
}

resource "aws_s3_bucket_ownership_controls" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    object_ownership = var.object_ownership
  }

  lifecycle {
    # The copies belong to this account only under BucketOwnerEnforced (copy delivery has
    # no ACL step).
    precondition {
      condition     = var.delivery != "copy" || var.object_ownership == "BucketOwnerEnforced"
      error_message = "delivery = \"copy\" needs object_ownership = \"BucketOwnerEnforced\"."
    }

    precondition {
      condition     = var.delivery != "copy" || (var.staging_bucket_name != null && var.prod_copier_role_arn != null)
      error_message = "delivery = \"copy\" needs staging_bucket_name and prod_copier_role_arn (the prod module's staging_bucket_name and copier_role_arn outputs)."
    }
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket                  = aws_s3_bucket.this.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = coalesce(var.bucket_kms_key_arn, aws_kms_key.this.arn)
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_versioning" "this" {
  bucket = aws_s3_bucket.this.id

  versioning_configuration {
    status = var.bucket_versioning ? "Enabled" : "Suspended"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    id     = "housekeeping"
    status = "Enabled"

    filter {}

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }

    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_expiration_days
    }
  }

  dynamic "rule" {
    for_each = var.export_expiration_days == null ? [] : [var.export_expiration_days]

    content {
      id     = "expire-exports"
      status = "Enabled"

      filter {
        prefix = "${var.export_prefix}/"
      }

      expiration {
        days = rule.value
      }

      abort_incomplete_multipart_upload {
        days_after_initiation = 7
      }
    }
  }

  depends_on = [aws_s3_bucket_versioning.this]
}

resource "aws_s3_bucket_logging" "this" {
  count = var.access_log_bucket == null ? 0 : 1

  bucket        = aws_s3_bucket.this.id
  target_bucket = var.access_log_bucket
  target_prefix = var.access_log_prefix
}

resource "aws_s3_bucket_policy" "this" {
  bucket = aws_s3_bucket.this.id
  policy = data.aws_iam_policy_document.bucket.json

  # The public access block must be in place before a policy naming other accounts.
  depends_on = [aws_s3_bucket_public_access_block.this]
}

data "aws_iam_policy_document" "bucket" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.this.arn, "${aws_s3_bucket.this.arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }

  # Share-key delivery (none of the prod statements below exist with copy delivery, where
  # RDS writes into the prod staging bucket): RDS checks the bucket with the export role
  # before writing.
  dynamic "statement" {
    for_each = local.copy_delivery ? [] : [1]

    content {
      sid       = "ProdExportRoleBucket"
      actions   = ["s3:ListBucket", "s3:GetBucketLocation"]
      resources = [aws_s3_bucket.this.arn]

      principals {
        type        = "AWS"
        identifiers = [var.prod_export_role_arn]
      }
    }
  }

  dynamic "statement" {
    for_each = local.copy_delivery ? [] : [1]

    content {
      sid       = "ProdExportRoleObjects"
      actions   = ["s3:PutObject*", "s3:GetObject*", "s3:DeleteObject*"]
      resources = [local.prefix_objects_arn]

      principals {
        type        = "AWS"
        identifiers = [var.prod_export_role_arn]
      }
    }
  }

  # RewriteAcl (through the prod cross-account role) lists the export's objects...
  dynamic "statement" {
    for_each = local.copy_delivery ? [] : [1]

    content {
      sid       = "ProdCrossAccountList"
      actions   = ["s3:ListBucket"]
      resources = [aws_s3_bucket.this.arn]

      principals {
        type        = "AWS"
        identifiers = [var.prod_cross_account_role_arn]
      }

      condition {
        test     = "StringLike"
        variable = "s3:prefix"
        values   = ["${var.export_prefix}/*"]
      }
    }
  }

  # ...and, as their owner under ObjectWriter, hands them to the bucket owner.
  dynamic "statement" {
    for_each = local.copy_delivery ? [] : [1]

    content {
      sid       = "ProdCrossAccountAcl"
      actions   = ["s3:PutObjectAcl"]
      resources = [local.prefix_objects_arn]

      principals {
        type        = "AWS"
        identifiers = [var.prod_cross_account_role_arn]
      }

      condition {
        test     = "StringEquals"
        variable = "s3:x-amz-acl"
        values   = ["bucket-owner-full-control"]
      }
    }
  }

  # Copy delivery: the prod copier role lists the export prefix (so that HeadObject of a
  # missing copy answers 404), reads back and writes the copies, and may abort its own
  # multipart copies; it is the only principal that may write under the prefix.
  dynamic "statement" {
    for_each = local.copier_statements

    content {
      sid       = "ProdCopierList"
      actions   = ["s3:ListBucket"]
      resources = [aws_s3_bucket.this.arn]

      principals {
        type        = "AWS"
        identifiers = [var.prod_copier_role_arn]
      }

      condition {
        test     = "StringLike"
        variable = "s3:prefix"
        values   = ["${var.export_prefix}/*"]
      }
    }
  }

  dynamic "statement" {
    for_each = local.copier_statements

    content {
      sid       = "ProdCopierWrite"
      actions   = ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"]
      resources = [local.prefix_objects_arn]

      principals {
        type        = "AWS"
        identifiers = [var.prod_copier_role_arn]
      }
    }
  }

  dynamic "statement" {
    for_each = local.copier_statements

    content {
      sid       = "DenyExportWritesButCopier"
      effect    = "Deny"
      actions   = ["s3:PutObject"]
      resources = [local.prefix_objects_arn]

      principals {
        type        = "*"
        identifiers = ["*"]
      }

      condition {
        test     = "ArnNotEquals"
        variable = "aws:PrincipalArn"
        values   = [var.prod_copier_role_arn]
      }
    }
  }
}

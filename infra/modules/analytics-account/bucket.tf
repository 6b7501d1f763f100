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
      condition     = !local.copy_delivery || var.object_ownership == "BucketOwnerEnforced"
      error_message = "copy delivery (delivery = \"copy\", or a source account's) needs object_ownership = \"BucketOwnerEnforced\"."
    }

    precondition {
      condition     = local.multi_source || var.delivery != "copy" || (var.staging_bucket_name != null && var.prod_copier_role_arn != null)
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

  # Share-key delivery (one set of statements per share-key source: none exist for a
  # copied source, whose RDS writes into its prod staging bucket): RDS checks the bucket
  # with the export role before writing.
  dynamic "statement" {
    for_each = length(local.share_key_sources) > 0 ? [1] : []

    content {
      sid       = "ProdExportRoleBucket"
      actions   = ["s3:ListBucket", "s3:GetBucketLocation"]
      resources = [aws_s3_bucket.this.arn]

      principals {
        type        = "AWS"
        identifiers = sort([for id, s in local.share_key_sources : s.export_role_arn if s.export_role_arn != null])
      }
    }
  }

  # Each account's export role writes under its own prefix only (two accounts never write
  # each other's exports).
  dynamic "statement" {
    for_each = local.share_key_sources

    content {
      sid       = "ProdExportRoleObjects${statement.key}"
      actions   = ["s3:PutObject*", "s3:GetObject*", "s3:DeleteObject*"]
      resources = ["${aws_s3_bucket.this.arn}/${statement.value.export_prefix}/*"]

      principals {
        type        = "AWS"
        identifiers = [statement.value.export_role_arn]
      }
    }
  }

  # RewriteAcl (through each account's cross-account role) lists that account's export
  # objects...
  dynamic "statement" {
    for_each = local.share_key_sources

    content {
      sid       = "ProdCrossAccountList${statement.key}"
      actions   = ["s3:ListBucket"]
      resources = [aws_s3_bucket.this.arn]

      principals {
        type        = "AWS"
        identifiers = [statement.value.role_arn]
      }

      condition {
        test     = "StringLike"
        variable = "s3:prefix"
        values   = ["${statement.value.export_prefix}/*"]
      }
    }
  }

  # ...and, as their owner under ObjectWriter, hands them to the bucket owner.
  dynamic "statement" {
    for_each = local.share_key_sources

    content {
      sid       = "ProdCrossAccountAcl${statement.key}"
      actions   = ["s3:PutObjectAcl"]
      resources = ["${aws_s3_bucket.this.arn}/${statement.value.export_prefix}/*"]

      principals {
        type        = "AWS"
        identifiers = [statement.value.role_arn]
      }

      condition {
        test     = "StringEquals"
        variable = "s3:x-amz-acl"
        values   = ["bucket-owner-full-control"]
      }
    }
  }

  # Copy delivery (per copied source): its prod copier role lists its export prefix (so
  # that HeadObject of a missing copy answers 404), reads back and writes the copies, and
  # may abort its own multipart copies; it is the only principal that may write under that
  # prefix, besides catalog-tables' verification report.
  dynamic "statement" {
    for_each = local.copy_sources

    content {
      sid       = "ProdCopierList${statement.key}"
      actions   = ["s3:ListBucket"]
      resources = [aws_s3_bucket.this.arn]

      principals {
        type        = "AWS"
        identifiers = [statement.value.copier_role_arn]
      }

      condition {
        test     = "StringLike"
        variable = "s3:prefix"
        values   = ["${statement.value.export_prefix}/*"]
      }
    }
  }

  dynamic "statement" {
    for_each = local.copy_sources

    content {
      sid       = "ProdCopierWrite${statement.key}"
      actions   = ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"]
      resources = ["${aws_s3_bucket.this.arn}/${statement.value.export_prefix}/*"]

      principals {
        type        = "AWS"
        identifiers = [statement.value.copier_role_arn]
      }
    }
  }

  dynamic "statement" {
    for_each = local.copy_sources

    content {
      sid       = "DenyExportWritesButCopier${statement.key}"
      effect    = "Deny"
      actions   = ["s3:PutObject"]
      resources = ["${aws_s3_bucket.this.arn}/${statement.value.export_prefix}/*"]

      principals {
        type        = "*"
        identifiers = ["*"]
      }

      # catalog-tables writes only its verification report there (its own policy names
      # those keys alone).
      condition {
        test     = "ArnNotEquals"
        variable = "aws:PrincipalArn"
        values   = concat([statement.value.copier_role_arn], local.catalog_tables ? [local.catalog_tables_role_arn] : [])
      }
    }
  }
}

# Copy delivery (delivery = "copy"): the prod staging bucket RDS writes the export to,
# encrypted with the export key, and the copier role the analytics copy-objects function
# assumes to server-side copy each export into the analytics bucket, re-encrypted there
# with an analytics key. The prod key never leaves prod: no analytics principal is
# granted it (the key policy's reader statement exists only with share-key delivery).
# The staging copy expires by lifecycle after staging_expiration_days; the pipeline never
# deletes anything. None of these resources exist with share-key delivery (the policy
# documents are still rendered, so the checks lint them either way).

resource "aws_s3_bucket" "staging" {
  for_each = local.staging_instances

  #checkov:skip=CKV2_AWS_62:The pipeline is driven by RDS snapshot events, not S3 object events; nothing consumes bucket notifications.
  #checkov:skip=CKV_AWS_144:Staging copies are transient (they expire after staging_expiration_days) and can be re-exported from the snapshots; replicating prod data to a second Region is left to the operator.
  #checkov:skip=CKV_AWS_18:Access logging is the staging_access_log_bucket input (aws_s3_bucket_logging.staging); the log bucket is the operator's.
  bucket = local.staging_bucket_name
  tags   = var.tags
}

resource "aws_s3_bucket_ownership_controls" "staging" {
  for_each = local.staging_instances

  bucket = aws_s3_bucket.staging[each.key].id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "staging" {
  for_each = local.staging_instances

  bucket                  = aws_s3_bucket.staging[each.key].id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "staging" {
  for_each = local.staging_instances

  bucket = aws_s3_bucket.staging[each.key].id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.this.arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_versioning" "staging" {
  for_each = local.staging_instances

  bucket = aws_s3_bucket.staging[each.key].id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "staging" {
  for_each = local.staging_instances

  bucket = aws_s3_bucket.staging[each.key].id

  rule {
    id     = "expire-staged-exports"
    status = "Enabled"

    filter {}

    expiration {
      days = var.staging_expiration_days
    }

    noncurrent_version_expiration {
      noncurrent_days = 1
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  depends_on = [aws_s3_bucket_versioning.staging]
}

resource "aws_s3_bucket_logging" "staging" {
  for_each = var.staging_access_log_bucket == null ? toset([]) : local.staging_instances

  bucket        = aws_s3_bucket.staging[each.key].id
  target_bucket = var.staging_access_log_bucket
  target_prefix = "s3-access/${local.staging_bucket_name}/"
}

resource "aws_s3_bucket_policy" "staging" {
  for_each = local.staging_instances

  bucket = aws_s3_bucket.staging[each.key].id
  policy = data.aws_iam_policy_document.staging_bucket.json

  depends_on = [aws_s3_bucket_public_access_block.staging]
}

data "aws_iam_policy_document" "staging_bucket" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [local.staging_bucket_arn, "${local.staging_bucket_arn}/*"]

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

  # Only this account's principals (the export role, the copier role, administrators):
  # no analytics principal ever reads the staging bucket directly.
  statement {
    sid       = "DenyOtherAccounts"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [local.staging_bucket_arn, "${local.staging_bucket_arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "StringNotEquals"
      variable = "aws:PrincipalAccount"
      values   = [local.account_id]
    }
  }
}

################################################################################
# Copier role: assumed by the analytics copy-objects function
################################################################################

resource "aws_iam_role" "copier" {
  for_each = local.staging_instances

  name               = "${var.name}-copier"
  description        = "Assumed by the ${var.name} copy-objects function in ${var.analytics_account_id} to copy exports from s3://${local.staging_bucket_name}/${var.export_prefix}/ to s3://${var.analytics_bucket_name}/${var.export_prefix}/."
  assume_role_policy = data.aws_iam_policy_document.copier_trust.json
  # Assumed per export; an hour covers one Lambda invocation (at most 15 minutes).
  max_session_duration = 3600
  tags                 = var.tags

  lifecycle {
    precondition {
      condition     = length(var.analytics_copier_caller_role_arns) > 0
      error_message = "delivery = \"copy\" needs analytics_copier_caller_role_arns (the copy-objects function's role, '<name>-copy-objects')."
    }
  }
}

data "aws_iam_policy_document" "copier_trust" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${var.analytics_account_id}:root"]
    }

    # Only the copy-objects function's role, not every principal of the analytics account.
    condition {
      test     = "ArnEquals"
      variable = "aws:PrincipalArn"
      values   = length(var.analytics_copier_caller_role_arns) > 0 ? var.analytics_copier_caller_role_arns : ["arn:${local.partition}:iam::${var.analytics_account_id}:role/${var.name}-copy-objects"]
    }

    condition {
      test     = "StringEquals"
      variable = "sts:ExternalId"
      values   = [var.external_id]
    }
  }
}

resource "aws_iam_role_policy" "copier" {
  for_each = local.staging_instances

  name   = "copy-exports"
  role   = aws_iam_role.copier[each.key].id
  policy = data.aws_iam_policy_document.copier.json
}

data "aws_iam_policy_document" "copier" {
  # Read side: list and read the export prefix of the staging bucket, decrypt through S3.
  statement {
    sid       = "ListStagedExports"
    actions   = ["s3:ListBucket"]
    resources = [local.staging_bucket_arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${var.export_prefix}/*"]
    }
  }

  statement {
    sid       = "ReadStagedExports"
    actions   = ["s3:GetObject"]
    resources = ["${local.staging_bucket_arn}/${var.export_prefix}/*"]
  }

  statement {
    sid       = "DecryptStagedExportsViaS3"
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.this.arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["s3.${local.region}.amazonaws.com"]
    }
  }

  # Write side: the analytics bucket's export prefix (its bucket policy allows this role
  # there only). HeadObject of a copy needs s3:GetObject, and s3:ListBucket so a missing
  # copy answers 404 instead of 403; multipart copies may be aborted, never objects.
  statement {
    sid       = "ListAnalyticsExports"
    actions   = ["s3:ListBucket"]
    resources = [local.analytics_bucket_arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${var.export_prefix}/*"]
    }
  }

  statement {
    sid       = "WriteAnalyticsCopies"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"]
    resources = ["${local.analytics_bucket_arn}/${var.export_prefix}/*"]
  }

  # The analytics key (created after this module, so named by account): encrypting the
  # copies, and decrypting parts of a multipart copy. The analytics key policy decides
  # which key; both are needed.
  statement {
    sid       = "EncryptAnalyticsCopiesViaS3"
    actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
    resources = ["arn:${local.partition}:kms:${local.region}:${var.analytics_account_id}:key/*"]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["s3.${local.region}.amazonaws.com"]
    }
  }
}

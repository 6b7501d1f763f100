# The Glue database, and the crawler over the export prefix when catalog = "crawler" (its
# security configuration, role and policy too: none of them exist otherwise). With the
# crawler, every export of a table becomes one table (CombineCompatibleSchemas); the
# export's JSON metadata and _SUCCESS markers are not data. The crawler never deletes
# tables (house rule: nothing is deleted). With catalog = "tables" the catalog-tables
# function writes the tables of this database itself (lambdas.tf).

resource "aws_glue_catalog_database" "this" {
  name        = local.glue_database
  description = "Tables of the RDS snapshot exports under s3://${var.bucket_name}/${var.export_prefix}/."
  tags        = var.tags
}

resource "aws_glue_security_configuration" "this" {
  for_each = local.crawler_instances

  name = "${var.name}-crawler"

  encryption_configuration {
    cloudwatch_encryption {
      cloudwatch_encryption_mode = "SSE-KMS"
      kms_key_arn                = aws_kms_key.this.arn
    }

    job_bookmarks_encryption {
      job_bookmarks_encryption_mode = "CSE-KMS"
      kms_key_arn                   = aws_kms_key.this.arn
    }

    s3_encryption {
      s3_encryption_mode = "SSE-KMS"
      kms_key_arn        = aws_kms_key.this.arn
    }
  }
}

resource "aws_glue_crawler" "this" {
  for_each = local.crawler_instances

  name                   = local.crawler_name
  description            = "Catalogues the Parquet files of the RDS snapshot exports."
  database_name          = aws_glue_catalog_database.this.name
  role                   = aws_iam_role.crawler[each.key].arn
  security_configuration = aws_glue_security_configuration.this[each.key].name

  s3_target {
    path       = "s3://${aws_s3_bucket.this.id}/${var.export_prefix}/"
    exclusions = ["**.json", "**_SUCCESS"]
  }

  configuration = jsonencode({
    Version  = 1.0
    Grouping = { TableGroupingPolicy = "CombineCompatibleSchemas" }
    CrawlerOutput = {
      Partitions = { AddOrUpdateBehavior = "InheritFromTable" }
    }
  })

  schema_change_policy {
    update_behavior = "UPDATE_IN_DATABASE"
    delete_behavior = "LOG"
  }

  tags = var.tags

  depends_on = [aws_iam_role_policy.crawler]
}

resource "aws_iam_role" "crawler" {
  for_each = local.crawler_instances

  name               = "${var.name}-crawler"
  description        = "Role of the ${var.name} Glue crawler."
  assume_role_policy = data.aws_iam_policy_document.crawler_trust.json
  tags               = var.tags
}

data "aws_iam_policy_document" "crawler_trust" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["glue.amazonaws.com"]
    }

    # Confused deputy: AWS Glue's documentation does not say that Glue sends
    # aws:SourceAccount when a crawler assumes its role; with StringEquals an absent key
    # would deny the crawler its role. IfExists still refuses another account's Glue when
    # the key is sent (docs/security.md: check on the first apply, then tighten).
    condition {
      test     = "StringEqualsIfExists"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role_policy" "crawler" {
  for_each = local.crawler_instances

  name   = "crawler"
  role   = aws_iam_role.crawler[each.key].id
  policy = data.aws_iam_policy_document.crawler.json
}

data "aws_iam_policy_document" "crawler" {
  statement {
    sid       = "ListExportPrefix"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.this.arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${var.export_prefix}/*"]
    }
  }

  statement {
    sid       = "ReadExports"
    actions   = ["s3:GetObject"]
    resources = [local.prefix_objects_arn]
  }

  # The files are encrypted with the prod export key (prod's key policy allows this role
  # through S3); objects written with the bucket default use the module's key.
  statement {
    sid       = "DecryptExports"
    actions   = ["kms:Decrypt"]
    resources = local.reader_kms_key_arns

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["s3.${local.region}.amazonaws.com"]
    }
  }

  # The security configuration encrypts the crawler's logs with the module's key.
  statement {
    sid       = "EncryptCrawlerLogs"
    actions   = ["kms:Encrypt", "kms:GenerateDataKey", "kms:Decrypt"]
    resources = [aws_kms_key.this.arn]
  }

  statement {
    sid = "Catalog"
    actions = [
      "glue:GetDatabase",
      "glue:GetTable",
      "glue:GetTables",
      "glue:CreateTable",
      "glue:UpdateTable",
      "glue:GetPartition",
      "glue:GetPartitions",
      "glue:BatchGetPartition",
      "glue:CreatePartition",
      "glue:BatchCreatePartition",
      "glue:UpdatePartition",
      "glue:BatchUpdatePartition",
    ]
    resources = local.glue_table_arns
  }

  statement {
    sid = "CrawlerLogs"
    actions = [
      "logs:CreateLogGroup",
      "logs:CreateLogStream",
      "logs:PutLogEvents",
      "logs:AssociateKmsKey",
    ]
    resources = [
      "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:/aws-glue/crawlers*",
    ]
  }
}

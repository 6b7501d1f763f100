# The source accounts (source_accounts): one item per prod account in the sources table,
# key `account_id`, attribute `config` = the account's configuration as JSON (design:
# "Source accounts"). The functions that touch prod or a source's buckets read the item of
# the snapshot's account at each invocation (GetItem, cached at most 60 s), so a changed
# map plus a Redrive takes effect without a deploy of the functions; SOURCE_ACCOUNT_IDS
# (Normalize) lists the keys, so an unconfigured account is refused before any AWS call.
# Not an environment variable: Lambda environments hold 4 KB, 50 accounts do not fit.
# Only with source_accounts (the single-account inputs keep today's environment).

resource "aws_dynamodb_table" "sources" {
  for_each = local.sources_instances

  name         = local.sources_table
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "account_id"

  attribute {
    name = "account_id"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = aws_kms_key.this.arn
  }

  deletion_protection_enabled = true

  tags = var.tags
}

resource "aws_dynamodb_table_item" "source" {
  for_each = local.multi_source ? local.source_items : {}

  table_name = aws_dynamodb_table.sources["sources"].name
  hash_key   = aws_dynamodb_table.sources["sources"].hash_key

  item = jsonencode({
    account_id = { S = each.key }
    config     = { S = jsonencode(each.value) }
  })
}

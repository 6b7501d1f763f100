# Outputs of the analytics-account module: what operators and the prod-account module need.

output "state_machine_arn" {
  description = "ARN of the pipeline's state machine (start manual exports with it)."
  value       = aws_sfn_state_machine.this.arn
}

output "state_machine_name" {
  description = "Name of the pipeline's state machine."
  value       = aws_sfn_state_machine.this.name
}

output "bucket_name" {
  description = "Name of the export bucket."
  value       = aws_s3_bucket.this.id
}

output "bucket_arn" {
  description = "ARN of the export bucket."
  value       = aws_s3_bucket.this.arn
}

output "export_prefix" {
  description = "Key prefix of every export."
  value       = var.export_prefix
}

output "event_bus_arn" {
  description = "ARN of the pipeline's event bus (the prod-account module's analytics_event_bus_arn)."
  value       = aws_cloudwatch_event_bus.this.arn
}

output "event_bus_name" {
  description = "Name of the pipeline's event bus."
  value       = aws_cloudwatch_event_bus.this.name
}

output "crawler_name" {
  description = "Name of the Glue crawler (catalog = \"crawler\"; null otherwise)."
  value       = one([for c in aws_glue_crawler.this : c.name])
}

output "crawler_role_arn" {
  description = "ARN of the crawler's role, a reader of the prod export key (catalog = \"crawler\"; null otherwise)."
  value       = one([for r in aws_iam_role.crawler : r.arn])
}

output "catalog_reader_role_arns" {
  description = "Roles that read the exported files to catalog them, so need kms:Decrypt on the prod export key through S3 (with the analysts' roles, the prod-account module's analytics_reader_role_arns): the catalog-tables function's role (catalog = \"tables\") or the crawler's (catalog = \"crawler\")."
  value = concat(
    [for r in aws_iam_role.crawler : r.arn],
    [for k, r in aws_iam_role.lambda : r.arn if local.functions[k].catalog && local.catalog_tables],
  )
}

output "glue_database_name" {
  description = "Glue database holding the exported tables."
  value       = aws_glue_catalog_database.this.name
}

output "lambda_function_arns" {
  description = "ARN of each function, by binary name."
  value       = { for k, f in aws_lambda_function.this : k => f.arn }
}

output "lambda_role_arns" {
  description = "Execution role ARN of each function, by binary name."
  value       = { for k, r in aws_iam_role.lambda : k => r.arn }
}

output "prod_caller_role_arns" {
  description = "Execution roles that assume the prod role (the prod-account module's analytics_lambda_role_arns)."
  value       = [for k, r in aws_iam_role.lambda : r.arn if local.functions[k].assume_prod]
}

output "kms_key_arn" {
  description = "ARN of the module's key (logs, alarm topic, crawler logs, bucket default encryption)."
  value       = aws_kms_key.this.arn
}

output "alarm_topic_arn" {
  description = "ARN of the alarm topic, null when alarm_sns_topic is false."
  value       = one(aws_sns_topic.this[*].arn)
}

output "sources_table_name" {
  description = "DynamoDB table of the source accounts (SOURCES_TABLE; null without source_accounts)."
  value       = one([for t in aws_dynamodb_table.sources : t.name])
}

output "source_account_ids" {
  description = "The configured prod accounts (SOURCE_ACCOUNT_IDS; the bus policy admits exactly these)."
  value       = local.source_account_ids
}

output "export_slots_table_name" {
  description = "DynamoDB table of the export slots (EXPORT_SLOTS_TABLE)."
  value       = aws_dynamodb_table.export_slots.name
}

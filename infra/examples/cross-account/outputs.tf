# What the operator needs after the apply.

output "state_machine_arn" {
  description = "ARN of the pipeline's state machine (the CLI's --state-machine-arn)."
  value       = module.analytics.state_machine_arn
}

output "bucket_name" {
  description = "Export bucket."
  value       = module.analytics.bucket_name
}

output "export_prefix" {
  description = "Key prefix of every export."
  value       = module.analytics.export_prefix
}

output "crawler_name" {
  description = "Glue crawler over the exports."
  value       = module.analytics.crawler_name
}

output "glue_database_name" {
  description = "Glue database of the exported tables."
  value       = module.analytics.glue_database_name
}

output "event_bus_arn" {
  description = "Analytics event bus receiving prod's snapshot events."
  value       = module.analytics.event_bus_arn
}

output "export_kms_key_arns" {
  description = "Prod export key of each prod account, by account id; grant analysts kms:Decrypt on them in their IAM policies too."
  value       = { (var.prod_a_account_id) = module.prod_a.kms_key_arn, (var.prod_b_account_id) = module.prod_b.kms_key_arn }
}

output "prod_cross_account_role_arns" {
  description = "Prod role the Lambdas assume in each prod account, by account id."
  value       = { (var.prod_a_account_id) = module.prod_a.cross_account_role_arn, (var.prod_b_account_id) = module.prod_b.cross_account_role_arn }
}

output "export_prefixes" {
  description = "Key prefix of each prod account's exports, by account id."
  value       = { (var.prod_a_account_id) = local.prod_a_prefix, (var.prod_b_account_id) = local.prod_b_prefix }
}

output "sources_table_name" {
  description = "DynamoDB table of the source accounts (one item per prod account)."
  value       = module.analytics.sources_table_name
}

output "export_slots_table_name" {
  description = "DynamoDB table of the export slots (ledger per account and Region, waiters, snapshot locks)."
  value       = module.analytics.export_slots_table_name
}

output "alarm_topic_arn" {
  description = "SNS topic of the failed-executions alarm; subscribe the on-call address to it."
  value       = module.analytics.alarm_topic_arn
}

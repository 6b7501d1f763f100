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

output "export_kms_key_arn" {
  description = "Prod export key; grant analysts kms:Decrypt on it in their IAM policies too."
  value       = module.prod.kms_key_arn
}

output "prod_cross_account_role_arn" {
  description = "Prod role the Lambdas assume."
  value       = module.prod.cross_account_role_arn
}

output "alarm_topic_arn" {
  description = "SNS topic of the failed-executions alarm; subscribe the on-call address to it."
  value       = module.analytics.alarm_topic_arn
}

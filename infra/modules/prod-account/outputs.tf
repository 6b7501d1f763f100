# Outputs of the prod-account module: what the analytics-account module and operators need.

output "kms_key_arn" {
  description = "ARN of the export key (the analytics Lambdas' EXPORT_KMS_KEY_ARN; readers need kms:Decrypt on it)."
  value       = aws_kms_key.this.arn
}

output "kms_key_alias" {
  description = "Alias of the export key."
  value       = aws_kms_alias.this.name
}

output "export_role_arn" {
  description = "ARN of the role RDS writes the export with (EXPORT_ROLE_ARN; the bucket policy lets it write under the prefix)."
  value       = aws_iam_role.export.arn
}

output "cross_account_role_arn" {
  description = "ARN of the role the analytics Lambdas assume (PROD_ROLE_ARN)."
  value       = aws_iam_role.cross_account.arn
}

output "event_rule_arn" {
  description = "ARN of the rule forwarding snapshot-created events to the analytics bus."
  value       = aws_cloudwatch_event_rule.this.arn
}

output "events_role_arn" {
  description = "ARN of the role EventBridge uses to put events on the analytics bus."
  value       = aws_iam_role.events.arn
}

output "staging_bucket_name" {
  description = "Copy delivery: the prod staging bucket the exports are written to (the analytics module's staging_bucket_name, EXPORT_BUCKET of start-export and copy-objects); null with share-key delivery."
  value       = local.copy_delivery ? aws_s3_bucket.staging["staging"].id : null
}

output "copier_role_arn" {
  description = "Copy delivery: the role the copy-objects function assumes (COPIER_ROLE_ARN; the analytics bucket and key policies allow it); null with share-key delivery."
  value       = local.copy_delivery ? aws_iam_role.copier["staging"].arn : null
}

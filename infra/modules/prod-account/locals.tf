# Names and ARNs derived from the inputs, used by more than one resource.
locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name

  # Copy delivery: RDS writes into the prod staging bucket, the copier role copies from it
  # into the analytics bucket; share-key: RDS writes into the analytics bucket.
  copy_delivery = var.delivery == "copy"
  # The default is a valid bucket name whatever `name` is: S3 refuses '_', capitals and
  # more than 63 characters, so `name` is lower-cased, '_' becomes '-' and it is cut to
  # the 35 characters that leave room for "-export-staging-<12-digit account id>".
  staging_bucket_name  = coalesce(var.staging_bucket_name, "${substr(replace(lower(var.name), "_", "-"), 0, 35)}-export-staging-${local.account_id}")
  staging_bucket_arn   = "arn:${local.partition}:s3:::${local.staging_bucket_name}"
  analytics_bucket_arn = "arn:${local.partition}:s3:::${var.analytics_bucket_name}"
  staging_instances    = local.copy_delivery ? toset(["staging"]) : toset([])

  # The bucket RDS writes the export to.
  bucket_arn = local.copy_delivery ? local.staging_bucket_arn : local.analytics_bucket_arn
  # Every object permission is limited to the export prefix.
  prefix_objects_arn = "${local.bucket_arn}/${var.export_prefix}/*"

  # Snapshot-created events (manual, automated, copy; cluster manual, automated).
  snapshot_event_ids = ["RDS-EVENT-0042", "RDS-EVENT-0091", "RDS-EVENT-0197", "RDS-EVENT-0075", "RDS-EVENT-0169"]

  snapshot_identifier_filter = length(var.db_identifiers) == 0 ? {} : {
    SourceIdentifier = flatten([for db in var.db_identifiers : [{ prefix = db }, { prefix = "rds:${db}-" }]])
  }

  # Snapshot export finished (DB snapshot failed, canceled, completed; cluster snapshot
  # the same), forwarded with export_events: they name the snapshot, not the export task.
  export_finished_event_ids = ["RDS-EVENT-0159", "RDS-EVENT-0160", "RDS-EVENT-0161", "RDS-EVENT-0162", "RDS-EVENT-0163", "RDS-EVENT-0164"]

  event_pattern = {
    source        = ["aws.rds"]
    "detail-type" = ["RDS DB Snapshot Event", "RDS DB Cluster Snapshot Event"]
    detail        = merge({ EventID = local.snapshot_event_ids }, local.snapshot_identifier_filter)
  }
}

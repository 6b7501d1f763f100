# Names and ARNs derived from the inputs, used by more than one resource.
locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name

  bucket_arn = "arn:${local.partition}:s3:::${var.analytics_bucket_name}"
  # Every object permission is limited to the export prefix.
  prefix_objects_arn = "${local.bucket_arn}/${var.export_prefix}/*"

  # Snapshot-created events (manual, automated, copy; cluster manual, automated).
  snapshot_event_ids = ["RDS-EVENT-0042", "RDS-EVENT-0091", "RDS-EVENT-0197", "RDS-EVENT-0075", "RDS-EVENT-0169"]

  snapshot_identifier_filter = length(var.db_identifiers) == 0 ? {} : {
    SourceIdentifier = flatten([for db in var.db_identifiers : [{ prefix = db }, { prefix = "rds:${db}-" }]])
  }

  event_pattern = {
    source        = ["aws.rds"]
    "detail-type" = ["RDS DB Snapshot Event", "RDS DB Cluster Snapshot Event"]
    detail        = merge({ EventID = local.snapshot_event_ids }, local.snapshot_identifier_filter)
  }
}

# Names, ARNs and the function table. `functions` mirrors lambdas::functions::FUNCTIONS
# (tests/tests/infra_contract.rs checks that every binary is here with its required
# variables); null values are optional variables left unset.
locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name

  bucket_arn         = aws_s3_bucket.this.arn
  prefix_objects_arn = "${aws_s3_bucket.this.arn}/${var.export_prefix}/*"

  definition_path  = coalesce(var.definition_path, "${path.module}/../../../state-machine/definition.asl.json")
  glue_database    = coalesce(var.glue_database_name, replace(lower(var.name), "-", "_"))
  crawler_name     = "${var.name}-exports"
  notification_bus = coalesce(var.notification_event_bus_arn, aws_cloudwatch_event_bus.this.arn)

  # Variables for assuming the prod role, shared by the functions that call prod.
  prod_role_env = {
    PROD_ROLE_ARN         = var.prod_cross_account_role_arn
    PROD_ROLE_EXTERNAL_ID = var.prod_role_external_id
  }

  # One entry per Lambda binary. assume_prod: may assume the prod role; the other flags
  # add the one permission the handler needs on an analytics resource.
  functions = {
    "normalize" = {
      description = "Turns an RDS snapshot event or a manual request into an export job."
      timeout     = 60
      assume_prod = true
      glue        = []
      ownership   = false
      put_events  = false
      env = merge(local.prod_role_env, {
        DB_IDENTIFIERS = length(var.db_identifiers) > 0 ? join(",", var.db_identifiers) : null
        SNAPSHOT_TYPES = length(var.snapshot_types) > 0 ? join(",", var.snapshot_types) : null
        EXPORT_ONLY    = length(var.export_only) > 0 ? join(",", var.export_only) : null
      })
    }
    "start-export" = {
      description = "Starts (or adopts) the RDS snapshot export to S3."
      timeout     = 60
      assume_prod = true
      glue        = []
      ownership   = false
      put_events  = false
      env = merge(local.prod_role_env, {
        EXPORT_BUCKET      = aws_s3_bucket.this.id
        EXPORT_PREFIX      = var.export_prefix
        EXPORT_KMS_KEY_ARN = var.prod_kms_key_arn
        EXPORT_ROLE_ARN    = var.prod_export_role_arn
      })
    }
    "check-export" = {
      description = "Polls the export task's status."
      timeout     = 60
      assume_prod = true
      glue        = []
      ownership   = false
      put_events  = false
      env         = local.prod_role_env
    }
    "rewrite-acl" = {
      description = "Gives the bucket owner full control of the exported objects (skipped under BucketOwnerEnforced)."
      timeout     = 900
      assume_prod = true
      glue        = []
      ownership   = true
      put_events  = false
      env = merge(local.prod_role_env, {
        EXPORT_BUCKET = aws_s3_bucket.this.id
        EXPORT_PREFIX = var.export_prefix
      })
    }
    "start-crawler" = {
      description = "Starts the Glue crawler over the export prefix."
      timeout     = 60
      assume_prod = false
      glue        = ["glue:StartCrawler"]
      ownership   = false
      put_events  = false
      env = {
        CRAWLER_NAME = local.crawler_name
      }
    }
    "check-crawler" = {
      description = "Polls the Glue crawler's last crawl."
      timeout     = 60
      assume_prod = false
      glue        = ["glue:GetCrawler"]
      ownership   = false
      put_events  = false
      env = {
        CRAWLER_NAME = local.crawler_name
      }
    }
    "notify" = {
      description = "Sends the pipeline's outcome event."
      timeout     = 60
      assume_prod = false
      glue        = []
      ownership   = false
      put_events  = true
      env = {
        EVENT_BUS_NAME = local.notification_bus
        EVENT_SOURCE   = var.notification_event_source
      }
    }
  }
}

# Names, ARNs and the function table of the analytics module.
#
# The Lambda functions come from functions.json, generated from contract/src/functions.rs
# (`cargo run -p snapshot-export-cli -- render --format functions --out
# infra/modules/analytics-account/functions.json`; a Rust test fails when it is stale):
# binary names, descriptions, timeouts, placeholders of the definition and the
# environment variables each handler reads. Terraform adds only what the table cannot
# know: the value of each variable (env_values) and each function's permissions
# (function_permissions). infra/checks/test_infra_contract.py checks the module against
# the table and the definition.
locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name

  bucket_arn         = aws_s3_bucket.this.arn
  prefix_objects_arn = "${aws_s3_bucket.this.arn}/${var.export_prefix}/*"

  definition_path = coalesce(var.definition_path, "${path.module}/../../../state-machine/definition.asl.json")
  glue_database   = coalesce(var.glue_database_name, replace(lower(var.name), "-", "_"))
  crawler_name    = "${var.name}-exports"

  # The crawler and its role, security configuration and policy exist only with
  # catalog = "crawler" (one instance keyed "crawler", else none); catalog-tables may
  # read the exports and write the one Glue database only with catalog = "tables".
  crawler_instances = var.catalog == "crawler" ? toset(["crawler"]) : toset([])
  catalog_tables    = var.catalog == "tables"
  glue_table_arns = [
    "arn:${local.partition}:glue:${local.region}:${local.account_id}:catalog",
    aws_glue_catalog_database.this.arn,
    "arn:${local.partition}:glue:${local.region}:${local.account_id}:table/${aws_glue_catalog_database.this.name}/*",
  ]
  # Copy delivery: start-export and copy-objects use the prod staging bucket as
  # EXPORT_BUCKET; copy-objects writes this bucket, encrypted with copy_kms_key_arn
  # (null: SSE-S3), as the prod copier role.
  copy_delivery    = var.delivery == "copy"
  copy_kms_key_arn = var.copy_encryption == "kms" ? coalesce(var.bucket_kms_key_arn, aws_kms_key.this.arn) : null
  # The module's own key encrypts the copies (its policy must let the copier role use it).
  # The keys readers of the exports decrypt with: the prod export key too with share-key
  # delivery, never with copy delivery (the copies use this account's key).
  reader_kms_key_arns    = local.copy_delivery ? [coalesce(var.bucket_kms_key_arn, aws_kms_key.this.arn)] : [var.prod_kms_key_arn, coalesce(var.bucket_kms_key_arn, aws_kms_key.this.arn)]
  copier_statements      = local.copy_delivery && var.prod_copier_role_arn != null ? [1] : []
  copier_uses_module_key = local.copy_delivery && var.copy_encryption == "kms" && var.bucket_kms_key_arn == null && var.prod_copier_role_arn != null

  notification_bus = coalesce(var.notification_event_bus_arn, aws_cloudwatch_event_bus.this.arn)

  # Every execution of the pipeline's state machine (ARN format of the "execution" resource
  # type). Built from the name the state machine is given (state-machine.tf), not from the
  # resource: the state machine depends on the functions, whose policies use this.
  executions_arn = "arn:${local.partition}:states:${local.region}:${local.account_id}:execution:${var.name}:*"

  # export_events: the table of waiting task tokens (export-events.tf) and the RDS event
  # ids of a finished export (DB snapshot failed/canceled/completed, then cluster snapshot).
  export_events_instances   = var.export_events ? toset(["export-events"]) : toset([])
  export_waits_table        = "${var.name}-export-waits"
  export_finished_rule      = "${var.name}-export-finished"
  export_sweep_rule         = "${var.name}-export-sweep"
  export_waits_table_arn    = "arn:${local.partition}:dynamodb:${local.region}:${local.account_id}:table/${local.export_waits_table}"
  export_finished_event_ids = ["RDS-EVENT-0159", "RDS-EVENT-0160", "RDS-EVENT-0161", "RDS-EVENT-0162", "RDS-EVENT-0163", "RDS-EVENT-0164"]

  # The generated table: one entry per Lambda binary.
  function_table = jsondecode(file("${path.module}/functions.json")).functions

  # The value of every environment variable a function may read; null leaves it unset
  # (the handler then uses its default). A variable the table names and this map lacks
  # fails the plan ("Invalid index" on env_values below, naming the variable).
  env_values = {
    EXPORT_BUCKET                = local.copy_delivery ? var.staging_bucket_name : aws_s3_bucket.this.id
    EXPORT_PREFIX                = var.export_prefix
    EXPORT_KMS_KEY_ARN           = var.prod_kms_key_arn
    EXPORT_ROLE_ARN              = var.prod_export_role_arn
    PROD_ROLE_ARN                = var.prod_cross_account_role_arn
    PROD_ROLE_EXTERNAL_ID        = var.prod_role_external_id
    DB_IDENTIFIERS               = length(var.db_identifiers) > 0 ? join(",", var.db_identifiers) : null
    SNAPSHOT_TYPES               = length(var.snapshot_types) > 0 ? join(",", var.snapshot_types) : null
    EXPORT_ONLY                  = length(var.export_only) > 0 ? join(",", var.export_only) : null
    ACL_CONCURRENCY              = null
    ACL_DEADLINE_MARGIN_SECONDS  = null
    DESTINATION_BUCKET           = aws_s3_bucket.this.id
    DESTINATION_KMS_KEY_ARN      = local.copy_kms_key_arn
    COPIER_ROLE_ARN              = var.prod_copier_role_arn
    COPIER_ROLE_EXTERNAL_ID      = var.prod_copier_role_arn == null ? null : var.prod_role_external_id
    COPY_CONCURRENCY             = null
    COPY_DEADLINE_MARGIN_SECONDS = null
    CRAWLER_NAME                 = local.crawler_name
    GLUE_DATABASE                = aws_glue_catalog_database.this.name
    CATALOG_CONCURRENCY          = null
    EVENT_BUS_NAME               = local.notification_bus
    EVENT_SOURCE                 = var.notification_event_source
    EXPORT_WAITS_TABLE           = local.export_waits_table
  }

  # What each function's role may do besides writing its own logs: assume_prod, assume
  # the prod role; glue, the crawler actions; ownership, read the bucket's ownership
  # setting; put_events, send to the notification bus; read_history, read the history of
  # this state machine's executions (notify names the failed state of an execution the
  # failure-events rule reports); catalog, read the export prefix and write the tables of
  # the one Glue database (catalog-tables, with catalog = "tables"). Keyed by binary: a function of the table without an
  # entry fails the plan here, an entry without a function fails the state machine's
  # precondition. assume_copier (copy-objects only; absent means false): assume the prod
  # copier role, with delivery = "copy". A permission is given only in the modes whose
  # definition or rules call the function: no RewriteAcl state with copy delivery (the
  # copies belong to this account), no callback functions without export_events.
  function_permissions = {
    "normalize"      = { assume_prod = true, glue = [], ownership = false, put_events = false, read_history = false, catalog = false }
    "start-export"   = { assume_prod = true, glue = [], ownership = false, put_events = false, read_history = false, catalog = false }
    "check-export"   = { assume_prod = true, glue = [], ownership = false, put_events = false, read_history = false, catalog = false }
    "rewrite-acl"    = { assume_prod = !local.copy_delivery, glue = [], ownership = !local.copy_delivery, put_events = false, read_history = false, catalog = false }
    "start-crawler"  = { assume_prod = false, glue = ["glue:StartCrawler"], ownership = false, put_events = false, read_history = false, catalog = false }
    "check-crawler"  = { assume_prod = false, glue = ["glue:GetCrawler"], ownership = false, put_events = false, read_history = false, catalog = false }
    "catalog-tables" = { assume_prod = false, glue = [], ownership = false, put_events = false, read_history = false, catalog = true }
    "copy-objects"   = { assume_prod = false, glue = [], ownership = false, put_events = false, read_history = false, catalog = false, assume_copier = true }
    "notify"         = { assume_prod = false, glue = [], ownership = false, put_events = true, read_history = true, catalog = false }
    # export_events: callback (absent means []) = the export-waits table actions the
    # function calls (wait-for-export stores a token and removes it when the export has
    # already ended; export-events finds the tokens of a snapshot, or every open one when it
    # sweeps, and removes them), and send task tokens back.
    "wait-for-export" = { assume_prod = var.export_events, glue = [], ownership = false, put_events = false, read_history = false, catalog = false, callback = ["dynamodb:PutItem", "dynamodb:DeleteItem"] }
    "export-events"   = { assume_prod = var.export_events, glue = [], ownership = false, put_events = false, read_history = false, catalog = false, callback = ["dynamodb:Query", "dynamodb:Scan", "dynamodb:DeleteItem"] }
  }

  # One entry per function of the table: its permissions, description, timeout and
  # environment (every variable it reads, with its value from env_values).
  functions = {
    for name, f in local.function_table : name => merge(local.function_permissions[name], {
      description = f.description
      timeout     = f.timeout_seconds
      env         = { for k in concat(f.required_env, f.optional_env) : k => local.env_values[k] }
    })
  }

  # The packaged functions (scripts/package-lambdas.sh writes the manifest next to the
  # zips): their architecture, and per binary the zip (relative to the manifest) and its
  # hash.
  lambda_manifest     = jsondecode(file(var.lambda_manifest_path))
  lambda_manifest_dir = dirname(var.lambda_manifest_path)
}

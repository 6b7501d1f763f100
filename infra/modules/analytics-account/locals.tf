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
  # The source accounts: var.source_accounts with its defaults filled in, or (single-account
  # set-up, source_accounts empty) one entry built from the prod_* inputs. Everything below
  # that names a prod account, role, key or prefix iterates this map.
  multi_source = length(var.source_accounts) > 0
  sources = local.multi_source ? {
    for id, s in var.source_accounts : id => {
      name               = s.name
      role_arn           = s.role_arn
      external_id        = s.external_id
      export_role_arn    = s.export_role_arn
      kms_key_arn        = s.kms_key_arn
      delivery           = coalesce(s.delivery, var.delivery)
      export_bucket      = coalesce(s.export_bucket, var.bucket_name)
      export_prefix      = coalesce(s.export_prefix, "${var.export_prefix}/${s.name}")
      copier_role_arn    = s.copier_role_arn
      copier_external_id = s.copier_role_arn == null ? null : coalesce(s.copier_external_id, s.external_id)
      db_identifiers     = s.db_identifiers
      snapshot_types     = s.snapshot_types
      export_only        = s.export_only
      regions            = s.regions
    }
    } : {
    (coalesce(var.prod_account_id, "000000000000")) = {
      name               = ""
      role_arn           = var.prod_cross_account_role_arn
      external_id        = var.prod_role_external_id
      export_role_arn    = var.prod_export_role_arn
      kms_key_arn        = var.prod_kms_key_arn
      delivery           = var.delivery
      export_bucket      = var.delivery == "copy" ? var.staging_bucket_name : var.bucket_name
      export_prefix      = var.export_prefix
      copier_role_arn    = var.prod_copier_role_arn
      copier_external_id = var.prod_copier_role_arn == null ? null : var.prod_role_external_id
      db_identifiers     = var.db_identifiers
      snapshot_types     = var.snapshot_types
      export_only        = var.export_only
      regions            = []
    }
  }
  source_account_ids = sort(keys(local.sources))
  # The required variables of start-export (EXPORT_BUCKET, EXPORT_KMS_KEY_ARN,
  # EXPORT_ROLE_ARN) take the first source's values; with SOURCES_TABLE the handlers take
  # every value from the snapshot's source instead.
  first_source = local.sources[local.source_account_ids[0]]
  # The item of each account in the sources table (design: the `config` JSON attribute).
  source_items = {
    for id, s in local.sources : id => {
      name               = s.name
      regions            = length(s.regions) > 0 ? s.regions : [local.region]
      role_arn           = s.role_arn
      external_id        = s.external_id
      export_role_arn    = s.export_role_arn
      kms_key_arn        = s.kms_key_arn
      export_bucket      = s.export_bucket
      export_prefix      = s.export_prefix
      delivery           = s.delivery
      copier_role_arn    = s.copier_role_arn
      copier_external_id = s.copier_external_id
      db_identifiers     = s.db_identifiers
      snapshot_types     = s.snapshot_types
      export_only        = s.export_only
    }
  }
  sources_instances = local.multi_source ? toset(["sources"]) : toset([])
  sources_table     = "${var.name}-sources"
  sources_table_arn = "arn:${local.partition}:dynamodb:${local.region}:${local.account_id}:table/${local.sources_table}"

  # Per delivery: the sources RDS writes into this bucket (share-key; only those whose
  # export_bucket is this bucket get its policy statements) and the copied ones.
  share_key_sources = { for id, s in local.sources : id => s if s.delivery == "share-key" && s.export_bucket == var.bucket_name }
  copy_sources      = { for id, s in local.sources : id => s if s.delivery == "copy" && s.copier_role_arn != null }
  any_share_key     = length([for id, s in local.sources : id if s.delivery == "share-key"]) > 0
  # Copy delivery: start-export and copy-objects use the prod staging bucket as
  # EXPORT_BUCKET; copy-objects writes this bucket, encrypted with copy_kms_key_arn
  # (null: SSE-S3), as the prod copier role.
  copy_delivery    = length([for id, s in local.sources : id if s.delivery == "copy"]) > 0
  copy_kms_key_arn = var.copy_encryption == "kms" ? coalesce(var.bucket_kms_key_arn, aws_kms_key.this.arn) : null
  # The key the bucket encrypts objects written without one with (catalog-tables'
  # verification report).
  bucket_default_kms_key_arn = coalesce(var.bucket_kms_key_arn, aws_kms_key.this.arn)
  # The module's own key encrypts the copies (its policy must let the copier roles use it).
  # The keys readers of the exports decrypt with: the prod export keys of the share-key
  # sources, never those of copied ones (the copies use this account's key).
  reader_kms_key_arns    = concat(sort([for id, s in local.share_key_sources : s.kms_key_arn if s.kms_key_arn != null]), [local.bucket_default_kms_key_arn])
  copier_role_arns       = sort([for id, s in local.copy_sources : s.copier_role_arn])
  prod_role_arns         = sort([for id, s in local.sources : s.role_arn if s.role_arn != null])
  copier_uses_module_key = local.copy_delivery && var.copy_encryption == "kms" && var.bucket_kms_key_arn == null && length(local.copy_sources) > 0
  # catalog-tables writes its verification report next to each export's export_info files
  # (PutObject of its own files only; the copy-delivery deny exempts it for these keys).
  catalog_tables_role_arn = "arn:${local.partition}:iam::${local.account_id}:role/${var.name}-catalog-tables"
  verification_report_arn = "${aws_s3_bucket.this.arn}/${var.export_prefix}/*/snapshot-export-verification*.json"

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

  # The export slots (export-slots.tf): the ledger table, in every mode (every graph takes
  # a slot before StartExport).
  export_slots_table     = "${var.name}-export-slots"
  export_slots_table_arn = "arn:${local.partition}:dynamodb:${local.region}:${local.account_id}:table/${local.export_slots_table}"

  # The generated table: one entry per Lambda binary.
  function_table = jsondecode(file("${path.module}/functions.json")).functions

  # The value of every environment variable a function may read; null leaves it unset
  # (the handler then uses its default). A variable the table names and this map lacks
  # fails the plan ("Invalid index" on env_values below, naming the variable).
  env_values = {
    EXPORT_BUCKET      = local.first_source.export_bucket
    EXPORT_PREFIX      = var.export_prefix
    EXPORT_KMS_KEY_ARN = local.first_source.kms_key_arn
    EXPORT_ROLE_ARN    = local.first_source.export_role_arn
    # With source_accounts every prod value comes from the snapshot's source (the table):
    # no role of one account is left in the environment for another's snapshots.
    PROD_ROLE_ARN         = local.multi_source ? null : var.prod_cross_account_role_arn
    PROD_ROLE_EXTERNAL_ID = local.multi_source ? null : var.prod_role_external_id
    DB_IDENTIFIERS        = !local.multi_source && length(var.db_identifiers) > 0 ? join(",", var.db_identifiers) : null
    SNAPSHOT_TYPES        = !local.multi_source && length(var.snapshot_types) > 0 ? join(",", var.snapshot_types) : null
    EXPORT_ONLY           = !local.multi_source && length(var.export_only) > 0 ? join(",", var.export_only) : null
    SOURCES_TABLE         = local.multi_source ? local.sources_table : null
    SOURCE_ACCOUNT_IDS    = local.multi_source ? join(",", local.source_account_ids) : null
    EXPORT_SLOTS_TABLE    = local.export_slots_table
    ON_PARTIAL            = var.on_partial
    ROW_DROP_THRESHOLD    = tostring(var.row_drop_threshold)
    # The pipeline's delivery, which each source's item may override (normalize records it in the job).
    DELIVERY                     = var.delivery
    ACL_CONCURRENCY              = null
    ACL_DEADLINE_MARGIN_SECONDS  = null
    DESTINATION_BUCKET           = aws_s3_bucket.this.id
    DESTINATION_KMS_KEY_ARN      = local.copy_kms_key_arn
    COPIER_ROLE_ARN              = local.multi_source ? null : var.prod_copier_role_arn
    COPIER_ROLE_EXTERNAL_ID      = local.multi_source || var.prod_copier_role_arn == null ? null : var.prod_role_external_id
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
    "rewrite-acl"    = { assume_prod = local.any_share_key, glue = [], ownership = local.any_share_key, put_events = false, read_history = false, catalog = false }
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
    # slots (absent means []): the export-slots table actions (the ledger item and the
    # snapshot lock are read, written conditionally and removed; the waiters of a ledger are
    # one Query); it hands task tokens back (success, or failure for a joined duplicate),
    # asks whether a lock's owner execution still runs, and counts the account's exports
    # through the prod role.
    "export-slots" = { assume_prod = true, glue = [], ownership = false, put_events = false, read_history = false, catalog = false, slots = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query"] }
  }

  # One entry per function of the table: its permissions, description, timeout and
  # environment (every variable it reads, with its value from env_values).
  functions = {
    for name, f in local.function_table : name => merge(local.function_permissions[name], {
      # Reads its source from the sources table: derived from the table (SOURCES_TABLE is
      # among the variables it reads), so a new reader cannot be forgotten.
      sources     = local.multi_source && contains(concat(f.required_env, f.optional_env), "SOURCES_TABLE")
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

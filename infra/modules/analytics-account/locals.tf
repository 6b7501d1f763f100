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

  definition_path  = coalesce(var.definition_path, "${path.module}/../../../state-machine/definition.asl.json")
  glue_database    = coalesce(var.glue_database_name, replace(lower(var.name), "-", "_"))
  crawler_name     = "${var.name}-exports"
  notification_bus = coalesce(var.notification_event_bus_arn, aws_cloudwatch_event_bus.this.arn)

  # Every execution of the pipeline's state machine (ARN format of the "execution" resource
  # type). Built from the name the state machine is given (state-machine.tf), not from the
  # resource: the state machine depends on the functions, whose policies use this.
  executions_arn = "arn:${local.partition}:states:${local.region}:${local.account_id}:execution:${var.name}:*"

  # The generated table: one entry per Lambda binary.
  function_table = jsondecode(file("${path.module}/functions.json")).functions

  # The value of every environment variable a function may read; null leaves it unset
  # (the handler then uses its default). A variable the table names and this map lacks
  # fails the plan ("Invalid index" on env_values below, naming the variable).
  env_values = {
    EXPORT_BUCKET               = aws_s3_bucket.this.id
    EXPORT_PREFIX               = var.export_prefix
    EXPORT_KMS_KEY_ARN          = var.prod_kms_key_arn
    EXPORT_ROLE_ARN             = var.prod_export_role_arn
    PROD_ROLE_ARN               = var.prod_cross_account_role_arn
    PROD_ROLE_EXTERNAL_ID       = var.prod_role_external_id
    DB_IDENTIFIERS              = length(var.db_identifiers) > 0 ? join(",", var.db_identifiers) : null
    SNAPSHOT_TYPES              = length(var.snapshot_types) > 0 ? join(",", var.snapshot_types) : null
    EXPORT_ONLY                 = length(var.export_only) > 0 ? join(",", var.export_only) : null
    ACL_CONCURRENCY             = null
    ACL_DEADLINE_MARGIN_SECONDS = null
    CRAWLER_NAME                = local.crawler_name
    EVENT_BUS_NAME              = local.notification_bus
    EVENT_SOURCE                = var.notification_event_source
  }

  # What each function's role may do besides writing its own logs: assume_prod, assume
  # the prod role; glue, the crawler actions; ownership, read the bucket's ownership
  # setting; put_events, send to the notification bus; read_history, read the history of
  # this state machine's executions (notify names the failed state of an execution the
  # failure-events rule reports). Keyed by binary: a function of the table without an
  # entry fails the plan here, an entry without a function fails the state machine's
  # precondition.
  function_permissions = {
    "normalize"     = { assume_prod = true, glue = [], ownership = false, put_events = false, read_history = false }
    "start-export"  = { assume_prod = true, glue = [], ownership = false, put_events = false, read_history = false }
    "check-export"  = { assume_prod = true, glue = [], ownership = false, put_events = false, read_history = false }
    "rewrite-acl"   = { assume_prod = true, glue = [], ownership = true, put_events = false, read_history = false }
    "start-crawler" = { assume_prod = false, glue = ["glue:StartCrawler"], ownership = false, put_events = false, read_history = false }
    "check-crawler" = { assume_prod = false, glue = ["glue:GetCrawler"], ownership = false, put_events = false, read_history = false }
    "notify"        = { assume_prod = false, glue = [], ownership = false, put_events = true, read_history = true }
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

# Both accounts of the pipeline in one configuration, one aliased provider per account.
# The prod module goes first: the analytics module needs its key and role ARNs, while the
# prod module only needs the analytics names, which are derived here from `name` (the
# check below fails the plan if the analytics module names its roles differently).
# Teams that keep one state per account apply the same two module blocks from two root
# configurations, in this order (docs/cross-account-setup.md).

provider "aws" {
  alias  = "prod"
  region = var.region

  assume_role {
    role_arn = var.prod_deploy_role_arn
  }

  allowed_account_ids = [var.prod_account_id]
}

provider "aws" {
  alias  = "analytics"
  region = var.region

  assume_role {
    role_arn = var.analytics_deploy_role_arn
  }

  allowed_account_ids = [var.analytics_account_id]
}

data "aws_partition" "current" {
  provider = aws.analytics
}

locals {
  partition = data.aws_partition.current.partition
  # The analytics module names each function's role '<name>-<binary>' and the crawler's
  # '<name>-crawler'; the bus is '<name>'. The functions that call prod are the ones
  # whose handler reads PROD_ROLE_ARN (functions.json, generated from the Rust table),
  # less the ones this mode never runs: rewrite-acl with copy delivery (no RewriteAcl
  # state), the callback functions without export_events. The role that reads the
  # exported files to catalog them (a reader of the prod key) is catalog-tables'
  # (catalog = "tables") or the crawler's (catalog = "crawler").
  function_table = jsondecode(file("${path.module}/../../modules/analytics-account/functions.json")).functions
  not_run = concat(
    var.delivery == "copy" ? ["rewrite-acl"] : [],
    var.export_events ? [] : ["wait-for-export", "export-events"],
  )
  prod_callers        = [for name, f in local.function_table : name if contains(concat(f.required_env, f.optional_env), "PROD_ROLE_ARN") && !contains(local.not_run, name)]
  analytics_role_arns = [for f in local.prod_callers : "arn:${local.partition}:iam::${var.analytics_account_id}:role/${var.name}-${f}"]
  catalog_reader_role_arns = {
    tables  = ["arn:${local.partition}:iam::${var.analytics_account_id}:role/${var.name}-catalog-tables"]
    crawler = ["arn:${local.partition}:iam::${var.analytics_account_id}:role/${var.name}-crawler"]
    none    = []
  }[var.catalog]
  event_bus_arn = "arn:${local.partition}:events:${var.region}:${var.analytics_account_id}:event-bus/${var.name}"
}

module "prod" {
  source = "../../modules/prod-account"

  providers = {
    aws = aws.prod
  }

  name                       = var.name
  analytics_account_id       = var.analytics_account_id
  analytics_bucket_name      = var.bucket_name
  export_prefix              = var.export_prefix
  analytics_event_bus_arn    = local.event_bus_arn
  analytics_lambda_role_arns = local.analytics_role_arns
  analytics_reader_role_arns = concat(local.catalog_reader_role_arns, var.analyst_role_arns)
  external_id                = var.external_id
  db_identifiers             = var.db_identifiers

  # Copy delivery: the copy-objects function's role may assume the copier role.
  delivery                          = var.delivery
  analytics_copier_caller_role_arns = var.delivery == "copy" ? ["arn:${local.partition}:iam::${var.analytics_account_id}:role/${var.name}-copy-objects"] : []

  # Export-finished events forwarded to the analytics bus (the callback wait).
  export_events = var.export_events
}

module "analytics" {
  source = "../../modules/analytics-account"

  providers = {
    aws = aws.analytics
  }

  name                        = var.name
  prod_account_id             = var.prod_account_id
  prod_kms_key_arn            = module.prod.kms_key_arn
  prod_export_role_arn        = module.prod.export_role_arn
  prod_cross_account_role_arn = module.prod.cross_account_role_arn
  prod_role_external_id       = var.external_id
  bucket_name                 = var.bucket_name
  export_prefix               = var.export_prefix
  db_identifiers              = var.db_identifiers
  catalog                     = var.catalog
  lambda_manifest_path        = coalesce(var.lambda_manifest_path, "${path.root}/../../../target/lambda/manifest.json")

  # Copy delivery: the export is written to the prod staging bucket and copied from there.
  delivery             = var.delivery
  staging_bucket_name  = module.prod.staging_bucket_name
  prod_copier_role_arn = module.prod.copier_role_arn
  definition_path      = var.definition_path
  export_events        = var.export_events
}

# The names given to the prod module must be the analytics module's real ones. A `check`
# block would only warn (check blocks never fail a plan or an apply); this precondition
# fails the plan whenever the ARNs are known (every plan after the first apply) and, on
# the first apply, fails the apply as soon as the analytics roles exist (their ARNs are
# unknown before). Either way Terraform exits non-zero and names the mismatch.
resource "terraform_data" "derived_names_match" {
  input = module.analytics.event_bus_arn

  lifecycle {
    precondition {
      condition     = toset(module.analytics.prod_caller_role_arns) == toset(local.analytics_role_arns) && toset(module.analytics.catalog_reader_role_arns) == toset(local.catalog_reader_role_arns) && module.analytics.event_bus_arn == local.event_bus_arn
      error_message = "The analytics module's role or bus ARNs differ from the ones given to the prod module: update the locals of this example."
    }
  }
}

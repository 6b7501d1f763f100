# Three accounts in one configuration, one aliased provider per account: two prod accounts
# (prod_a, prod_b: databases, snapshots, export keys) feeding one analytics account (the
# pipeline). The prod module is applied once per prod account and goes first: the
# analytics module's source_accounts map takes each one's key and role ARNs, while the
# prod modules only need the analytics names, which are derived here from `name` (the
# precondition below fails the plan if the analytics module names its roles differently).
# A third account is one more provider alias, one more module "prod_x" block and one more
# entry of local.source_accounts (docs/cross-account-setup.md, "Adding a prod account").
# Teams that keep one state per account apply the same module blocks from one root
# configuration per account, the prod ones first.

provider "aws" {
  alias  = "prod_a"
  region = var.region

  assume_role {
    role_arn = var.prod_a_deploy_role_arn
  }

  allowed_account_ids = [var.prod_a_account_id]
}

provider "aws" {
  alias  = "prod_b"
  region = var.region

  assume_role {
    role_arn = var.prod_b_deploy_role_arn
  }

  allowed_account_ids = [var.prod_b_account_id]
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
  # exported files to catalog them (a reader of the prod keys) is catalog-tables'
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
  copier_caller = var.delivery == "copy" ? ["arn:${local.partition}:iam::${var.analytics_account_id}:role/${var.name}-copy-objects"] : []

  # Each prod account writes under its own prefix (and its Glue tables carry its name), so
  # two accounts that both have `orders` never collide.
  prod_a_prefix = "${var.export_prefix}/${var.prod_a_name}"
  prod_b_prefix = "${var.export_prefix}/${var.prod_b_name}"

  # The analytics module's source_accounts, from the prod modules' outputs.
  source_accounts = {
    (var.prod_a_account_id) = {
      name            = var.prod_a_name
      role_arn        = module.prod_a.cross_account_role_arn
      external_id     = var.external_id
      export_role_arn = module.prod_a.export_role_arn
      kms_key_arn     = module.prod_a.kms_key_arn
      # Copy delivery: RDS writes into the account's staging bucket (null: this bucket).
      export_bucket   = module.prod_a.staging_bucket_name
      export_prefix   = local.prod_a_prefix
      delivery        = var.delivery
      copier_role_arn = module.prod_a.copier_role_arn
      db_identifiers  = var.db_identifiers
    }
    (var.prod_b_account_id) = {
      name            = var.prod_b_name
      role_arn        = module.prod_b.cross_account_role_arn
      external_id     = var.external_id
      export_role_arn = module.prod_b.export_role_arn
      kms_key_arn     = module.prod_b.kms_key_arn
      export_bucket   = module.prod_b.staging_bucket_name
      export_prefix   = local.prod_b_prefix
      delivery        = var.delivery
      copier_role_arn = module.prod_b.copier_role_arn
      db_identifiers  = var.db_identifiers
    }
  }
}

module "prod_a" {
  source = "../../modules/prod-account"

  providers = {
    aws = aws.prod_a
  }

  name                       = var.name
  analytics_account_id       = var.analytics_account_id
  analytics_bucket_name      = var.bucket_name
  export_prefix              = local.prod_a_prefix
  analytics_event_bus_arn    = local.event_bus_arn
  analytics_lambda_role_arns = local.analytics_role_arns
  analytics_reader_role_arns = concat(local.catalog_reader_role_arns, var.analyst_role_arns)
  external_id                = var.external_id
  db_identifiers             = var.db_identifiers

  # Copy delivery: the copy-objects function's role may assume the copier role.
  delivery                          = var.delivery
  analytics_copier_caller_role_arns = local.copier_caller

  # Export-finished events forwarded to the analytics bus (the callback wait).
  export_events = var.export_events
}

module "prod_b" {
  source = "../../modules/prod-account"

  providers = {
    aws = aws.prod_b
  }

  name                              = var.name
  analytics_account_id              = var.analytics_account_id
  analytics_bucket_name             = var.bucket_name
  export_prefix                     = local.prod_b_prefix
  analytics_event_bus_arn           = local.event_bus_arn
  analytics_lambda_role_arns        = local.analytics_role_arns
  analytics_reader_role_arns        = concat(local.catalog_reader_role_arns, var.analyst_role_arns)
  external_id                       = var.external_id
  db_identifiers                    = var.db_identifiers
  delivery                          = var.delivery
  analytics_copier_caller_role_arns = local.copier_caller
  export_events                     = var.export_events
}

module "analytics" {
  source = "../../modules/analytics-account"

  providers = {
    aws = aws.analytics
  }

  name                 = var.name
  source_accounts      = local.source_accounts
  bucket_name          = var.bucket_name
  export_prefix        = var.export_prefix
  catalog              = var.catalog
  lambda_manifest_path = coalesce(var.lambda_manifest_path, "${path.root}/../../../target/lambda/manifest.json")
  on_partial           = var.on_partial

  # Copy delivery: each export is written to its account's staging bucket and copied from
  # there (source_accounts' export_bucket and copier_role_arn).
  delivery        = var.delivery
  definition_path = var.definition_path
  export_events   = var.export_events

  # Who may run `snapshot-export preflight` as the pipeline (assume start-export's role).
  preflight_principal_arns = var.preflight_principal_arns
}

# The names given to the prod modules must be the analytics module's real ones. A `check`
# block would only warn (check blocks never fail a plan or an apply); this precondition
# fails the plan whenever the ARNs are known (every plan after the first apply) and, on
# the first apply, fails the apply as soon as the analytics roles exist (their ARNs are
# unknown before). Either way Terraform exits non-zero and names the mismatch.
resource "terraform_data" "derived_names_match" {
  input = module.analytics.event_bus_arn

  lifecycle {
    precondition {
      condition     = toset(module.analytics.prod_caller_role_arns) == toset(local.analytics_role_arns) && toset(module.analytics.catalog_reader_role_arns) == toset(local.catalog_reader_role_arns) && module.analytics.event_bus_arn == local.event_bus_arn
      error_message = "The analytics module's role or bus ARNs differ from the ones given to the prod modules: update the locals of this example."
    }

    # Two entries of one account would collapse into one key of source_accounts.
    precondition {
      condition     = var.prod_a_account_id != var.prod_b_account_id && var.prod_a_name != var.prod_b_name
      error_message = "prod_a and prod_b must be two accounts with two names."
    }
  }
}

# The example's single prod account was `module "prod"`: it becomes prod_a (its resources
# are kept; its policies move to the prefix <export_prefix>/<prod_a_name>, where its new
# exports go, while earlier exports stay where they are).
moved {
  from = module.prod
  to   = module.prod_a
}

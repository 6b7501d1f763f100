# Inputs of the analytics-account module. The prod values come from the prod-account
# module's outputs (apply it first).

variable "name" {
  description = "Name prefix of every resource (bus, state machine, functions, roles, crawler). Use the same value as the prod-account module: the prod trust policy names the Lambda roles '<name>-<function>'."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$", var.name))
    error_message = "name must be 1-40 characters of letters, digits, '-' and '_' (names add suffixes up to 64)."
  }
}

variable "source_accounts" {
  description = "The prod accounts the pipeline exports from, keyed by 12-digit account id (each account applies the prod-account module; its outputs give the ARNs). name: [a-z0-9_]{1,32}, unique: the S3 prefix (export_prefix/<name>) and the Glue table names (<name>_<database>_<table>) keep accounts apart. role_arn/external_id: the cross-account role the Lambdas assume. export_role_arn, kms_key_arn: the prod module's outputs. export_bucket: where RDS writes (null: this module's bucket; copy delivery: the prod staging bucket). export_prefix: null uses '<export_prefix>/<name>'. delivery: null uses `delivery`. copier_role_arn/copier_external_id: copy delivery (external id null: external_id). db_identifiers, snapshot_types, export_only: Normalize's filters for that account. regions: snapshot regions accepted (empty: this module's). Stored in the sources DynamoDB table (one item per account, read at each invocation: Lambda environments hold 4 KB) and SOURCE_ACCOUNT_IDS; the bus policy admits exactly these accounts. Empty: the single-account inputs prod_* below are used instead (today's set-up, no sources table)."
  type = map(object({
    name               = string
    role_arn           = string
    external_id        = string
    export_role_arn    = string
    kms_key_arn        = string
    export_bucket      = optional(string)
    export_prefix      = optional(string)
    delivery           = optional(string)
    copier_role_arn    = optional(string)
    copier_external_id = optional(string)
    db_identifiers     = optional(list(string), [])
    snapshot_types     = optional(list(string), [])
    export_only        = optional(list(string), [])
    regions            = optional(list(string), [])
  }))
  default = {}

  validation {
    condition     = alltrue([for id, s in var.source_accounts : can(regex("^[0-9]{12}$", id))])
    error_message = "source_accounts keys must be 12-digit account ids."
  }

  validation {
    condition     = alltrue([for id, s in var.source_accounts : can(regex("^[a-z0-9_]{1,32}$", s.name))])
    error_message = "source_accounts names must be 1-32 characters of a-z, 0-9 and '_' (they become Glue table names and an S3 prefix)."
  }

  validation {
    condition     = length(distinct([for id, s in var.source_accounts : s.name])) == length(var.source_accounts)
    error_message = "source_accounts names must be unique (two accounts with one name would write the same S3 prefix and Glue tables)."
  }

  validation {
    # Each role and key must live in the account it is keyed by: a role of another account
    # would be assumed for this account's snapshots.
    condition = alltrue(flatten([for id, s in var.source_accounts : [
      can(regex("^arn:aws[a-z-]*:iam::${id}:role/.+$", s.role_arn)),
      can(regex("^arn:aws[a-z-]*:iam::${id}:role/.+$", s.export_role_arn)),
      can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:${id}:key/.+$", s.kms_key_arn)),
      s.copier_role_arn == null || can(regex("^arn:aws[a-z-]*:iam::${id}:role/.+$", s.copier_role_arn)),
    ]]))
    error_message = "source_accounts: role_arn, export_role_arn and copier_role_arn must be IAM role ARNs, and kms_key_arn a KMS key ARN (not an alias), all in the account of the entry's key."
  }

  validation {
    condition     = alltrue([for id, s in var.source_accounts : s.delivery == null || contains(["share-key", "copy"], coalesce(s.delivery, "share-key"))])
    error_message = "source_accounts delivery must be \"share-key\" or \"copy\" (null: the module's delivery)."
  }

  validation {
    condition     = alltrue([for id, s in var.source_accounts : s.delivery != "copy" || (s.copier_role_arn != null && s.export_bucket != null)])
    error_message = "source_accounts with delivery = \"copy\" need copier_role_arn and export_bucket (the prod module's copier_role_arn and staging_bucket_name outputs)."
  }

  validation {
    condition     = alltrue([for id, s in var.source_accounts : s.export_prefix == null || can(regex("^[A-Za-z0-9!_.'()-]+(/[A-Za-z0-9!_.'()-]+)*$", coalesce(s.export_prefix, "x")))])
    error_message = "source_accounts export_prefix must be letters, digits and !_.'()- separated by single '/' (no leading or trailing '/', no '*' or '?')."
  }

  validation {
    condition     = alltrue(flatten([for id, s in var.source_accounts : [for t in s.snapshot_types : contains(["manual", "automated", "copy"], t)]]))
    error_message = "source_accounts snapshot_types entries must be manual, automated or copy."
  }

  validation {
    condition     = alltrue(flatten([for id, s in var.source_accounts : [length(s.external_id) >= 2, s.copier_external_id == null || length(coalesce(s.copier_external_id, "xx")) >= 2]]))
    error_message = "source_accounts external ids must be at least 2 characters (sts:ExternalId)."
  }
}

variable "prod_account_id" {
  description = "Single-account set-up (source_accounts empty): AWS account id of the prod account (databases, snapshots, export key). Ignored when source_accounts is set."
  type        = string
  default     = null

  validation {
    condition     = var.prod_account_id == null || can(regex("^[0-9]{12}$", coalesce(var.prod_account_id, "x")))
    error_message = "prod_account_id must be 12 digits."
  }
}

variable "prod_kms_key_arn" {
  description = "Single-account set-up: ARN of the export key in prod (prod-account output kms_key_arn): EXPORT_KMS_KEY_ARN, and the crawler decrypts with it."
  type        = string
  default     = null

  validation {
    condition     = var.prod_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", coalesce(var.prod_kms_key_arn, "x")))
    error_message = "prod_kms_key_arn must be a KMS key ARN (not an alias: IAM policies match the key ARN)."
  }
}

variable "prod_export_role_arn" {
  description = "Single-account set-up: ARN of the prod role RDS writes the export with (prod-account output export_role_arn)."
  type        = string
  default     = null
}

variable "prod_cross_account_role_arn" {
  description = "Single-account set-up: ARN of the prod role the Lambdas assume (prod-account output cross_account_role_arn)."
  type        = string
  default     = null
}

variable "prod_role_external_id" {
  description = "Single-account set-up: sts:ExternalId presented when assuming the prod role (same value as the prod-account module's external_id)."
  type        = string
  default     = null
}

variable "bucket_name" {
  description = "Name of the export bucket to create."
  type        = string
}

variable "export_prefix" {
  description = "Key prefix of every export (no leading or trailing '/'). Prod's permissions and the crawler are limited to it."
  type        = string
  default     = "rds-exports"

  validation {
    # S3's safe key characters without '*' (and '?', never allowed): the prefix is put
    # into IAM resource ARNs and s3:prefix conditions, where both are wildcards.
    condition     = can(regex("^[A-Za-z0-9!_.'()-]+(/[A-Za-z0-9!_.'()-]+)*$", var.export_prefix))
    error_message = "export_prefix must be non-empty letters, digits and !_.'()- separated by single '/' (no leading or trailing '/'; no '*' or '?', which IAM reads as wildcards)."
  }
}

variable "object_ownership" {
  description = "S3 Object Ownership of the bucket. BucketOwnerEnforced (ACLs off): the analytics account owns what prod writes and the RewriteAcl step finds nothing to do. ObjectWriter: prod owns the files until RewriteAcl grants bucket-owner-full-control."
  type        = string
  default     = "BucketOwnerEnforced"

  validation {
    condition     = contains(["BucketOwnerEnforced", "BucketOwnerPreferred", "ObjectWriter"], var.object_ownership)
    error_message = "object_ownership must be BucketOwnerEnforced, BucketOwnerPreferred or ObjectWriter."
  }
}

variable "bucket_versioning" {
  description = "Keep previous versions of overwritten or deleted objects (expired after noncurrent_version_expiration_days)."
  type        = bool
  default     = true
}

variable "noncurrent_version_expiration_days" {
  description = "Days after which noncurrent object versions are removed."
  type        = number
  default     = 30
}

variable "export_expiration_days" {
  description = "Days after which exported files expire; null keeps them."
  type        = number
  default     = null
}

variable "bucket_kms_key_arn" {
  description = "KMS key for the bucket's default encryption of objects written without one; null uses the module's analytics key. Export files are always encrypted with the prod export key by RDS."
  type        = string
  default     = null
}

variable "access_log_bucket" {
  description = "Bucket receiving the export bucket's server access logs; null turns access logging off."
  type        = string
  default     = null
}

variable "access_log_prefix" {
  description = "Key prefix of the access logs in access_log_bucket."
  type        = string
  default     = "s3-access/"
}

variable "lambda_manifest_path" {
  description = "Path of the manifest scripts/package-lambdas.sh writes next to the zips (target/lambda/manifest.json for x86_64, target/lambda-arm64/manifest.json for arm64): the functions' architecture, and each binary's zip and hash. The plan fails when it does not package exactly the functions of functions.json."
  type        = string
}

variable "lambda_memory_size" {
  description = "Memory (MB) of each function; rewrite-acl's PutObjectAcl fan-out is the only heavy one."
  type        = number
  default     = 256
}

variable "lambda_reserved_concurrency" {
  description = "Reserved concurrency per function; null leaves them unreserved (accounts with the default quota cannot reserve much). Executions already bound the concurrency."
  type        = number
  default     = null
}

variable "db_identifiers" {
  description = "Normalize's DB_IDENTIFIERS: export only snapshots of these DB instances or clusters; empty exports every snapshot that reaches the bus."
  type        = list(string)
  default     = []
}

variable "snapshot_types" {
  description = "Normalize's SNAPSHOT_TYPES (manual, automated, copy); empty accepts all."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for t in var.snapshot_types : contains(["manual", "automated", "copy"], t)])
    error_message = "snapshot_types entries must be manual, automated or copy."
  }
}

variable "export_only" {
  description = "Normalize's EXPORT_ONLY: databases, schemas or tables to export (RDS ExportOnly); empty exports everything."
  type        = list(string)
  default     = []
}

variable "notification_event_bus_arn" {
  description = "Event bus the notify function sends outcome events to; null uses the pipeline's own bus."
  type        = string
  default     = null
}

variable "notification_event_source" {
  description = "Source of the outcome events (notify's EVENT_SOURCE)."
  type        = string
  default     = "snapshot-export"
}

variable "definition_path" {
  description = "Path of the committed ASL definition with $${<binary>_function_arn} placeholders; null uses the repository's state-machine/definition.asl.json."
  type        = string
  default     = null
}

variable "tracing_enabled" {
  description = "X-Ray tracing of the state machine and the functions."
  type        = bool
  default     = true
}

variable "log_retention_days" {
  description = "Retention of the state machine's and functions' log groups."
  type        = number
  default     = 365
}

variable "catalog" {
  description = "How the exports are cataloged: \"tables\" (the catalog-tables function writes one latest and one history Glue table per exported table), \"crawler\" (a Glue crawler; its resources exist only then) or \"none\". Must match `catalog` of the state machine's config."
  type        = string
  default     = "tables"

  validation {
    condition     = contains(["tables", "crawler", "none"], var.catalog)
    error_message = "catalog must be \"tables\", \"crawler\" or \"none\"."
  }
}

variable "glue_database_name" {
  description = "Glue database the exported tables are written to (by catalog-tables or the crawler); null uses '<name>' with '-' replaced by '_'."
  type        = string
  default     = null
}

variable "alarm_sns_topic" {
  description = "Create an SNS topic (encrypted with the module's key) for the failed-executions alarm."
  type        = bool
  default     = true
}

variable "alarm_actions" {
  description = "Further alarm actions (e.g. an existing SNS topic ARN) of the failed-executions alarm."
  type        = list(string)
  default     = []
}

variable "kms_key_deletion_window_in_days" {
  description = "Waiting period before the module's key (logs, SNS, bucket default) is deleted after a destroy."
  type        = number
  default     = 30
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "export_events" {
  description = "True (the default): RDS's export-finished events wake the executions (the definition rendered with [export] events = true, the default config, and the prod module forwarding the events: export_events there too); creates the export-waits table, the rule and the callback permissions. False: the Wait loop polls (the definition rendered from state-machine/configs/wait-loop.toml, [export] events = false, passed as definition_path; export_events = false in the prod module too)."
  type        = bool
  default     = true
}

variable "export_sweep_interval_minutes" {
  description = "With export_events: how often (minutes) the export-events function sweeps for executions whose export ended without its RDS event (events are best effort), which bounds how late such an export is noticed. A sweep with no waiting execution is one Lambda invocation and one Scan of the empty export-waits table, no RDS call; while some wait, one DescribeExportTasks per sweep. Default 5 (docs/performance.md, section 1c)."
  type        = number
  default     = 5

  validation {
    # At most a day: the schedule target's event age limit is 60 s to 24 h.
    condition     = var.export_sweep_interval_minutes >= 1 && var.export_sweep_interval_minutes <= 1440 && floor(var.export_sweep_interval_minutes) == var.export_sweep_interval_minutes
    error_message = "export_sweep_interval_minutes must be a whole number of minutes from 1 to 1440."
  }
}

variable "delivery" {
  description = "How the export reaches this account: \"share-key\" (RDS writes into this bucket under the prod key, which readers decrypt through S3) or \"copy\" (RDS writes into a prod staging bucket and the copy-objects function, as the prod copier role, copies it into this bucket re-encrypted with this account's key: no principal here uses the prod key). Must match the prod module's and the state machine config's `delivery`; copy needs the definition rendered with `delivery = \"copy\"` (definition_path)."
  type        = string
  default     = "share-key"

  validation {
    condition     = contains(["share-key", "copy"], var.delivery)
    error_message = "delivery must be \"share-key\" or \"copy\"."
  }
}

variable "staging_bucket_name" {
  description = "Copy delivery: the prod staging bucket (the prod module's staging_bucket_name output); the export is written there and copied from there."
  type        = string
  default     = null
}

variable "prod_copier_role_arn" {
  description = "Copy delivery: the prod copier role the copy-objects function assumes (the prod module's copier_role_arn output); it is the only principal the bucket policy lets write under the export prefix. Assumed with prod_role_external_id."
  type        = string
  default     = null

  validation {
    condition     = var.prod_copier_role_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", var.prod_copier_role_arn))
    error_message = "prod_copier_role_arn must be an IAM role ARN."
  }
}

variable "copy_encryption" {
  description = "Copy delivery: \"kms\" encrypts the copies with this account's key (bucket_kms_key_arn, else the module's key, whose policy lets the copier role use it through S3; an external key's policy must allow it too), \"sse-s3\" with SSE-S3."
  type        = string
  default     = "kms"

  validation {
    condition     = contains(["kms", "sse-s3"], var.copy_encryption)
    error_message = "copy_encryption must be \"kms\" or \"sse-s3\"."
  }
}

variable "preflight_principal_arns" {
  description = "Operator principals (role or user ARNs) that may assume start-export's role to run `snapshot-export preflight` as the pipeline acts (docs/operations.md, \"Before the first snapshot\"). Empty: none, and preflight's act-as checks say so."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for arn in var.preflight_principal_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:", arn))])
    error_message = "preflight_principal_arns must be IAM ARNs (arn:aws:iam::<account>:role/... or :user/...)."
  }
}

variable "on_partial" {
  description = "What CatalogTables does with a PARTIAL export (tables skipped, failed or disappeared): \"notify\" catalogs the exported tables, leaves the others' latest tables where they were and says so in the notification; \"fail\" writes the verification report, changes nothing in Glue and fails the execution with ExportPartial (re-export, or set \"notify\" and Redrive: a redrive re-verifies). catalog-tables' ON_PARTIAL."
  type        = string
  default     = "notify"

  validation {
    condition     = contains(["notify", "fail"], var.on_partial)
    error_message = "on_partial must be \"notify\" or \"fail\"."
  }
}

variable "row_drop_threshold" {
  description = "A table's rows dropping below previous × (1 − row_drop_threshold) since the previous export of its source is reported as a row drop (not a failure): a fraction in (0, 1]. Default 0.5: daily churn rarely removes half a table; truncations, failed loads and half-exported tables do. catalog-tables' ROW_DROP_THRESHOLD."
  type        = number
  default     = 0.5

  validation {
    condition     = var.row_drop_threshold > 0 && var.row_drop_threshold <= 1
    error_message = "row_drop_threshold must be a fraction in (0, 1]."
  }
}

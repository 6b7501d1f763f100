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

variable "prod_account_id" {
  description = "AWS account id of the prod account (databases, snapshots, export key)."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.prod_account_id))
    error_message = "prod_account_id must be 12 digits."
  }
}

variable "prod_kms_key_arn" {
  description = "ARN of the export key in prod (prod-account output kms_key_arn): EXPORT_KMS_KEY_ARN, and the crawler decrypts with it."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.prod_kms_key_arn))
    error_message = "prod_kms_key_arn must be a KMS key ARN (not an alias: IAM policies match the key ARN)."
  }
}

variable "prod_export_role_arn" {
  description = "ARN of the prod role RDS writes the export with (prod-account output export_role_arn)."
  type        = string
}

variable "prod_cross_account_role_arn" {
  description = "ARN of the prod role the Lambdas assume (prod-account output cross_account_role_arn)."
  type        = string
}

variable "prod_role_external_id" {
  description = "sts:ExternalId presented when assuming the prod role (same value as the prod-account module's external_id)."
  type        = string
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

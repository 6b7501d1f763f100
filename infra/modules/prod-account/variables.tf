# Inputs of the prod-account module: what it needs to know about the analytics account.
# Analytics principals are given as ARNs and only matched by aws:PrincipalArn, so this
# module can be applied before the analytics account's roles exist.

variable "name" {
  description = "Name prefix of every resource (roles, key alias, rule). Use the same value as the analytics-account module."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$", var.name))
    error_message = "name must be 1-40 characters of letters, digits, '-' and '_' (role names add suffixes up to 64)."
  }
}

variable "analytics_account_id" {
  description = "AWS account id of the analytics account (bucket, event bus, Lambdas, crawler)."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.analytics_account_id))
    error_message = "analytics_account_id must be 12 digits."
  }
}

variable "analytics_bucket_name" {
  description = "Name of the export bucket in the analytics account (created by the analytics-account module)."
  type        = string
}

variable "export_prefix" {
  description = "Key prefix under which every export is written (no leading or trailing '/'). Every S3 permission is limited to it."
  type        = string
  default     = "rds-exports"

  validation {
    # S3's safe key characters without '*' (and '?', never allowed): the prefix is put
    # into IAM resource ARNs and s3:prefix conditions, where both are wildcards.
    condition     = can(regex("^[A-Za-z0-9!_.'()-]+(/[A-Za-z0-9!_.'()-]+)*$", var.export_prefix))
    error_message = "export_prefix must be non-empty letters, digits and !_.'()- separated by single '/' (no leading or trailing '/'; no '*' or '?', which IAM reads as wildcards)."
  }
}

variable "analytics_event_bus_arn" {
  description = "ARN of the pipeline's event bus in the analytics account; snapshot-created events are forwarded to it."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:events:[a-z0-9-]+:[0-9]{12}:event-bus/.+$", var.analytics_event_bus_arn))
    error_message = "analytics_event_bus_arn must be an EventBridge event bus ARN."
  }
}

variable "analytics_lambda_role_arns" {
  description = "Execution roles of the analytics Lambdas that call prod (normalize, start-export, check-export, rewrite-acl); they may assume the cross-account role."
  type        = list(string)

  validation {
    condition     = length(var.analytics_lambda_role_arns) > 0 && alltrue([for a in var.analytics_lambda_role_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", a))])
    error_message = "analytics_lambda_role_arns must be a non-empty list of IAM role ARNs."
  }
}

variable "analytics_reader_role_arns" {
  description = "Analytics roles that read the exported data and so need kms:Decrypt on the export key through S3: the Glue crawler role and the analysts' roles."
  type        = list(string)

  validation {
    condition     = alltrue([for a in var.analytics_reader_role_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", a))])
    error_message = "analytics_reader_role_arns must be IAM role ARNs."
  }
}

variable "external_id" {
  description = "sts:ExternalId the analytics Lambdas must present to assume the cross-account role (same value as the analytics-account module's prod_role_external_id)."
  type        = string

  validation {
    # Length apart from the characters: Terraform's regex engine (Go RE2) refuses repeat
    # counts above 1000, so "{2,1224}" would make can() false for every value.
    condition     = length(var.external_id) >= 2 && length(var.external_id) <= 1224 && can(regex("^[A-Za-z0-9+=,.@:/-]+$", var.external_id))
    error_message = "external_id must be 2-1224 characters of letters, digits and +=,.@:/-."
  }
}

variable "db_identifiers" {
  description = "Coarse pre-filter of the forwarding rule: only snapshots whose identifier starts with '<db>' or 'rds:<db>-' (the automated snapshot naming) are forwarded. Empty forwards every snapshot; the exact DB filter is the analytics Normalize function's DB_IDENTIFIERS."
  type        = list(string)
  default     = []
}

variable "source_kms_key_arns" {
  description = "CMKs that encrypt the source DB instances or clusters. The export role gets kms:Decrypt, kms:DescribeKey and kms:CreateGrant on them; their key policies must allow it too."
  type        = list(string)
  default     = []
}

variable "kms_key_deletion_window_in_days" {
  description = "Waiting period before the export key is deleted after a destroy."
  type        = number
  default     = 30
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "delivery" {
  description = "How the analytics account gets the export: \"share-key\" (RDS writes into the analytics bucket under this module's key, which analytics readers may decrypt through S3) or \"copy\" (RDS writes into a prod staging bucket created here, and the analytics copy-objects function copies it, as the copier role, into the analytics bucket re-encrypted with an analytics key: no analytics principal can use this module's key). Must match `delivery` of the analytics module and of the state machine's config."
  type        = string
  default     = "share-key"

  validation {
    condition     = contains(["share-key", "copy"], var.delivery)
    error_message = "delivery must be \"share-key\" or \"copy\"."
  }
}

variable "staging_bucket_name" {
  description = "Copy delivery: name of the prod staging bucket the exports are written to; null uses '<name>-export-staging-<prod account id>' (`name` lower-cased, '_' as '-', cut to 35 characters)."
  type        = string
  default     = null

  validation {
    # S3's bucket naming rules (the ones a name can break here; dots are left out because
    # a dotted name breaks virtual-hosted-style TLS).
    condition     = var.staging_bucket_name == null || can(regex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$", var.staging_bucket_name))
    error_message = "staging_bucket_name must be 3-63 characters of lower-case letters, digits and '-', starting and ending with a letter or digit."
  }
}

variable "staging_expiration_days" {
  description = "Copy delivery: days after which the staging copy of an export expires (S3 lifecycle; the pipeline itself never deletes anything). Leave enough time to redrive a failed copy (redrive is possible for 14 days)."
  type        = number
  default     = 15

  validation {
    condition     = var.staging_expiration_days >= 1
    error_message = "staging_expiration_days must be at least 1."
  }
}

variable "staging_access_log_bucket" {
  description = "Copy delivery: bucket receiving the staging bucket's server access logs; null disables them."
  type        = string
  default     = null
}

variable "analytics_copier_caller_role_arns" {
  description = "Copy delivery: analytics Lambda roles that may assume the copier role (the copy-objects function's role, '<name>-copy-objects'). Required with delivery = \"copy\"."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.analytics_copier_caller_role_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", a))])
    error_message = "analytics_copier_caller_role_arns must be IAM role ARNs."
  }
}

variable "export_events" {
  description = "True (the default): also forward RDS's export-finished events (RDS-EVENT-0159/0160/0161, 0162/0163/0164) to the analytics bus, where they wake the waiting executions (the analytics module's export_events). False with a Wait-loop definition ([export] events = false)."
  type        = bool
  default     = true
}

# Inputs of the example: the two accounts, the roles Terraform assumes in each, and names.

variable "region" {
  description = "Region of the databases, the bucket and the pipeline (the export bucket must be in the snapshot's Region)."
  type        = string
}

variable "prod_a_account_id" {
  description = "AWS account id of the first prod account."
  type        = string
}

variable "prod_b_account_id" {
  description = "AWS account id of the second prod account."
  type        = string
}

variable "prod_a_name" {
  description = "Name of the first prod account in the pipeline ([a-z0-9_]): its S3 prefix (<export_prefix>/<name>) and the prefix of its Glue tables."
  type        = string
  default     = "prod_a"
}

variable "prod_b_name" {
  description = "Name of the second prod account in the pipeline ([a-z0-9_])."
  type        = string
  default     = "prod_b"
}

variable "analytics_account_id" {
  description = "AWS account id of the analytics account."
  type        = string
}

variable "prod_a_deploy_role_arn" {
  description = "Role Terraform assumes to apply the prod-account module in the first prod account."
  type        = string
}

variable "prod_b_deploy_role_arn" {
  description = "Role Terraform assumes to apply the prod-account module in the second prod account."
  type        = string
}

variable "analytics_deploy_role_arn" {
  description = "Role Terraform assumes to apply the analytics-account module."
  type        = string
}

variable "name" {
  description = "Name prefix shared by both modules."
  type        = string
  default     = "snapshot-export"
}

variable "bucket_name" {
  description = "Name of the export bucket to create in the analytics account."
  type        = string
}

variable "export_prefix" {
  description = "Key prefix of every export."
  type        = string
  default     = "rds-exports"
}

variable "external_id" {
  description = "sts:ExternalId guarding the prod cross-account roles (any value agreed by the accounts; not a secret; the analytics module's source_accounts takes one per account)."
  type        = string
}

variable "analyst_role_arns" {
  description = "Analytics roles that query the exports (Athena, notebooks); they get kms:Decrypt on the export key through S3."
  type        = list(string)
  default     = []
}

variable "db_identifiers" {
  description = "DB instances or clusters to export; empty exports every snapshot."
  type        = list(string)
  default     = []
}

variable "lambda_manifest_path" {
  description = "Manifest of the packaged functions (scripts/package-lambdas.sh writes <dir>/manifest.json next to the zips); null uses the repository's target/lambda/manifest.json (x86_64; arm64: target/lambda-arm64/manifest.json)."
  type        = string
  default     = null
}

variable "catalog" {
  description = "How the exports are cataloged (the analytics module's catalog): \"tables\", \"crawler\" or \"none\". Render the state machine with the same catalog (state-machine/configs/)."
  type        = string
  default     = "tables"
}

variable "delivery" {
  description = "How the analytics account gets the exports (both modules' delivery): \"share-key\" (analytics readers decrypt with the prod key) or \"copy\" (a prod staging bucket, copied into the analytics bucket under an analytics key). Copy needs the definition rendered with state-machine/configs/copy-delivery.toml (definition_path)."
  type        = string
  default     = "share-key"
}

variable "definition_path" {
  description = "State machine definition to deploy; null uses the committed default (share-key delivery). For delivery = \"copy\": `snapshot-export render --config state-machine/configs/copy-delivery.toml --out <file>`."
  type        = string
  default     = null
}

variable "export_events" {
  description = "True (the default): RDS's export-finished events wake the waiting executions (both modules' export_events), as the default definition expects. False: the Wait loop polls; the definition must then be rendered from state-machine/configs/wait-loop.toml (definition_path)."
  type        = bool
  default     = true
}

variable "preflight_principal_arns" {
  description = "Operator principals that may assume start-export's role to run `snapshot-export preflight` (the analytics module's preflight_principal_arns). Empty: none."
  type        = list(string)
  default     = []
}

variable "on_partial" {
  description = "What a PARTIAL export does (the analytics module's on_partial): \"notify\" or \"fail\"."
  type        = string
  default     = "notify"
}

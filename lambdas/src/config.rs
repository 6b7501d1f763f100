//! Each function's configuration, parsed from its environment once per cold start.
//!
//! A missing or malformed variable is an `InvalidConfig` error naming the variable, reported
//! as the function's init error, so a bad deployment fails at once and says what to fix.
//! Empty values count as unset.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use contract::SnapshotType;
use contract::functions::Function;

use crate::error::TaskError;

/// Default Source of the notification events.
pub(crate) const DEFAULT_EVENT_SOURCE: &str = "snapshot-export";
/// Default number of PutObjectAcl requests in flight.
pub(crate) const DEFAULT_ACL_CONCURRENCY: usize = 64;
/// Default seconds kept free before the Lambda deadline.
pub(crate) const DEFAULT_ACL_DEADLINE_MARGIN_SECONDS: u64 = 30;

/// A snapshot of the environment variables a function reads.
///
/// It also records the names its configuration asked for, so a test can compare them with
/// the function table's (`contract::functions`): a name read here but missing from the
/// table would never be set, since [`Env::from_process`] only takes the table's names.
#[derive(Debug, Default)]
pub struct Env {
    vars: BTreeMap<String, String>,
    read: Mutex<BTreeSet<String>>,
}

impl Env {
    /// The variables `function` reads (per the function table) from the process environment.
    pub fn from_process(function: &Function) -> Self {
        Self::from_pairs(
            function
                .env()
                .filter_map(|n| std::env::var(n).ok().map(|v| (n, v))),
        )
    }

    /// An environment made of the given pairs (tests).
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, String)>) -> Self {
        Self {
            vars: pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
            read: Mutex::default(),
        }
    }

    /// The names read so far (every read goes through [`Env::optional`]).
    pub fn names_read(&self) -> BTreeSet<String> {
        self.read
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The trimmed value of `name`, `None` when unset or empty.
    pub fn optional(&self, name: &str) -> Option<String> {
        self.read
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(name.to_owned());
        self.vars
            .get(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }

    /// The trimmed value of `name`, or `InvalidConfig` naming it.
    pub fn required(&self, name: &str) -> Result<String, TaskError> {
        self.optional(name).ok_or_else(|| {
            TaskError::InvalidConfig(format!("environment variable {name} must be set"))
        })
    }

    fn list(&self, name: &str) -> Option<Vec<String>> {
        self.optional(name).map(|v| {
            v.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
    }

    fn number<T: std::str::FromStr>(
        &self,
        name: &str,
        default: T,
        valid: impl Fn(&T) -> bool,
        what: &str,
    ) -> Result<T, TaskError> {
        match self.optional(name) {
            None => Ok(default),
            Some(raw) => raw
                .parse::<T>()
                .ok()
                .filter(|v| valid(v))
                .ok_or_else(|| invalid(name, &raw, what)),
        }
    }
}

fn invalid(name: &str, value: &str, expected: &str) -> TaskError {
    TaskError::InvalidConfig(format!(
        "environment variable {name}={value:?} is invalid: expected {expected}"
    ))
}

fn arn(env: &Env, name: &str, required: bool) -> Result<Option<String>, TaskError> {
    let value = if required {
        Some(env.required(name)?)
    } else {
        env.optional(name)
    };
    match value {
        Some(v) if !v.starts_with("arn:") || v.split(':').count() < 6 => {
            Err(invalid(name, &v, "an ARN (arn:<partition>:<service>:...)"))
        }
        other => Ok(other),
    }
}

/// The prod-account role to assume for calls on prod resources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProdRole {
    /// `PROD_ROLE_ARN`.
    pub role_arn: String,
    /// `PROD_ROLE_EXTERNAL_ID`.
    pub external_id: Option<String>,
}

fn prod_role(env: &Env) -> Result<Option<ProdRole>, TaskError> {
    let role = arn(env, "PROD_ROLE_ARN", false)?;
    let external_id = env.optional("PROD_ROLE_EXTERNAL_ID");
    match role {
        Some(role_arn) => Ok(Some(ProdRole {
            role_arn,
            external_id,
        })),
        None if external_id.is_some() => Err(TaskError::InvalidConfig(
            "PROD_ROLE_EXTERNAL_ID is set but PROD_ROLE_ARN is not: set both or neither".into(),
        )),
        None => Ok(None),
    }
}

/// `EXPORT_BUCKET`: a plausible S3 bucket name.
fn bucket(env: &Env) -> Result<String, TaskError> {
    bucket_named(env, "EXPORT_BUCKET")
}

/// `EXPORT_PREFIX` trimmed of slashes; empty when unset.
fn prefix(env: &Env) -> Result<String, TaskError> {
    let raw = env.optional("EXPORT_PREFIX").unwrap_or_default();
    let p = raw.trim_matches('/').to_owned();
    if p.split('/')
        .any(|seg| seg.is_empty() || seg == "." || seg == "..")
        && !p.is_empty()
    {
        return Err(invalid(
            "EXPORT_PREFIX",
            &raw,
            "a key prefix without empty, '.' or '..' segments",
        ));
    }
    if p.chars().any(char::is_control) {
        return Err(invalid(
            "EXPORT_PREFIX",
            &raw,
            "a key prefix without control characters",
        ));
    }
    Ok(p)
}

/// Checks an ExportOnly entry: `database[.schema[.table]]` of A-Z a-z 0-9 `$` `_` (RDS
/// supports partial export of such names only).
pub(crate) fn valid_export_only_entry(entry: &str) -> bool {
    let parts: Vec<&str> = entry.split('.').collect();
    (1..=3).contains(&parts.len())
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '$' || c == '_')
        })
}

/// Normalize's configuration.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NormalizeConfig {
    /// `DB_IDENTIFIERS`: export only snapshots of these instances/clusters (events only).
    pub db_identifiers: Option<Vec<String>>,
    /// `SNAPSHOT_TYPES`: export only these kinds of snapshots (events only).
    pub snapshot_types: Option<Vec<SnapshotType>>,
    /// `EXPORT_ONLY`: default ExportOnly list.
    pub export_only: Vec<String>,
    /// Prod role, when cross-account.
    pub prod_role: Option<ProdRole>,
}

impl NormalizeConfig {
    /// Parses the environment.
    pub fn from_env(env: &Env) -> Result<Self, TaskError> {
        let snapshot_types = match env.list("SNAPSHOT_TYPES") {
            None => None,
            Some(items) => Some(
                items
                    .iter()
                    .map(|t| match t.to_ascii_lowercase().as_str() {
                        "manual" => Ok(SnapshotType::Manual),
                        "automated" => Ok(SnapshotType::Automated),
                        "copy" => Ok(SnapshotType::Copy),
                        _ => Err(invalid(
                            "SNAPSHOT_TYPES",
                            t,
                            "a comma list of manual, automated, copy",
                        )),
                    })
                    .collect::<Result<Vec<_>, _>>()?,
            ),
        };
        let export_only = env.list("EXPORT_ONLY").unwrap_or_default();
        if let Some(bad) = export_only.iter().find(|e| !valid_export_only_entry(e)) {
            return Err(invalid(
                "EXPORT_ONLY",
                bad,
                "a comma list of database[.schema[.table]] names of A-Z a-z 0-9 $ _",
            ));
        }
        Ok(Self {
            db_identifiers: env.list("DB_IDENTIFIERS").filter(|l| !l.is_empty()),
            snapshot_types,
            export_only,
            prod_role: prod_role(env)?,
        })
    }
}

/// StartExport's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartExportConfig {
    /// `EXPORT_BUCKET`.
    pub bucket: String,
    /// `EXPORT_PREFIX` without leading or trailing slashes (may be empty).
    pub prefix: String,
    /// `EXPORT_KMS_KEY_ARN`.
    pub kms_key_arn: String,
    /// `EXPORT_ROLE_ARN`: the role RDS assumes to write to the bucket.
    pub export_role_arn: String,
    /// Prod role, when cross-account.
    pub prod_role: Option<ProdRole>,
}

impl StartExportConfig {
    /// Parses the environment.
    pub fn from_env(env: &Env) -> Result<Self, TaskError> {
        Ok(Self {
            bucket: bucket(env)?,
            prefix: prefix(env)?,
            kms_key_arn: arn(env, "EXPORT_KMS_KEY_ARN", true)?.unwrap_or_default(),
            export_role_arn: arn(env, "EXPORT_ROLE_ARN", true)?.unwrap_or_default(),
            prod_role: prod_role(env)?,
        })
    }
}

/// The S3 prefix of an export's objects: `<prefix>/<export-id>` or `<export-id>`.
pub(crate) fn export_s3_prefix(prefix: &str, export_task_id: &str) -> String {
    if prefix.is_empty() {
        export_task_id.to_owned()
    } else {
        format!("{prefix}/{export_task_id}")
    }
}

/// CheckExport's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckExportConfig {
    /// Prod role, when cross-account.
    pub prod_role: Option<ProdRole>,
}

impl CheckExportConfig {
    /// Parses the environment.
    pub fn from_env(env: &Env) -> Result<Self, TaskError> {
        Ok(Self {
            prod_role: prod_role(env)?,
        })
    }
}

/// WaitForExport's and ExportEvents's configuration (`[export] events = true`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportWaitsConfig {
    /// `EXPORT_WAITS_TABLE`: the DynamoDB table of waiting task tokens.
    pub table: String,
    /// Prod role, when cross-account (CheckExport's observation of the export).
    pub prod_role: Option<ProdRole>,
}

impl ExportWaitsConfig {
    /// Parses the environment.
    pub fn from_env(env: &Env) -> Result<Self, TaskError> {
        let prod_role = prod_role(env)?;
        Ok(Self {
            table: env.required("EXPORT_WAITS_TABLE")?,
            prod_role,
        })
    }
}

/// RewriteAcl's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RewriteAclConfig {
    /// `EXPORT_BUCKET`.
    pub bucket: String,
    /// `EXPORT_PREFIX` without leading or trailing slashes (may be empty).
    pub prefix: String,
    /// Prod role, when cross-account (it owns the objects it wrote).
    pub prod_role: Option<ProdRole>,
    /// `ACL_CONCURRENCY`: PutObjectAcl requests in flight.
    pub concurrency: usize,
    /// `ACL_DEADLINE_MARGIN_SECONDS`: stop between pages when less time is left.
    pub deadline_margin: Duration,
}

impl RewriteAclConfig {
    /// Parses the environment.
    pub fn from_env(env: &Env) -> Result<Self, TaskError> {
        Ok(Self {
            bucket: bucket(env)?,
            prefix: prefix(env)?,
            prod_role: prod_role(env)?,
            concurrency: env.number(
                "ACL_CONCURRENCY",
                DEFAULT_ACL_CONCURRENCY,
                |n| (1..=1000).contains(n),
                "an integer from 1 to 1000",
            )?,
            deadline_margin: Duration::from_secs(env.number(
                "ACL_DEADLINE_MARGIN_SECONDS",
                DEFAULT_ACL_DEADLINE_MARGIN_SECONDS,
                |n| *n <= 900,
                "an integer number of seconds from 0 to 900",
            )?),
        })
    }
}

/// Default number of objects copied at once (each is a HeadObject then a CopyObject).
pub(crate) const DEFAULT_COPY_CONCURRENCY: usize = 128;
/// Default seconds kept free before the Lambda deadline (a 5 GiB CopyObject can take a
/// minute or two).
pub(crate) const DEFAULT_COPY_DEADLINE_MARGIN_SECONDS: u64 = 120;

/// The prod-account copier role CopyObjects assumes (copy delivery).
fn copier_role(env: &Env) -> Result<Option<ProdRole>, TaskError> {
    let role = arn(env, "COPIER_ROLE_ARN", false)?;
    let external_id = env.optional("COPIER_ROLE_EXTERNAL_ID");
    match role {
        Some(role_arn) => Ok(Some(ProdRole {
            role_arn,
            external_id,
        })),
        None if external_id.is_some() => Err(TaskError::InvalidConfig(
            "COPIER_ROLE_EXTERNAL_ID is set but COPIER_ROLE_ARN is not: set both or neither".into(),
        )),
        None => Ok(None),
    }
}

/// `name`: a plausible S3 bucket name.
fn bucket_named(env: &Env, name: &str) -> Result<String, TaskError> {
    let b = env.required(name)?;
    let ok = (3..=63).contains(&b.len())
        && b.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
        && b.starts_with(|c: char| c.is_ascii_alphanumeric())
        && b.ends_with(|c: char| c.is_ascii_alphanumeric());
    if ok {
        Ok(b)
    } else {
        Err(invalid(name, &b, "an S3 bucket name (3-63 of a-z 0-9 . -)"))
    }
}

/// CopyObjects's configuration (copy delivery).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyObjectsConfig {
    /// `EXPORT_BUCKET`: the prod staging bucket the export is written to.
    pub source_bucket: String,
    /// `EXPORT_PREFIX` without leading or trailing slashes (may be empty); the copies keep
    /// the same keys.
    pub prefix: String,
    /// `DESTINATION_BUCKET`: the analytics bucket.
    pub destination_bucket: String,
    /// `DESTINATION_KMS_KEY_ARN`: the analytics key the copies are encrypted with; SSE-S3
    /// when unset.
    pub destination_kms_key_arn: Option<String>,
    /// `COPIER_ROLE_ARN` / `COPIER_ROLE_EXTERNAL_ID`: the prod copier role (reads staging,
    /// writes the analytics bucket); the function's own credentials when unset.
    pub copier_role: Option<ProdRole>,
    /// `COPY_CONCURRENCY`: objects copied at once.
    pub concurrency: usize,
    /// `COPY_DEADLINE_MARGIN_SECONDS`: stop starting copies when less time is left.
    pub deadline_margin: Duration,
}

impl CopyObjectsConfig {
    /// Parses the environment.
    pub fn from_env(env: &Env) -> Result<Self, TaskError> {
        let source_bucket = bucket(env)?;
        let destination_bucket = bucket_named(env, "DESTINATION_BUCKET")?;
        if destination_bucket == source_bucket {
            return Err(invalid(
                "DESTINATION_BUCKET",
                &destination_bucket,
                "a bucket other than EXPORT_BUCKET (the staging bucket)",
            ));
        }
        Ok(Self {
            source_bucket,
            prefix: prefix(env)?,
            destination_bucket,
            destination_kms_key_arn: arn(env, "DESTINATION_KMS_KEY_ARN", false)?,
            copier_role: copier_role(env)?,
            concurrency: env.number(
                "COPY_CONCURRENCY",
                DEFAULT_COPY_CONCURRENCY,
                |n| (1..=1000).contains(n),
                "an integer from 1 to 1000",
            )?,
            deadline_margin: Duration::from_secs(env.number(
                "COPY_DEADLINE_MARGIN_SECONDS",
                DEFAULT_COPY_DEADLINE_MARGIN_SECONDS,
                |n| *n <= 900,
                "an integer number of seconds from 0 to 900",
            )?),
        })
    }
}

/// Default number of tables CatalogTables handles at once.
pub(crate) const DEFAULT_CATALOG_CONCURRENCY: usize = 32;
/// Seconds CatalogTables keeps free before the Lambda deadline.
pub(crate) const CATALOG_DEADLINE_MARGIN_SECONDS: u64 = 60;

/// Default `ROW_DROP_THRESHOLD`: a table whose rows fell below half the previous export's
/// is flagged (daily churn rarely removes half a table; truncations, failed loads and
/// half-exported tables do).
pub(crate) const DEFAULT_ROW_DROP_THRESHOLD: f64 = 0.5;

/// What CatalogTables does with a PARTIAL verdict (`ON_PARTIAL`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OnPartial {
    /// `notify` (default): catalog what was exported, name the rest in the notification.
    #[default]
    Notify,
    /// `fail`: write the report, touch nothing in Glue, fail with `ExportPartial`.
    Fail,
}

/// CatalogTables's configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct CatalogTablesConfig {
    /// `GLUE_DATABASE`: the one Glue database the tables are written to.
    pub database: String,
    /// `CATALOG_CONCURRENCY`: tables (footer reads and Glue writes) in flight.
    pub concurrency: usize,
    /// `ON_PARTIAL`: `notify` (default) or `fail`.
    pub on_partial: OnPartial,
    /// `ROW_DROP_THRESHOLD`: a fraction in (0, 1]; rows below previous × (1 − it) are a
    /// row drop.
    pub row_drop_threshold: f64,
}

impl CatalogTablesConfig {
    /// Parses the environment.
    pub fn from_env(env: &Env) -> Result<Self, TaskError> {
        let database = env.required("GLUE_DATABASE")?;
        if database.len() > 255 || database.chars().any(char::is_control) {
            return Err(invalid(
                "GLUE_DATABASE",
                &database,
                "a Glue database name (at most 255 characters)",
            ));
        }
        Ok(Self {
            database,
            concurrency: env.number(
                "CATALOG_CONCURRENCY",
                DEFAULT_CATALOG_CONCURRENCY,
                |n| (1..=256).contains(n),
                "an integer from 1 to 256",
            )?,
            on_partial: match env.optional("ON_PARTIAL") {
                None => OnPartial::Notify,
                Some(v) if v.eq_ignore_ascii_case("notify") => OnPartial::Notify,
                Some(v) if v.eq_ignore_ascii_case("fail") => OnPartial::Fail,
                Some(v) => return Err(invalid("ON_PARTIAL", &v, "notify or fail")),
            },
            row_drop_threshold: env.number(
                "ROW_DROP_THRESHOLD",
                DEFAULT_ROW_DROP_THRESHOLD,
                |f: &f64| f.is_finite() && *f > 0.0 && *f <= 1.0,
                "a fraction greater than 0 and at most 1 (e.g. 0.5)",
            )?,
        })
    }
}

/// StartCrawler's and CheckCrawler's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrawlerConfig {
    /// `CRAWLER_NAME`.
    pub crawler_name: String,
}

impl CrawlerConfig {
    /// Parses the environment.
    pub fn from_env(env: &Env) -> Result<Self, TaskError> {
        Ok(Self {
            crawler_name: env.required("CRAWLER_NAME")?,
        })
    }
}

/// Notify's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifyConfig {
    /// `EVENT_BUS_NAME` (name or ARN); `None` sends nothing.
    pub event_bus_name: Option<String>,
    /// `EVENT_SOURCE`.
    pub event_source: String,
}

impl NotifyConfig {
    /// Parses the environment.
    pub fn from_env(env: &Env) -> Result<Self, TaskError> {
        Ok(Self {
            event_bus_name: env.optional("EVENT_BUS_NAME"),
            event_source: env
                .optional("EVENT_SOURCE")
                .unwrap_or_else(|| DEFAULT_EVENT_SOURCE.to_owned()),
        })
    }
}

#[cfg(test)]
mod tests;

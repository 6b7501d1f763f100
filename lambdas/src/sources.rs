//! The source accounts (fan-in): which prod account a snapshot belongs to, and with which
//! role, buckets, filters and delivery it is exported.
//!
//! With `SOURCES_TABLE` set, every configured prod account is one DynamoDB item: key
//! `account_id`, attribute `config` (a JSON document, [`SourceDoc`]). The functions that
//! touch prod or a source's buckets resolve the source from the snapshot ARN's account and
//! region at each invocation ([`Sources::for_arn`]), through a cache of at most
//! [`CACHE_TTL`] per warm container, so a fixed item plus Redrive works within a minute.
//! Lambda environments hold 4 KB in all: fifty accounts' roles and buckets do not fit, a
//! table does.
//!
//! Without `SOURCES_TABLE` (single-account set-ups) there is one implicit source for
//! whatever account the snapshot is in, and every function reads its environment exactly as
//! before ([`Source::is_single`]).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_config::SdkConfig;
use aws_sdk_dynamodb::types::AttributeValue;
use contract::{DeliveryMode, SnapshotType};
use serde::Deserialize;
use tokio::sync::Mutex;

use crate::config::{Env, ProdRole, valid_export_only_entry};
use crate::error::TaskError;
use crate::export_id::parse_snapshot_arn;
use crate::sdk_error::classify;

/// How long a source's item is trusted in a warm container.
pub(crate) const CACHE_TTL: Duration = Duration::from_secs(60);
/// Accounts kept in the cache; past it the cache starts over (a warm function rarely sees
/// more than a few accounts between two minutes).
const CACHE_MAX: usize = 256;
/// The longest source `name` (it prefixes Glue table names, which Glue caps at 255).
pub(crate) const NAME_MAX_LEN: usize = 32;

/// `SOURCES_TABLE`, read with the function's other variables at cold start.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourcesConfig {
    /// The DynamoDB table of the sources; `None`: single-account mode.
    pub table: Option<String>,
}

impl SourcesConfig {
    /// Parses the environment.
    pub fn from_env(env: &Env) -> Self {
        Self {
            table: env.optional("SOURCES_TABLE"),
        }
    }
}

/// A source's `config` document, as stored (see docs/cross-account-setup.md).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SourceDoc {
    name: String,
    #[serde(default)]
    regions: Vec<String>,
    role_arn: Option<String>,
    external_id: Option<String>,
    export_role_arn: Option<String>,
    kms_key_arn: Option<String>,
    export_bucket: Option<String>,
    export_prefix: Option<String>,
    delivery: Option<String>,
    copier_role_arn: Option<String>,
    copier_external_id: Option<String>,
    #[serde(default)]
    db_identifiers: Vec<String>,
    #[serde(default)]
    snapshot_types: Vec<String>,
    #[serde(default)]
    export_only: Vec<String>,
}

/// A configured source account, validated. `None` fields fall back to the function's
/// environment (`EXPORT_BUCKET`, ...), so a table item only says what differs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceSettings {
    /// `name`: `[a-z0-9_]{1,32}`, prefixes the Glue tables and the S3 prefix.
    pub name: String,
    /// `regions`: snapshot regions accepted; empty: the pipeline's region.
    pub regions: Vec<String>,
    /// `role_arn` / `external_id`: the cross-account role in that account.
    pub prod_role: ProdRole,
    /// `export_role_arn`: the role RDS assumes to write the export.
    pub export_role_arn: Option<String>,
    /// `kms_key_arn`: the key the export is encrypted with.
    pub kms_key_arn: Option<String>,
    /// `export_bucket`: where RDS writes (the staging bucket under copy delivery).
    pub export_bucket: Option<String>,
    /// `export_prefix` without slashes; `None`: `<EXPORT_PREFIX>/<name>`.
    pub export_prefix: Option<String>,
    /// `delivery`; `None`: the pipeline's (`DELIVERY`).
    pub delivery: Option<DeliveryMode>,
    /// `copier_role_arn` / `copier_external_id` (copy delivery).
    pub copier_role: Option<ProdRole>,
    /// `db_identifiers` (events only); `None`: every database.
    pub db_identifiers: Option<Vec<String>>,
    /// `snapshot_types` (events only); `None`: every type.
    pub snapshot_types: Option<Vec<SnapshotType>>,
    /// `export_only`: default ExportOnly list; `None`: `EXPORT_ONLY`.
    pub export_only: Option<Vec<String>>,
}

/// The source a snapshot belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The snapshot's account (from the ARN).
    pub account_id: String,
    /// The snapshot's region (from the ARN).
    pub region: String,
    /// The configured source; `None` in single-account mode.
    pub settings: Option<Arc<SourceSettings>>,
}

impl Source {
    /// True in single-account mode: the function's environment applies as it is.
    pub fn is_single(&self) -> bool {
        self.settings.is_none()
    }

    /// The source's `name`; empty in single-account mode.
    pub fn name(&self) -> &str {
        self.settings.as_ref().map_or("", |s| s.name.as_str())
    }

    /// The role for prod calls: the source's, else `env_role` (`PROD_ROLE_ARN`).
    pub fn prod_role<'a>(&'a self, env_role: Option<&'a ProdRole>) -> Option<&'a ProdRole> {
        match &self.settings {
            Some(s) => Some(&s.prod_role),
            None => env_role,
        }
    }

    /// The region prod clients must call: the snapshot's in multi-account mode (a source
    /// may list several regions), `None` (the function's own) in single-account mode, as
    /// before.
    pub fn client_region(&self) -> Option<&str> {
        self.settings.as_ref().map(|_| self.region.as_str())
    }

    /// The key prefix exports of this source go under: the source's `export_prefix`, else
    /// `<env_prefix>/<name>` (`env_prefix` is `EXPORT_PREFIX`, trimmed); `env_prefix` in
    /// single-account mode.
    pub fn export_prefix(&self, env_prefix: &str) -> String {
        match &self.settings {
            None => env_prefix.to_owned(),
            Some(s) => match &s.export_prefix {
                Some(p) => p.clone(),
                None if env_prefix.is_empty() => s.name.clone(),
                None => format!("{env_prefix}/{}", s.name),
            },
        }
    }
}

/// The sources of one function: the table (with its cache) or the single implicit source.
#[derive(Debug)]
pub struct Sources {
    table: Option<Table>,
}

#[derive(Debug)]
struct Table {
    name: String,
    client: aws_sdk_dynamodb::Client,
    /// The pipeline's region: what a source without `regions` accepts.
    home_region: String,
    cache: Mutex<HashMap<String, Cached>>,
}

/// One account's answer and when it was read.
#[derive(Debug, Clone)]
struct Cached {
    read_at: Instant,
    answer: Result<Option<Arc<SourceSettings>>, TaskError>,
}

impl Sources {
    /// The sources of `cfg` over `sdk` (DynamoDB with the function's own credentials).
    pub fn new(cfg: &SourcesConfig, sdk: &SdkConfig) -> Self {
        Self {
            table: cfg.table.as_ref().map(|name| Table {
                name: name.clone(),
                client: aws_sdk_dynamodb::Client::new(sdk),
                home_region: sdk.region().map(ToString::to_string).unwrap_or_default(),
                cache: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// Single-account mode (tests, and functions without `SOURCES_TABLE`).
    pub fn single() -> Self {
        Self { table: None }
    }

    /// Over a given DynamoDB client (tests).
    pub fn with_client(table: &str, client: aws_sdk_dynamodb::Client, home_region: &str) -> Self {
        Self {
            table: Some(Table {
                name: table.to_owned(),
                client,
                home_region: home_region.to_owned(),
                cache: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// True when a sources table is configured.
    pub fn is_multi(&self) -> bool {
        self.table.is_some()
    }

    /// The source of the snapshot `snapshot_arn` (its account and region).
    pub async fn for_arn(&self, snapshot_arn: &str) -> Result<Source, TaskError> {
        let arn = parse_snapshot_arn(snapshot_arn)?;
        self.resolve(&arn.account, &arn.region).await
    }

    /// The source of `account` for a snapshot in `region`: `SourceAccountNotConfigured` when
    /// the account has no item or the region is not among its `regions`, `InvalidConfig`
    /// naming the account and field when its item is malformed.
    pub async fn resolve(&self, account: &str, region: &str) -> Result<Source, TaskError> {
        let Some(table) = &self.table else {
            return Ok(Source {
                account_id: account.to_owned(),
                region: region.to_owned(),
                settings: None,
            });
        };
        let Some(settings) = table.get(account).await? else {
            return Err(TaskError::SourceAccountNotConfigured(format!(
                "account {account} is not a configured source (no item in the sources table {}): \
                 add it to the analytics module's source_accounts, apply, then start the export again",
                table.name
            )));
        };
        let accepted = if settings.regions.is_empty() {
            std::slice::from_ref(&table.home_region)
        } else {
            settings.regions.as_slice()
        };
        if !accepted.iter().any(|r| r == region) {
            return Err(TaskError::SourceAccountNotConfigured(format!(
                "region {region} of account {account} (source {:?}) is not configured: its regions are [{}]; \
                 add the region to the source's regions, then start the export again",
                settings.name,
                accepted.join(", ")
            )));
        }
        Ok(Source {
            account_id: account.to_owned(),
            region: region.to_owned(),
            settings: Some(settings),
        })
    }
}

impl Table {
    /// The account's settings, from the cache when read less than [`CACHE_TTL`] ago.
    /// Throttling and other AWS failures are not cached.
    async fn get(&self, account: &str) -> Result<Option<Arc<SourceSettings>>, TaskError> {
        {
            let cache = self.cache.lock().await;
            if let Some(hit) = cache.get(account)
                && hit.read_at.elapsed() < CACHE_TTL
            {
                return hit.answer.clone();
            }
        }
        let answer = self.read(account).await;
        if matches!(
            answer,
            Ok(_) | Err(TaskError::InvalidConfig(_) | TaskError::SourceAccountNotConfigured(_))
        ) {
            let mut cache = self.cache.lock().await;
            if cache.len() >= CACHE_MAX {
                cache.clear();
            }
            cache.insert(
                account.to_owned(),
                Cached {
                    read_at: Instant::now(),
                    answer: answer.clone(),
                },
            );
        }
        answer
    }

    /// One consistent GetItem of the account's item.
    async fn read(&self, account: &str) -> Result<Option<Arc<SourceSettings>>, TaskError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.name)
            .key("account_id", AttributeValue::S(account.to_owned()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| classify("dynamodb:GetItem (sources table)", &e))?;
        let Some(item) = out.item() else {
            return Ok(None);
        };
        let raw = match item.get("config") {
            Some(AttributeValue::S(s)) => s.as_str(),
            _ => {
                return Err(bad(account, "config", "missing or not a string (S)"));
            }
        };
        parse_settings(account, raw).map(|s| Some(Arc::new(s)))
    }
}

/// `InvalidConfig` naming the account and the field of its item.
fn bad(account: &str, field: &str, why: &str) -> TaskError {
    TaskError::InvalidConfig(format!(
        "source account {account}: field {field} of its sources-table item is invalid: {why}"
    ))
}

fn check_arn(
    account: &str,
    field: &str,
    value: Option<String>,
) -> Result<Option<String>, TaskError> {
    match value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()) {
        Some(v) if !v.starts_with("arn:") || v.split(':').count() < 6 => Err(bad(
            account,
            field,
            &format!("{v:?} is not an ARN (arn:<partition>:<service>:...)"),
        )),
        other => Ok(other),
    }
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// Parses and validates one source's `config` JSON.
pub(crate) fn parse_settings(account: &str, raw: &str) -> Result<SourceSettings, TaskError> {
    let doc: SourceDoc =
        serde_json::from_str(raw).map_err(|e| bad(account, "config", &e.to_string()))?;
    let name = doc.name.trim().to_owned();
    if name.is_empty()
        || name.len() > NAME_MAX_LEN
        || !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Err(bad(
            account,
            "name",
            &format!("{name:?} is not 1-{NAME_MAX_LEN} of a-z 0-9 _"),
        ));
    }
    let role_arn = check_arn(account, "role_arn", doc.role_arn)?.ok_or_else(|| {
        bad(
            account,
            "role_arn",
            "must be set (the cross-account role in that account)",
        )
    })?;
    let copier_external_id = non_empty(doc.copier_external_id);
    let copier_role = match check_arn(account, "copier_role_arn", doc.copier_role_arn)? {
        Some(role_arn) => Some(ProdRole {
            role_arn,
            external_id: copier_external_id,
        }),
        None if copier_external_id.is_some() => {
            return Err(bad(
                account,
                "copier_external_id",
                "set without copier_role_arn: set both or neither",
            ));
        }
        None => None,
    };
    let export_bucket = non_empty(doc.export_bucket);
    if let Some(b) = &export_bucket
        && !crate::config::valid_bucket_name(b)
    {
        return Err(bad(
            account,
            "export_bucket",
            &format!("{b:?} is not an S3 bucket name"),
        ));
    }
    let export_prefix = match non_empty(doc.export_prefix) {
        None => None,
        Some(raw) => {
            let p = raw.trim_matches('/').to_owned();
            if p.is_empty()
                || p.split('/').any(|s| s.is_empty() || s == "." || s == "..")
                || p.chars().any(char::is_control)
            {
                return Err(bad(
                    account,
                    "export_prefix",
                    &format!("{raw:?} is not a key prefix without empty, '.' or '..' segments"),
                ));
            }
            Some(p)
        }
    };
    let delivery = match non_empty(doc.delivery) {
        None => None,
        Some(d) => Some(DeliveryMode::parse(&d).ok_or_else(|| {
            bad(
                account,
                "delivery",
                &format!("{d:?} is not share-key or copy"),
            )
        })?),
    };
    if delivery == Some(DeliveryMode::Copy) && copier_role.is_none() {
        return Err(bad(
            account,
            "copier_role_arn",
            "must be set when delivery is copy (the role that reads the staging bucket)",
        ));
    }
    let snapshot_types = doc
        .snapshot_types
        .iter()
        .map(|t| match t.to_ascii_lowercase().as_str() {
            "manual" => Ok(SnapshotType::Manual),
            "automated" => Ok(SnapshotType::Automated),
            "copy" => Ok(SnapshotType::Copy),
            _ => Err(bad(
                account,
                "snapshot_types",
                &format!("{t:?} is not manual, automated or copy"),
            )),
        })
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(e) = doc.export_only.iter().find(|e| !valid_export_only_entry(e)) {
        return Err(bad(
            account,
            "export_only",
            &format!("{e:?} is not database[.schema[.table]] of A-Z a-z 0-9 $ _"),
        ));
    }
    if let Some(r) = doc.regions.iter().find(|r| r.trim().is_empty()) {
        return Err(bad(account, "regions", &format!("{r:?} is not a region")));
    }
    Ok(SourceSettings {
        name,
        regions: doc.regions,
        prod_role: ProdRole {
            role_arn,
            external_id: non_empty(doc.external_id),
        },
        export_role_arn: check_arn(account, "export_role_arn", doc.export_role_arn)?,
        kms_key_arn: check_arn(account, "kms_key_arn", doc.kms_key_arn)?,
        export_bucket,
        export_prefix,
        delivery,
        copier_role,
        db_identifiers: Some(doc.db_identifiers).filter(|l| !l.is_empty()),
        snapshot_types: Some(snapshot_types).filter(|l| !l.is_empty()),
        export_only: Some(doc.export_only).filter(|l| !l.is_empty()),
    })
}

/// `SOURCE_ACCOUNT_IDS` (Normalize): the configured accounts, 12 digits each.
pub(crate) fn account_ids(env: &Env) -> Result<Option<Vec<String>>, TaskError> {
    let Some(raw) = env.optional("SOURCE_ACCOUNT_IDS") else {
        return Ok(None);
    };
    let ids: Vec<String> = raw
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    if let Some(bad) = ids
        .iter()
        .find(|id| id.len() != 12 || !id.chars().all(|c| c.is_ascii_digit()))
    {
        return Err(TaskError::InvalidConfig(format!(
            "environment variable SOURCE_ACCOUNT_IDS={raw:?} is invalid: {bad:?} is not a 12-digit account id"
        )));
    }
    Ok(Some(ids))
}

/// Refuses a snapshot whose account is not in `SOURCE_ACCOUNT_IDS`, before any AWS call.
pub(crate) fn check_listed(
    listed: Option<&[String]>,
    account: &str,
    snapshot_arn: &str,
) -> Result<(), TaskError> {
    match listed {
        Some(ids) if !ids.iter().any(|id| id == account) => {
            Err(TaskError::SourceAccountNotConfigured(format!(
                "snapshot {snapshot_arn} is in account {account}, which is not a configured source \
                 (SOURCE_ACCOUNT_IDS): add it to the analytics module's source_accounts, apply, \
                 then start the export again"
            )))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests;

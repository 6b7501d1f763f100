//! Many prod accounts (`SOURCES_TABLE`): every source item of the sources table parses
//! (the fields `infra/modules/analytics-account/sources.tf` writes, design "Source
//! accounts"), the names are unique, Normalize's `SOURCE_ACCOUNT_IDS` lists exactly the
//! table's accounts, and each source's values are laid over the stack so that the
//! per-account checks (prod role, trust, export role, key, bucket policy, staging bucket,
//! prod's forwarding rules) run once per source with that source's values, unchanged.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_dynamodb::types::AttributeValue;
use contract::functions::NORMALIZE;
use serde::Deserialize;
use state_machine::Delivery;

use super::Check;
use super::stack::Stack;
use crate::error::CliError;

/// The check's name.
const NAME: &str = "sources";
/// What to do about a wrong table.
const FIX: &str = "terraform apply the analytics module (source_accounts writes the sources table \
                   and SOURCE_ACCOUNT_IDS from one map)";

/// One source's `config` (a JSON string attribute); Terraform writes null for unset ones.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SourceConfig {
    /// `[a-z0-9_]{1,32}`, unique: Glue names and the S3 prefix.
    pub(crate) name: String,
    /// Snapshot regions accepted.
    #[serde(default)]
    pub(crate) regions: Option<Vec<String>>,
    /// The cross-account role in that account.
    pub(crate) role_arn: String,
    /// Its external id.
    #[serde(default)]
    pub(crate) external_id: Option<String>,
    /// The role RDS exports assume.
    pub(crate) export_role_arn: String,
    /// The export key.
    pub(crate) kms_key_arn: String,
    /// Where RDS writes (the analytics bucket, or the prod staging bucket with copy).
    pub(crate) export_bucket: String,
    /// The source's prefix (default `<EXPORT_PREFIX>/<name>`).
    #[serde(default)]
    pub(crate) export_prefix: Option<String>,
    /// `share-key` | `copy`.
    pub(crate) delivery: Delivery,
    /// Copy delivery: the prod copier role.
    #[serde(default)]
    pub(crate) copier_role_arn: Option<String>,
    /// Its external id (default: `external_id`).
    #[serde(default)]
    pub(crate) copier_external_id: Option<String>,
    /// Normalize's filters for that account.
    #[serde(default)]
    pub(crate) db_identifiers: Option<Vec<String>>,
    #[serde(default)]
    pub(crate) snapshot_types: Option<Vec<String>>,
    #[serde(default)]
    pub(crate) export_only: Option<Vec<String>>,
}

/// One configured prod account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Source {
    /// Its 12-digit account id (the item's key).
    pub(crate) account: String,
    /// Its configuration.
    pub(crate) config: SourceConfig,
}

impl Source {
    /// How the checks of this source are labelled (`payments 111111111111`).
    pub(crate) fn label(&self) -> String {
        format!("{} {}", self.config.name, self.account)
    }
}

/// The sources table's name, when the functions read one.
pub(crate) fn table(stack: &Stack) -> Option<&str> {
    stack.env("SOURCES_TABLE")
}

/// Normalize's `SOURCE_ACCOUNT_IDS` (else any function's), split and sorted.
pub(crate) fn configured_ids(stack: &Stack) -> Option<BTreeSet<String>> {
    let ids = stack
        .env_of(NORMALIZE.binary, "SOURCE_ACCOUNT_IDS")
        .or_else(|| stack.env("SOURCE_ACCOUNT_IDS"))?;
    Some(
        ids.split(',')
            .map(str::trim)
            .filter(|id| !id.is_empty())
            .map(str::to_owned)
            .collect(),
    )
}

/// A name Glue and S3 accept as the design says.
fn valid_name(name: &str) -> bool {
    (1..=32).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// Parses one item (`account_id` S, `config` S JSON): the source, or what is wrong.
pub(crate) fn parse_item(item: &BTreeMap<String, AttributeValue>) -> Result<Source, String> {
    let account = match item.get("account_id") {
        Some(AttributeValue::S(id)) => id.clone(),
        _ => return Err("an item has no string account_id".to_owned()),
    };
    if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "account_id {account:?} is not a 12-digit account id"
        ));
    }
    let Some(AttributeValue::S(json)) = item.get("config") else {
        return Err(format!("account {account}: no string attribute config"));
    };
    let config: SourceConfig = serde_json::from_str(json)
        .map_err(|e| format!("account {account}: config does not parse ({e})"))?;
    if !valid_name(&config.name) {
        return Err(format!(
            "account {account}: name {:?} is not [a-z0-9_]{{1,32}}",
            config.name
        ));
    }
    for (field, arn) in [
        ("role_arn", &config.role_arn),
        ("export_role_arn", &config.export_role_arn),
    ] {
        if Stack::account_of(arn) != Some(account.as_str()) {
            return Err(format!(
                "account {account} ({}): {field} {arn} is not a role of that account",
                config.name
            ));
        }
    }
    if config.delivery == Delivery::Copy && config.copier_role_arn.is_none() {
        return Err(format!(
            "account {account} ({}): copy delivery without copier_role_arn",
            config.name
        ));
    }
    Ok(Source { account, config })
}

/// Every item of the table (Scan, all pages), parsed, then the cross-item rules: unique
/// names, SOURCE_ACCOUNT_IDS equal to the table's accounts. The sources that parsed are
/// returned with the checks (one line: ok, or every problem found).
pub(crate) async fn load(
    dynamodb: &aws_sdk_dynamodb::Client,
    stack: &Stack,
    table: &str,
) -> (Vec<Source>, Check) {
    let mut items = Vec::new();
    let mut start: Option<std::collections::HashMap<String, AttributeValue>> = None;
    loop {
        match dynamodb
            .scan()
            .table_name(table)
            .set_exclusive_start_key(start.take())
            .send()
            .await
        {
            Ok(out) => {
                items.extend(
                    out.items()
                        .iter()
                        .map(|i| i.clone().into_iter().collect::<BTreeMap<_, _>>()),
                );
                match out.last_evaluated_key() {
                    Some(key) if !key.is_empty() => start = Some(key.clone()),
                    _ => break,
                }
            }
            Err(e) => {
                let check = Check::fail(
                    NAME,
                    format!(
                        "cannot read the sources table ({})",
                        CliError::aws("Scan", &e)
                    ),
                    table,
                    FIX,
                )
                .permission("dynamodb:Scan");
                return (Vec::new(), check);
            }
        }
    }
    verdict(&items, configured_ids(stack), table)
}

/// The sources of `items` and the table's check (pure, for the tests).
pub(crate) fn verdict(
    items: &[BTreeMap<String, AttributeValue>],
    configured: Option<BTreeSet<String>>,
    table: &str,
) -> (Vec<Source>, Check) {
    let mut problems = Vec::new();
    let mut sources: Vec<Source> = Vec::new();
    for item in items {
        match parse_item(item) {
            Ok(source) => sources.push(source),
            Err(problem) => problems.push(problem),
        }
    }
    sources.sort_by(|a, b| a.account.cmp(&b.account));
    let mut names = BTreeMap::new();
    for s in &sources {
        if let Some(other) = names.insert(s.config.name.as_str(), s.account.as_str()) {
            problems.push(format!(
                "name {} is used by accounts {other} and {}",
                s.config.name, s.account
            ));
        }
    }
    if items.is_empty() {
        problems.push("the table has no source".to_owned());
    }
    let in_table: BTreeSet<String> = items
        .iter()
        .filter_map(|i| match i.get("account_id") {
            Some(AttributeValue::S(id)) => Some(id.clone()),
            _ => None,
        })
        .collect();
    match configured {
        None => problems.push("normalize has SOURCES_TABLE but no SOURCE_ACCOUNT_IDS".to_owned()),
        Some(ids) if ids != in_table => {
            let missing: Vec<&str> = in_table.difference(&ids).map(String::as_str).collect();
            let extra: Vec<&str> = ids.difference(&in_table).map(String::as_str).collect();
            problems.push(format!(
                "SOURCE_ACCOUNT_IDS is not the table's accounts (in the table only: [{}]; in \
                 SOURCE_ACCOUNT_IDS only: [{}])",
                missing.join(", "),
                extra.join(", ")
            ));
        }
        Some(_) => {}
    }
    let check = if problems.is_empty() {
        Check::ok(
            NAME,
            format!(
                "{} source accounts, each parsed, names unique, SOURCE_ACCOUNT_IDS matches: {}",
                sources.len(),
                sources
                    .iter()
                    .map(Source::label)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
        .on(table)
    } else {
        Check::fail(NAME, problems.join("; "), table, FIX)
    };
    (sources, check)
}

/// The stack as the functions see it for a snapshot of `source`: the source's values in
/// the variables the per-account checks read, in every function that reads the sources
/// table and that variable (the handlers take those values from the item instead of
/// their environment).
pub(crate) fn overlay(stack: &Stack, source: &Source) -> Stack {
    let c = &source.config;
    let prefix = stack
        .env("EXPORT_PREFIX")
        .unwrap_or_default()
        .trim_matches('/');
    let export_prefix = c.export_prefix.clone().unwrap_or_else(|| {
        if prefix.is_empty() {
            c.name.clone()
        } else {
            format!("{prefix}/{}", c.name)
        }
    });
    let copier_external = c
        .copier_external_id
        .clone()
        .or_else(|| c.external_id.clone());
    let values: [(&str, Option<String>); 9] = [
        ("PROD_ROLE_ARN", Some(c.role_arn.clone())),
        ("PROD_ROLE_EXTERNAL_ID", c.external_id.clone()),
        ("EXPORT_ROLE_ARN", Some(c.export_role_arn.clone())),
        ("EXPORT_KMS_KEY_ARN", Some(c.kms_key_arn.clone())),
        ("EXPORT_BUCKET", Some(c.export_bucket.clone())),
        ("EXPORT_PREFIX", Some(export_prefix)),
        ("COPIER_ROLE_ARN", c.copier_role_arn.clone()),
        ("COPIER_ROLE_EXTERNAL_ID", copier_external),
        (
            "DB_IDENTIFIERS",
            c.db_identifiers.as_ref().map(|ids| ids.join(",")),
        ),
    ];
    let mut overlaid = stack.clone();
    overlaid.config.delivery = c.delivery;
    for deployed in &mut overlaid.functions {
        // Only the variables the function reads (the function table): copy-objects reads
        // the sources table for its copier, never the prod cross-account role.
        let reads: Vec<&str> = deployed.function.env().collect();
        let Some(env) = deployed.env.as_mut() else {
            continue;
        };
        let from_sources = reads.contains(&"SOURCES_TABLE");
        for (var, value) in &values {
            // EXPORT_PREFIX: wherever it is read (the bucket checks take the first
            // function's); the rest only where the handler takes it from the source.
            if !reads.contains(var) || (*var != "EXPORT_PREFIX" && !from_sources) {
                continue;
            }
            match value {
                Some(value) => env.insert((*var).to_owned(), value.clone()),
                None => env.remove(*var),
            };
        }
    }
    overlaid
}

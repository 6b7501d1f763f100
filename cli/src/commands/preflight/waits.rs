//! Events mode: the export-waits table the callback functions share (wait-for-export
//! stores task tokens, export-events sends them back) exists, is active, and has the keys
//! `export-events.tf` gives it (a test ties the two).

use aws_sdk_dynamodb::types::{KeyType, TableStatus};
use contract::functions::{EXPORT_EVENTS, WAIT_FOR_EXPORT};

use super::Check;
use super::stack::Stack;
use crate::error::CliError;

/// The partition key (the snapshot the export reads).
pub(crate) const HASH_KEY: &str = "snapshot_arn";
/// The sort key (the waiting execution).
pub(crate) const RANGE_KEY: &str = "execution_id";

/// The check's name.
const NAME: &str = "waits-table";

/// The table both callback functions name.
pub(crate) async fn check(dynamodb: &aws_sdk_dynamodb::Client, stack: &Stack) -> Check {
    if !stack.events_mode() {
        return Check::skip(NAME, "[export] events = false: no callback wait");
    }
    let named: Vec<&str> = [WAIT_FOR_EXPORT.binary, EXPORT_EVENTS.binary]
        .iter()
        .filter_map(|b| stack.env_of(b, "EXPORT_WAITS_TABLE"))
        .collect();
    let Some(table) = named.first().copied() else {
        return Check::skip(
            NAME,
            "no function names EXPORT_WAITS_TABLE (see function-env)",
        );
    };
    let fix = "terraform apply the analytics module with export_events = true";
    if let Some(other) = named.iter().find(|t| **t != table) {
        return Check::fail(
            NAME,
            format!("wait-for-export and export-events name different tables ({table}, {other})"),
            table,
            "give both functions the same EXPORT_WAITS_TABLE (terraform apply)",
        )
        .permission("EXPORT_WAITS_TABLE");
    }
    let out = match dynamodb.describe_table().table_name(table).send().await {
        Ok(out) => out,
        Err(e) => {
            return Check::fail(
                NAME,
                format!(
                    "the waits table is not there ({})",
                    CliError::aws("DescribeTable", &e)
                ),
                table,
                fix,
            )
            .permission("dynamodb:DescribeTable");
        }
    };
    let Some(description) = out.table() else {
        return Check::fail(NAME, "DescribeTable answered no table", table, fix);
    };
    if description.table_status() != Some(&TableStatus::Active) {
        return Check::fail(
            NAME,
            format!(
                "the table is {}, not ACTIVE",
                description
                    .table_status()
                    .map_or("in no state", |s| s.as_str())
            ),
            table,
            "wait for the table to become ACTIVE",
        )
        .permission("table status");
    }
    let key = |kind: KeyType| {
        description
            .key_schema()
            .iter()
            .find(|k| *k.key_type() == kind)
            .map(|k| k.attribute_name().to_owned())
    };
    let (hash, range) = (key(KeyType::Hash), key(KeyType::Range));
    if hash.as_deref() != Some(HASH_KEY) || range.as_deref() != Some(RANGE_KEY) {
        return Check::fail(
            NAME,
            format!(
                "the table's keys are {} / {}, the functions use {HASH_KEY} / {RANGE_KEY}",
                hash.as_deref().unwrap_or("none"),
                range.as_deref().unwrap_or("none")
            ),
            table,
            fix,
        )
        .permission("key schema");
    }
    Check::ok(NAME, format!("ACTIVE, keys {HASH_KEY} / {RANGE_KEY}")).on(table)
}

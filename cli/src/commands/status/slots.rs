//! The export-slot queue (`--slots-table`): the items of the slots table as design.md
//! lays them out (and `lambdas/src/slot_ledger.rs` writes them), parsed in this one module
//! so a change of layout is one edit here:
//! - ledger, one per (account, Region): `pk = "LEDGER#<account>#<region>"`, `sk =
//!   "LEDGER"`, `account`, `region`, `holders` (map snapshot ARN → {`execution_id`, `db`,
//!   `export_id`, `since`, `lease_until`}), `external` (N), `version` (N);
//! - waiter: the same `pk`, `sk = "WAIT#<enqueued ms, zero-padded>#<execution id>"`,
//!   `execution_id`, `snapshot_arn`, `db`, `export_id`, `enqueued_at` (N, ms), `task_token`
//!   (never shown);
//! - snapshot locks (`pk = "SNAPSHOT#<arn>"`) are not part of the queue and are ignored.
//!
//! One Scan reads them all (a handful of items per account). Waiters are listed in their
//! sort key's order (enqueue time, then execution id); which one a free slot goes to is
//! the fairness policy's choice (`lambdas::slot_policy`), so the position is the queue
//! order, not a promise.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::types::AttributeValue;
use serde::Serialize;

use crate::error::CliError;

/// The RDS quota of export tasks in progress per account and Region.
pub(crate) const QUOTA: u32 = 5;
/// The ledger item's prefix and sort key, the waiters' sort-key prefix.
const LEDGER_PREFIX: &str = "LEDGER#";
const LEDGER_SK: &str = "LEDGER";
const WAIT_PREFIX: &str = "WAIT#";

/// One slot held: the export of one snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct SlotHolder {
    /// The snapshot (the holders map's key).
    pub(crate) snapshot_arn: String,
    /// The execution holding it.
    pub(crate) execution_id: String,
    /// The database.
    pub(crate) db: String,
    /// Its export task.
    pub(crate) export_id: String,
    /// Since when (epoch seconds).
    pub(crate) since: i64,
}

/// One execution waiting for a slot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct SlotWaiter {
    /// 1 = first in the queue.
    pub(crate) position: usize,
    /// The waiting execution.
    pub(crate) execution_id: String,
    /// Its snapshot.
    pub(crate) snapshot_arn: String,
    /// Its database.
    pub(crate) db: String,
    /// Enqueued at (epoch milliseconds).
    pub(crate) enqueued_at: i64,
}

/// The queue of one account and Region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct AccountSlots {
    /// The prod account.
    pub(crate) account: String,
    /// The Region.
    pub(crate) region: String,
    /// Slots held by the pipeline.
    pub(crate) in_use: u32,
    /// 5 − external (exports running that the pipeline did not start).
    pub(crate) capacity: u32,
    /// Exports running outside the pipeline.
    pub(crate) external: u32,
    /// The holders, oldest first.
    pub(crate) holders: Vec<SlotHolder>,
    /// The waiters, in queue order.
    pub(crate) waiting: Vec<SlotWaiter>,
}

/// A string attribute.
fn text(item: &HashMap<String, AttributeValue>, key: &str) -> Option<String> {
    item.get(key).and_then(|v| v.as_s().ok()).cloned()
}

/// A number attribute.
fn number(map: &HashMap<String, AttributeValue>, key: &str) -> Option<i64> {
    map.get(key)
        .and_then(|v| v.as_n().ok())
        .and_then(|n| n.parse::<f64>().ok())
        .map(|n| n as i64)
}

/// The account and Region of a ledger `pk` (`LEDGER#<account>#<region>`).
fn ledger_key(pk: &str) -> Option<(String, String)> {
    let (account, region) = pk.strip_prefix(LEDGER_PREFIX)?.split_once('#')?;
    Some((account.to_owned(), region.to_owned()))
}

/// Every ledger of `items` with its holders and waiters, by account then Region. A
/// ledger without an item but with waiters is shown with nothing held.
pub(crate) fn queues(items: &[HashMap<String, AttributeValue>]) -> Vec<AccountSlots> {
    let mut by_key: BTreeMap<(String, String), AccountSlots> = BTreeMap::new();
    let mut waiting: BTreeMap<(String, String), Vec<(String, SlotWaiter)>> = BTreeMap::new();
    for item in items {
        let (Some(pk), Some(sk)) = (text(item, "pk"), text(item, "sk")) else {
            continue;
        };
        let Some(key) = ledger_key(&pk) else {
            continue;
        };
        let entry = by_key.entry(key.clone()).or_insert_with(|| AccountSlots {
            account: key.0.clone(),
            region: key.1.clone(),
            in_use: 0,
            capacity: QUOTA,
            external: 0,
            holders: Vec::new(),
            waiting: Vec::new(),
        });
        if sk == LEDGER_SK {
            entry.external = number(item, "external")
                .and_then(|n| u32::try_from(n).ok())
                .unwrap_or(0);
            entry.capacity = QUOTA.saturating_sub(entry.external);
            if let Some(AttributeValue::M(holders)) = item.get("holders") {
                for (snapshot_arn, holder) in holders {
                    let Ok(holder) = holder.as_m() else { continue };
                    entry.holders.push(SlotHolder {
                        snapshot_arn: snapshot_arn.clone(),
                        execution_id: text(holder, "execution_id").unwrap_or_default(),
                        db: text(holder, "db").unwrap_or_default(),
                        export_id: text(holder, "export_id").unwrap_or_default(),
                        since: number(holder, "since").unwrap_or(0),
                    });
                }
            }
            entry
                .holders
                .sort_by(|a, b| (a.since, &a.snapshot_arn).cmp(&(b.since, &b.snapshot_arn)));
            entry.in_use = u32::try_from(entry.holders.len()).unwrap_or(u32::MAX);
        } else if sk.starts_with(WAIT_PREFIX) {
            waiting.entry(key).or_default().push((
                sk,
                SlotWaiter {
                    position: 0,
                    execution_id: text(item, "execution_id").unwrap_or_default(),
                    snapshot_arn: text(item, "snapshot_arn").unwrap_or_default(),
                    db: text(item, "db").unwrap_or_default(),
                    enqueued_at: number(item, "enqueued_at").unwrap_or(0),
                },
            ));
        }
    }
    for (key, mut waiters) in waiting {
        // The sort key orders them: enqueue time (zero-padded), then execution id.
        waiters.sort_by(|a, b| a.0.cmp(&b.0));
        if let Some(entry) = by_key.get_mut(&key) {
            entry.waiting = waiters
                .into_iter()
                .enumerate()
                .map(|(i, (_, w))| SlotWaiter {
                    position: i + 1,
                    ..w
                })
                .collect();
        }
    }
    by_key.into_values().collect()
}

/// Scans the slots table (every page) and returns its queues.
pub(crate) async fn read(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
) -> Result<Vec<AccountSlots>, CliError> {
    let mut items = Vec::new();
    let mut start = None;
    loop {
        let page = dynamodb
            .scan()
            .table_name(table)
            .consistent_read(true)
            .set_exclusive_start_key(start.take())
            .send()
            .await
            .map_err(|e| CliError::aws("Scan", &e))?;
        items.extend(page.items().iter().cloned());
        match page.last_evaluated_key() {
            Some(key) if !key.is_empty() => start = Some(key.clone()),
            _ => return Ok(queues(&items)),
        }
    }
}

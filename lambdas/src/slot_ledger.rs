//! The export-slots table (`EXPORT_SLOTS_TABLE`): one ledger per (account, Region), the
//! parked waiters, and the snapshot locks. Storage only; who gets a slot is decided in
//! [`crate::slots`] (with [`crate::slot_policy::admit`]).
//!
//! Items (key `pk` + `sk`, both strings):
//! - the ledger, `LEDGER#<account>#<region>` / `LEDGER`: `holders` (a map, snapshot ARN →
//!   {execution_id, db, export_id, since, lease_until}), `external` (exports running in the
//!   account that the pipeline did not start), `version`. Every write is a PutItem
//!   conditional on the version read, so two writers never both take the last slot: the
//!   loser reads again and decides again.
//! - a waiter, same `pk`, `WAIT#<enqueued ms, 15 digits>#<execution id>`: the parked
//!   execution's latest task token, snapshot ARN and database. Sorted by enqueue time.
//! - a snapshot lock, `SNAPSHOT#<snapshot arn>` / `LOCK`: the execution that owns the
//!   snapshot's export (one execution per snapshot).
//!
//! Items carry `expires_at` for the table's TTL, so an abandoned waiter or lock goes away.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::types::AttributeValue;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::TaskError;
use crate::sdk_error::{code, table_error};

/// The ledger's sort key.
const LEDGER_SK: &str = "LEDGER";
/// The snapshot lock's sort key.
const LOCK_SK: &str = "LOCK";
/// How long a waiter or lock item outlives its last write before the TTL removes it: far
/// beyond AcquireExportSlot's timeout and an execution's life.
const ITEM_TTL_SECONDS: i64 = 30 * 86_400;

/// The ledger of one account and Region.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct LedgerKey {
    pub(crate) account: String,
    pub(crate) region: String,
}

impl LedgerKey {
    /// The ledger of the snapshot ARN's account and Region
    /// (`arn:<partition>:rds:<region>:<account>:snapshot:<id>`).
    pub(crate) fn of_snapshot(snapshot_arn: &str) -> Result<Self, TaskError> {
        let parts: Vec<&str> = snapshot_arn.splitn(7, ':').collect();
        match parts.as_slice() {
            ["arn", _, "rds", region, account, _, _]
                if !region.is_empty()
                    && account.len() == 12
                    && account.chars().all(|c| c.is_ascii_digit()) =>
            {
                Ok(Self {
                    account: (*account).to_owned(),
                    region: (*region).to_owned(),
                })
            }
            _ => Err(TaskError::InvalidInput(format!(
                "job.snapshot_arn {snapshot_arn:?} names no RDS account and Region: cannot find its export-slot ledger"
            ))),
        }
    }

    fn pk(&self) -> String {
        format!("LEDGER#{}#{}", self.account, self.region)
    }
}

/// A slot held: the export of one snapshot.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Holder {
    pub(crate) execution_id: String,
    pub(crate) db: String,
    pub(crate) export_id: String,
    pub(crate) since: i64,
    pub(crate) lease_until: i64,
}

/// The ledger as read, with the version its next write is conditional on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Ledger {
    pub(crate) key: LedgerKey,
    /// Snapshot ARN → holder: one slot per snapshot, so never two exports of one snapshot.
    pub(crate) holders: BTreeMap<String, Holder>,
    /// Exports running in the account that no holder accounts for.
    pub(crate) external: u32,
    /// 0: no item yet.
    pub(crate) version: u64,
}

impl Ledger {
    /// Slots the pipeline may use: 5 minus the external exports.
    pub(crate) fn capacity(&self) -> u32 {
        contract::EXPORT_SLOTS_PER_ACCOUNT.saturating_sub(self.external)
    }

    /// Free slots now.
    pub(crate) fn free(&self) -> usize {
        usize::try_from(self.capacity())
            .unwrap_or(0)
            .saturating_sub(self.holders.len())
    }
}

/// A parked execution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WaiterItem {
    pub(crate) sk: String,
    pub(crate) execution_id: String,
    pub(crate) task_token: String,
    pub(crate) snapshot_arn: String,
    pub(crate) db: String,
    pub(crate) export_id: String,
    /// Milliseconds since the epoch.
    pub(crate) enqueued_at: i64,
}

impl WaiterItem {
    /// The sort key: enqueue time first, so a Query returns the queue in order.
    pub(crate) fn sort_key(enqueued_at: i64, execution_id: &str) -> String {
        format!("WAIT#{enqueued_at:015}#{execution_id}")
    }
}

/// The export-slots table.
#[derive(Debug, Clone)]
pub(crate) struct SlotStore {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

impl SlotStore {
    pub(crate) fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    /// The ledger of `key` (an empty one, version 0, when there is no item yet).
    pub(crate) async fn load(&self, key: &LedgerKey) -> Result<Ledger, TaskError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", s(&key.pk()))
            .key("sk", s(LEDGER_SK))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| store_error("dynamodb:GetItem", &self.table, &e))?;
        let mut ledger = Ledger {
            key: key.clone(),
            ..Ledger::default()
        };
        let Some(item) = out.item() else {
            return Ok(ledger);
        };
        ledger.version = number(item, "version").unwrap_or(0).try_into().unwrap_or(0);
        ledger.external = number(item, "external")
            .unwrap_or(0)
            .try_into()
            .unwrap_or(0);
        if let Some(holders) = item.get("holders") {
            ledger.holders = serde_json::from_value(to_json(holders)).map_err(|e| {
                TaskError::ExportSlotStoreFailed(format!(
                    "the export-slot ledger {} in table {} has malformed holders ({e}): fix or delete the item, then Redrive",
                    key.pk(),
                    self.table
                ))
            })?;
        }
        Ok(ledger)
    }

    /// Writes `ledger` if nobody wrote it since it was read. False: someone did (read
    /// again and decide again).
    pub(crate) async fn save(&self, ledger: &Ledger, now: i64) -> Result<bool, TaskError> {
        let holders = serde_json::to_value(&ledger.holders).map_err(|e| {
            TaskError::InvalidInput(format!("the ledger's holders cannot be stored: {e}"))
        })?;
        let request = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(&ledger.key.pk()))
            .item("sk", s(LEDGER_SK))
            .item("account", s(&ledger.key.account))
            .item("region", s(&ledger.key.region))
            .item("holders", to_attribute(&holders))
            .item("external", n(i64::from(ledger.external)))
            .item(
                "version",
                n(i64::try_from(ledger.version.saturating_add(1)).unwrap_or(i64::MAX)),
            )
            .item("updated_at", n(now));
        let request = if ledger.version == 0 {
            request.condition_expression("attribute_not_exists(pk)")
        } else {
            request
                .condition_expression("version = :v")
                .expression_attribute_values(
                    ":v",
                    n(i64::try_from(ledger.version).unwrap_or(i64::MAX)),
                )
        };
        match request.send().await {
            Ok(_) => Ok(true),
            Err(e) if code(&e) == Some("ConditionalCheckFailedException") => Ok(false),
            Err(e) => Err(store_error("dynamodb:PutItem", &self.table, &e)),
        }
    }

    /// The parked executions of `key`, oldest first.
    pub(crate) async fn waiters(&self, key: &LedgerKey) -> Result<Vec<WaiterItem>, TaskError> {
        let mut out = Vec::new();
        let mut start: Option<HashMap<String, AttributeValue>> = None;
        loop {
            let page = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk AND begins_with(sk, :w)")
                .expression_attribute_values(":pk", s(&key.pk()))
                .expression_attribute_values(":w", s("WAIT#"))
                .consistent_read(true)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| store_error("dynamodb:Query", &self.table, &e))?;
            for item in page.items() {
                match parse_waiter(item) {
                    Some(w) => out.push(w),
                    None => tracing::warn!(table = %self.table, "skipping a malformed waiter item"),
                }
            }
            match page.last_evaluated_key() {
                Some(k) if !k.is_empty() => start = Some(k.clone()),
                _ => return Ok(out),
            }
        }
    }

    /// Every ledger of the table (the sweep): a Scan for the ledger items only.
    pub(crate) async fn ledgers(&self) -> Result<Vec<LedgerKey>, TaskError> {
        let mut out = Vec::new();
        let mut start: Option<HashMap<String, AttributeValue>> = None;
        loop {
            let page = self
                .client
                .scan()
                .table_name(&self.table)
                .filter_expression("sk = :l")
                .expression_attribute_values(":l", s(LEDGER_SK))
                .consistent_read(true)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| store_error("dynamodb:Scan", &self.table, &e))?;
            for item in page.items() {
                let text = |k: &str| item.get(k).and_then(|v| v.as_s().ok()).cloned();
                if let (Some(account), Some(region)) = (text("account"), text("region")) {
                    out.push(LedgerKey { account, region });
                }
            }
            match page.last_evaluated_key() {
                Some(k) if !k.is_empty() => start = Some(k.clone()),
                _ => return Ok(out),
            }
        }
    }

    /// Parks (or re-parks with a new token) a waiter.
    pub(crate) async fn put_waiter(
        &self,
        key: &LedgerKey,
        waiter: &WaiterItem,
        now: i64,
    ) -> Result<(), TaskError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(&key.pk()))
            .item("sk", s(&waiter.sk))
            .item("execution_id", s(&waiter.execution_id))
            .item("task_token", s(&waiter.task_token))
            .item("snapshot_arn", s(&waiter.snapshot_arn))
            .item("db", s(&waiter.db))
            .item("export_id", s(&waiter.export_id))
            .item("enqueued_at", n(waiter.enqueued_at))
            .item("expires_at", n(now.saturating_add(ITEM_TTL_SECONDS)))
            .send()
            .await
            .map_err(|e| store_error("dynamodb:PutItem", &self.table, &e))?;
        Ok(())
    }

    /// Removes a waiter if it still holds `waiter.task_token` (a newer entry of the state
    /// may have replaced it). True when it was removed.
    pub(crate) async fn remove_waiter(
        &self,
        key: &LedgerKey,
        waiter: &WaiterItem,
    ) -> Result<bool, TaskError> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key("pk", s(&key.pk()))
            .key("sk", s(&waiter.sk))
            .condition_expression("task_token = :t")
            .expression_attribute_values(":t", s(&waiter.task_token))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e) if code(&e) == Some("ConditionalCheckFailedException") => Ok(false),
            Err(e) => Err(store_error("dynamodb:DeleteItem", &self.table, &e)),
        }
    }

    /// The execution owning the snapshot's lock, if any.
    pub(crate) async fn lock_owner(&self, snapshot_arn: &str) -> Result<Option<String>, TaskError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", s(&lock_pk(snapshot_arn)))
            .key("sk", s(LOCK_SK))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| store_error("dynamodb:GetItem", &self.table, &e))?;
        Ok(out
            .item()
            .and_then(|i| i.get("owner"))
            .and_then(|v| v.as_s().ok())
            .cloned())
    }

    /// Makes `owner` the snapshot's lock owner if the lock is free or still owned by
    /// `previous` (None: free). False: someone else changed it in between.
    pub(crate) async fn claim_lock(
        &self,
        snapshot_arn: &str,
        owner: &str,
        previous: Option<&str>,
        now: i64,
    ) -> Result<bool, TaskError> {
        let request = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(&lock_pk(snapshot_arn)))
            .item("sk", s(LOCK_SK))
            .item("owner", s(owner))
            .item("since", n(now))
            .item("expires_at", n(now.saturating_add(ITEM_TTL_SECONDS)));
        let request = match previous {
            None => request.condition_expression("attribute_not_exists(pk)"),
            Some(previous) => request
                .condition_expression("#o = :p")
                .expression_attribute_names("#o", "owner")
                .expression_attribute_values(":p", s(previous)),
        };
        match request.send().await {
            Ok(_) => Ok(true),
            Err(e) if code(&e) == Some("ConditionalCheckFailedException") => Ok(false),
            Err(e) => Err(store_error("dynamodb:PutItem", &self.table, &e)),
        }
    }
}

fn lock_pk(snapshot_arn: &str) -> String {
    format!("SNAPSHOT#{snapshot_arn}")
}

fn s(value: &str) -> AttributeValue {
    AttributeValue::S(value.to_owned())
}

fn n(value: i64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

fn number(item: &HashMap<String, AttributeValue>, name: &str) -> Option<i64> {
    item.get(name)?.as_n().ok()?.parse().ok()
}

fn parse_waiter(item: &HashMap<String, AttributeValue>) -> Option<WaiterItem> {
    let text = |k: &str| item.get(k).and_then(|v| v.as_s().ok()).cloned();
    Some(WaiterItem {
        sk: text("sk")?,
        execution_id: text("execution_id")?,
        task_token: text("task_token")?,
        snapshot_arn: text("snapshot_arn")?,
        db: text("db").unwrap_or_default(),
        export_id: text("export_id").unwrap_or_default(),
        enqueued_at: number(item, "enqueued_at")?,
    })
}

/// A JSON value as a DynamoDB attribute (strings, numbers, booleans, lists, maps).
pub(crate) fn to_attribute(value: &Value) -> AttributeValue {
    match value {
        Value::Null => AttributeValue::Null(true),
        Value::Bool(b) => AttributeValue::Bool(*b),
        Value::Number(x) => AttributeValue::N(x.to_string()),
        Value::String(t) => AttributeValue::S(t.clone()),
        Value::Array(items) => AttributeValue::L(items.iter().map(to_attribute).collect()),
        Value::Object(map) => AttributeValue::M(
            map.iter()
                .map(|(k, v)| (k.clone(), to_attribute(v)))
                .collect(),
        ),
    }
}

/// A DynamoDB attribute as JSON (the inverse of [`to_attribute`]; other types are null).
pub(crate) fn to_json(value: &AttributeValue) -> Value {
    match value {
        AttributeValue::Bool(b) => Value::Bool(*b),
        AttributeValue::N(x) => x
            .parse::<i64>()
            .map(Value::from)
            .or_else(|_| x.parse::<f64>().map(Value::from))
            .unwrap_or(Value::Null),
        AttributeValue::S(t) => Value::String(t.clone()),
        AttributeValue::L(items) => Value::Array(items.iter().map(to_json).collect()),
        AttributeValue::M(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), to_json(v))).collect())
        }
        _ => Value::Null,
    }
}

/// A DynamoDB error: throttling and 5xx stay retryable, anything else (table missing,
/// access denied) is `ExportSlotStoreFailed` naming the table.
fn store_error<E>(
    operation: &str,
    table: &str,
    err: &aws_smithy_runtime_api::client::result::SdkError<
        E,
        aws_smithy_runtime_api::client::orchestrator::HttpResponse,
    >,
) -> TaskError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    table_error(operation, err, |operation, code, message| {
        TaskError::ExportSlotStoreFailed(format!(
            "{operation} on the export-slots table {table} failed with {code}: {message}; check that the table exists \
             (EXPORT_SLOTS_TABLE) and that the function's role may use it, then Redrive"
        ))
    })
}

#[cfg(test)]
mod tests;

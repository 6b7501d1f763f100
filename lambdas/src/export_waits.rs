//! The export waits of `[export] events = true`: the DynamoDB table of waiting task tokens
//! both `wait-for-export` and `export-events` use, and the token sent back to Step Functions.
//!
//! The export-waits table (key `snapshot_arn` + `execution_id`) holds one item per waiting
//! execution: its latest task token, the export task id and the CheckExport input the
//! export is observed with. RDS's events name the snapshot (SourceArn), not the export
//! task, and RDS runs at most one export per snapshot at a time, so the snapshot is the key
//! the event is looked up by. An item is deleted once its token is sent (only if it still
//! holds that token: a newer entry of the state may have replaced it); an abandoned item
//! expires through the table's TTL (`expires_at`).

use std::collections::HashMap;

use aws_config::BehaviorVersion;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_sfn::error::ProvideErrorMetadata;
use contract::CheckExportInput;

use crate::aws::Aws;
use crate::config::ExportWaitsConfig;
use crate::error::TaskError;
use crate::sdk_error::{classify, code, table_error};

/// The codes Step Functions answers for a token that is closed or unknown.
const STALE_TOKEN_CODES: [&str; 3] = ["TaskTimedOut", "InvalidToken", "TaskDoesNotExist"];

/// One waiting execution, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Waiting {
    /// The snapshot the export reads (partition key).
    pub(crate) snapshot_arn: String,
    /// The waiting execution (sort key).
    pub(crate) execution_id: String,
    /// Its latest task token.
    pub(crate) task_token: String,
    /// The export attempt it waits for.
    pub(crate) export_task_id: String,
    /// The CheckExport input the export is observed with.
    pub(crate) request: CheckExportInput,
}

/// The export-waits table.
#[derive(Debug, Clone)]
pub(crate) struct WaitStore {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

impl WaitStore {
    /// The table `table` through `client`.
    pub(crate) fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    /// Stores (or replaces) the execution's waiting token.
    pub(crate) async fn put(&self, waiting: &Waiting, expires_at: i64) -> Result<(), TaskError> {
        let request = serde_json::to_string(&waiting.request).map_err(|e| {
            TaskError::InvalidInput(format!("the wait's request cannot be stored: {e}"))
        })?;
        self.client
            .put_item()
            .table_name(&self.table)
            .item("snapshot_arn", s(&waiting.snapshot_arn))
            .item("execution_id", s(&waiting.execution_id))
            .item("task_token", s(&waiting.task_token))
            .item("export_task_id", s(&waiting.export_task_id))
            .item("request", AttributeValue::S(request))
            .item("expires_at", AttributeValue::N(expires_at.to_string()))
            .send()
            .await
            .map_err(|e| store_error("dynamodb:PutItem", &self.table, &e))?;
        Ok(())
    }

    /// Every waiting execution of `snapshot_arn`.
    pub(crate) async fn waiting_for(&self, snapshot_arn: &str) -> Result<Vec<Waiting>, TaskError> {
        let mut out = Vec::new();
        let mut start: Option<HashMap<String, AttributeValue>> = None;
        loop {
            let page = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("snapshot_arn = :s")
                .expression_attribute_values(":s", s(snapshot_arn))
                .consistent_read(true)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| store_error("dynamodb:Query", &self.table, &e))?;
            self.collect(page.items(), &mut out);
            match page.last_evaluated_key() {
                Some(key) if !key.is_empty() => start = Some(key.clone()),
                _ => return Ok(out),
            }
        }
    }

    /// Every open wait, of any snapshot (a Scan: the table holds only open waits, each
    /// deleted once its token is sent, so it stays small).
    pub(crate) async fn all(&self) -> Result<Vec<Waiting>, TaskError> {
        let mut out = Vec::new();
        let mut start: Option<HashMap<String, AttributeValue>> = None;
        loop {
            let page = self
                .client
                .scan()
                .table_name(&self.table)
                .consistent_read(true)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| store_error("dynamodb:Scan", &self.table, &e))?;
            self.collect(page.items(), &mut out);
            match page.last_evaluated_key() {
                Some(key) if !key.is_empty() => start = Some(key.clone()),
                _ => return Ok(out),
            }
        }
    }

    /// Appends the parsed `items` to `out`, skipping (and logging) malformed ones.
    fn collect(&self, items: &[HashMap<String, AttributeValue>], out: &mut Vec<Waiting>) {
        for item in items {
            match parse_item(item) {
                Some(w) => out.push(w),
                None => tracing::warn!(table = %self.table, "skipping a malformed wait item"),
            }
        }
    }

    /// Deletes the execution's item if it still holds `task_token` (a newer entry of the
    /// state may have replaced it).
    pub(crate) async fn remove(&self, waiting: &Waiting) -> Result<(), TaskError> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key("snapshot_arn", s(&waiting.snapshot_arn))
            .key("execution_id", s(&waiting.execution_id))
            .condition_expression("task_token = :t")
            .expression_attribute_values(":t", s(&waiting.task_token))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) if code(&e) == Some("ConditionalCheckFailedException") => Ok(()),
            Err(e) => Err(store_error("dynamodb:DeleteItem", &self.table, &e)),
        }
    }
}

fn s(value: &str) -> AttributeValue {
    AttributeValue::S(value.to_owned())
}

fn parse_item(item: &HashMap<String, AttributeValue>) -> Option<Waiting> {
    let text = |k: &str| item.get(k).and_then(|v| v.as_s().ok()).cloned();
    Some(Waiting {
        snapshot_arn: text("snapshot_arn")?,
        execution_id: text("execution_id")?,
        task_token: text("task_token")?,
        export_task_id: text("export_task_id")?,
        request: serde_json::from_str(&text("request")?).ok()?,
    })
}

/// A DynamoDB error: throttling and 5xx stay retryable, anything else (table missing,
/// access denied) is `ExportWaitStoreFailed` naming the table.
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
        TaskError::ExportWaitStoreFailed(format!(
            "{operation} on the export-waits table {table} failed with {code}: {message}; check that the table exists \
             (EXPORT_WAITS_TABLE) and that the function's role may use it, then Redrive"
        ))
    })
}

/// What sending a token back came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sent {
    /// Step Functions took it: the execution goes on.
    Delivered,
    /// The token is closed or unknown (timed out into the fallback, redriven, already
    /// answered): nothing to do.
    Stale,
}

/// SendTaskSuccess with the task's output (CheckExport's export state, export-slots'
/// slot state).
pub(crate) async fn send_success(
    sfn: &aws_sdk_sfn::Client,
    token: &str,
    state: &impl serde::Serialize,
) -> Result<Sent, TaskError> {
    let output = serde_json::to_string(state)
        .map_err(|e| TaskError::InvalidInput(format!("the task output cannot be sent: {e}")))?;
    match sfn
        .send_task_success()
        .task_token(token)
        .output(output)
        .send()
        .await
    {
        Ok(_) => Ok(Sent::Delivered),
        Err(e) if code(&e).is_some_and(|c| STALE_TOKEN_CODES.contains(&c)) => {
            tracing::info!(
                code = code(&e).unwrap_or_default(),
                "the task token is closed: ignored"
            );
            Ok(Sent::Stale)
        }
        Err(e) => Err(match classify("states:SendTaskSuccess", &e) {
            TaskError::Aws {
                operation,
                code,
                message,
            } => TaskError::TaskTokenSendFailed(format!(
                "{operation} failed with {code}: {message}; the function's role needs states:SendTaskSuccess on this \
                 state machine"
            )),
            other => other,
        }),
    }
}

/// The clients both functions need, over one SDK configuration loaded once per cold start:
/// the prod clients (CheckExport's observation) and the token table.
pub(crate) async fn load_clients(cfg: ExportWaitsConfig) -> (Aws, WaitStore) {
    let sdk = aws_config::defaults(BehaviorVersion::latest()).load().await;
    let store = WaitStore::new(aws_sdk_dynamodb::Client::new(&sdk), cfg.table);
    let aws = Aws::from_sdk_config(sdk, cfg.prod_role).with_sources(&cfg.sources);
    (aws, store)
}

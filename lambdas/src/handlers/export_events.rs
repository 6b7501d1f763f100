//! The export wait as a callback (`[export] events = true`): `wait-for-export` (the
//! WaitForExportEvent state) and `export-events` (the rule on RDS's export-finished events).
//!
//! The export-waits table (DynamoDB, key `snapshot_arn` + `execution_id`) holds one item
//! per waiting execution: its latest task token, the export task id and the CheckExport
//! input the export is observed with. RDS's events name the snapshot (SourceArn), not the
//! export task, and RDS runs at most one export per snapshot at a time, so the snapshot is
//! the key the event is looked up by.
//!
//! * `wait-for-export` stores the token, *then* checks the export once: an export that
//!   ended before the token was stored (its event found nothing to wake) is seen here, and
//!   the token is sent back at once. Otherwise the execution waits until `export-events`
//!   sends the token, or the Task's timeout (the fallback interval) sends it to CheckExport.
//! * `export-events` never trusts the event: for each waiting execution of the snapshot it
//!   runs the same observation as CheckExport (one DescribeExportTasks) and sends the token
//!   only when the export has ended, with CheckExport's output. A token Step Functions no
//!   longer knows (TaskTimedOut, InvalidToken: the wait timed out into the fallback, or a
//!   redrive re-entered the state with a new token) is removed and ignored, so duplicated,
//!   late and unrelated events change nothing.
//! * RDS's events are best effort, so `export-events` is also invoked on a schedule (a
//!   Scheduled Event, every 5 minutes by default) to *sweep*: it Scans the table (only open
//!   waits are in it; none: done, no RDS call), lists the exports RDS still runs with one
//!   DescribeExportTasks, and runs the event's confirm-and-send path for every wait whose
//!   export is not in that list. A lost event is noticed within the interval, for one list
//!   call per sweep while anything waits; the callback's fallback stays the last resort
//!   (docs/performance.md, section 1c).
//!
//! An item is deleted once its token is sent (only if it still holds that token: a newer
//! entry of the state may have replaced it); an abandoned item expires through the table's
//! TTL (`expires_at`).

use std::collections::{HashMap, HashSet};

use aws_config::BehaviorVersion;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_rds::types::Filter;
use aws_sdk_sfn::error::ProvideErrorMetadata;
use contract::{
    CheckExportInput, ExportEventOutcome, ExportState, ExportStatus, WaitForExportInput,
};
use serde_json::Value;

use crate::aws::Aws;
use crate::config::{CheckExportConfig, Env};
use crate::error::TaskError;
use crate::handlers::check_export::check_export;
use crate::runtime::{Handler, Invocation};
use crate::sdk_error::{classify, code, message};
use contract::functions::{self, Function};

/// The variable naming the export-waits table.
pub const TABLE_ENV: &str = "EXPORT_WAITS_TABLE";

/// RDS's export-finished event ids: DB snapshot 0159 failed, 0160 canceled, 0161 completed;
/// cluster snapshot 0162 failed, 0163 canceled, 0164 completed.
pub const EXPORT_FINISHED_EVENT_IDS: [&str; 6] = [
    "RDS-EVENT-0159",
    "RDS-EVENT-0160",
    "RDS-EVENT-0161",
    "RDS-EVENT-0162",
    "RDS-EVENT-0163",
    "RDS-EVENT-0164",
];

/// How long an item outlives its wait's fallback interval before the TTL removes it.
const ITEM_TTL_SLACK_SECONDS: i64 = 86_400;

/// The codes Step Functions answers for a token that is closed or unknown.
const STALE_TOKEN_CODES: [&str; 3] = ["TaskTimedOut", "InvalidToken", "TaskDoesNotExist"];

/// The statuses of an export RDS still runs, as DescribeExportTasks' `status` filter takes
/// them (lower case, unlike the statuses it returns).
const RUNNING_STATUS_FILTER: [&str; 3] = ["starting", "in_progress", "canceling"];

/// The session name's export id of the sweep's prod calls (CloudTrail shows
/// `snapshot-export-sweep`): they are about every waiting export, not one.
const SWEEP_SESSION_ID: &str = "sweep";

/// One waiting execution, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiting {
    /// The snapshot the export reads (partition key).
    pub snapshot_arn: String,
    /// The waiting execution (sort key).
    pub execution_id: String,
    /// Its latest task token.
    pub task_token: String,
    /// The export attempt it waits for.
    pub export_task_id: String,
    /// The CheckExport input the export is observed with.
    pub request: CheckExportInput,
}

/// The export-waits table.
#[derive(Debug, Clone)]
pub struct WaitStore {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

impl WaitStore {
    /// The table `table` through `client`.
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    /// Stores (or replaces) the execution's waiting token.
    pub async fn put(&self, waiting: &Waiting, expires_at: i64) -> Result<(), TaskError> {
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
    pub async fn waiting_for(&self, snapshot_arn: &str) -> Result<Vec<Waiting>, TaskError> {
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
    pub async fn all(&self) -> Result<Vec<Waiting>, TaskError> {
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
    pub async fn remove(&self, waiting: &Waiting) -> Result<(), TaskError> {
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
    if matches!(
        code(err),
        Some("ProvisionedThroughputExceededException" | "RequestLimitExceeded")
    ) {
        return TaskError::Throttled {
            operation: operation.to_owned(),
            code: code(err).unwrap_or_default().to_owned(),
            message: message(err),
        };
    }
    match classify(operation, err) {
        TaskError::Aws {
            operation,
            code,
            message,
        } => TaskError::ExportWaitStoreFailed(format!(
            "{operation} on the export-waits table {table} failed with {code}: {message}; check that the table exists \
             ({TABLE_ENV}) and that the function's role may use it, then Redrive"
        )),
        other => other,
    }
}

/// What sending a token back came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sent {
    /// Step Functions took it: the execution goes on.
    Delivered,
    /// The token is closed or unknown (timed out into the fallback, redriven, already
    /// answered): nothing to do.
    Stale,
}

/// SendTaskSuccess with CheckExport's output.
pub async fn send_success(
    sfn: &aws_sdk_sfn::Client,
    token: &str,
    state: &ExportState,
) -> Result<Sent, TaskError> {
    let output = serde_json::to_string(state)
        .map_err(|e| TaskError::InvalidInput(format!("the export state cannot be sent: {e}")))?;
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

/// WaitForExportEvent: store the token, check once, send it back at once when the export
/// has ended. Returns the observed state (Step Functions ignores a callback function's
/// result; the token carries the output).
pub async fn wait_for_export(
    store: &WaitStore,
    rds: &aws_sdk_rds::Client,
    sfn: &aws_sdk_sfn::Client,
    input: WaitForExportInput,
    now: i64,
) -> Result<ExportState, TaskError> {
    let request = input.check_input();
    let waiting = Waiting {
        snapshot_arn: input.job.snapshot_arn.clone(),
        execution_id: input.execution_id.clone(),
        task_token: input.task_token.clone(),
        export_task_id: input.export.export_task_id.clone(),
        request: request.clone(),
    };
    let expires_at = now
        .saturating_add(i64::from(input.export.next_poll_seconds))
        .saturating_add(ITEM_TTL_SLACK_SECONDS);
    store.put(&waiting, expires_at).await?;
    // Checked after the token is stored: an event that came before is not lost.
    let state = check_export(rds, request, now).await?;
    if state.status.is_terminal() {
        let sent = send_success(sfn, &waiting.task_token, &state).await?;
        tracing::info!(
            status = state.status.as_str(),
            ?sent,
            "the export had already ended: token sent back at once"
        );
        store.remove(&waiting).await?;
    } else {
        tracing::info!(
            status = state.status.as_str(),
            fallback_seconds = input.export.next_poll_seconds,
            "waiting for the export's event"
        );
    }
    Ok(state)
}

/// The snapshot ARN of an RDS export-finished event, or why the event is not one.
pub fn export_event_snapshot(event: &Value) -> Result<String, String> {
    if event["source"] != "aws.rds" {
        return Err(format!("source {} is not aws.rds", event["source"]));
    }
    let detail = &event["detail"];
    let id = detail["EventID"].as_str().unwrap_or_default();
    if !EXPORT_FINISHED_EVENT_IDS.contains(&id) {
        return Err(format!("event id {id:?} is not an export-finished event"));
    }
    detail["SourceArn"]
        .as_str()
        .or_else(|| event["resources"][0].as_str())
        .filter(|arn| arn.starts_with("arn:"))
        .map(str::to_owned)
        .ok_or_else(|| format!("{id} names no snapshot ARN"))
}

/// export-events: wake the executions waiting for the event's snapshot whose export has
/// ended per DescribeExportTasks.
pub async fn export_events(
    store: &WaitStore,
    aws: &Aws,
    event: &Value,
    now: i64,
) -> Result<ExportEventOutcome, TaskError> {
    let snapshot_arn = match export_event_snapshot(event) {
        Ok(arn) => arn,
        Err(reason) => {
            tracing::info!(%reason, "not an export-finished event: ignored");
            return Ok(ExportEventOutcome {
                ignored: Some(reason),
                ..ExportEventOutcome::default()
            });
        }
    };
    let mut outcome = ExportEventOutcome {
        snapshot_arn: snapshot_arn.clone(),
        ..ExportEventOutcome::default()
    };
    let waits = store.waiting_for(&snapshot_arn).await?;
    outcome.waiting = u32::try_from(waits.len()).unwrap_or(u32::MAX);
    for waiting in waits {
        let clients = aws.prod(&waiting.request.job.export_task_id).await;
        confirm_and_wake(store, &clients.rds, &aws.sfn, &waiting, now, &mut outcome).await?;
    }
    tracing::info!(
        snapshot_arn = %outcome.snapshot_arn,
        waiting = outcome.waiting,
        woken = outcome.woken,
        still_running = outcome.still_running,
        stale = outcome.stale,
        "export event handled"
    );
    Ok(outcome)
}

/// The path an export-finished event and the sweep share for one waiting execution: the
/// same observation as CheckExport (one DescribeExportTasks of its task), and the token
/// sent back with CheckExport's output only when the export has ended (a stale token is
/// ignored), then the item removed. Counts what it did in `outcome`.
async fn confirm_and_wake(
    store: &WaitStore,
    rds: &aws_sdk_rds::Client,
    sfn: &aws_sdk_sfn::Client,
    waiting: &Waiting,
    now: i64,
    outcome: &mut ExportEventOutcome,
) -> Result<(), TaskError> {
    let state = match check_export(rds, waiting.request.clone(), now).await {
        Ok(state) => state,
        // Retryable: the whole invocation is retried (EventBridge and Lambda's async
        // retries; the sweep's next tick anyway).
        Err(e) if e.is_retryable() => return Err(e),
        // Anything else (export unknown, wait over): the fallback CheckExport of that
        // execution fails with it where an operator sees it.
        Err(e) => {
            tracing::warn!(error_type = e.name(), error = %e, export_task_id = %waiting.export_task_id,
                "cannot confirm the export: left to the fallback poll");
            outcome.still_running += 1;
            return Ok(());
        }
    };
    if !state.status.is_terminal() {
        tracing::info!(
            export_task_id = %waiting.export_task_id,
            status = state.status.as_str(),
            "the export has not ended: left waiting"
        );
        outcome.still_running += 1;
        return Ok(());
    }
    match send_success(sfn, &waiting.task_token, &state).await? {
        Sent::Delivered => outcome.woken += 1,
        Sent::Stale => outcome.stale += 1,
    }
    store.remove(waiting).await
}

/// True for the sweep's schedule (an EventBridge Scheduled Event).
pub fn is_scheduled_event(event: &Value) -> bool {
    event["source"] == "aws.events" && event["detail-type"] == "Scheduled Event"
}

/// The ids of the export tasks RDS still runs in `rds`'s account and Region: one
/// DescribeExportTasks filtered on the running statuses. RDS runs at most 5 exports per
/// account, so one page holds them all. The statuses are checked here too, so a task the
/// answer shows ended (a service that ignores the filter) is not taken for running; a task
/// missing from the list is only confirmed, never woken unseen, so an incomplete list costs
/// calls, not correctness.
async fn running_exports(rds: &aws_sdk_rds::Client) -> Result<HashSet<String>, TaskError> {
    let filter = Filter::builder()
        .name("status")
        .set_values(Some(
            RUNNING_STATUS_FILTER
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
        ))
        .build();
    let answer = rds
        .describe_export_tasks()
        .filters(filter)
        .send()
        .await
        .map_err(|e| classify("rds:DescribeExportTasks", &e))?;
    Ok(answer
        .export_tasks()
        .iter()
        .filter(|t| {
            !t.status()
                .and_then(ExportStatus::parse)
                .is_some_and(ExportStatus::is_terminal)
        })
        .filter_map(|t| t.export_task_identifier().map(str::to_owned))
        .collect())
}

/// The sweep (a Scheduled Event): every open wait whose export RDS no longer lists as
/// running goes through [`confirm_and_wake`], as if its event had come. No open wait: no
/// RDS call at all.
pub async fn sweep(
    store: &WaitStore,
    rds: &aws_sdk_rds::Client,
    sfn: &aws_sdk_sfn::Client,
    now: i64,
) -> Result<ExportEventOutcome, TaskError> {
    let waits = store.all().await?;
    let mut outcome = ExportEventOutcome {
        waiting: u32::try_from(waits.len()).unwrap_or(u32::MAX),
        ..ExportEventOutcome::default()
    };
    if !waits.is_empty() {
        let running = running_exports(rds).await?;
        for waiting in &waits {
            if running.contains(&waiting.export_task_id) {
                outcome.still_running += 1;
                continue;
            }
            confirm_and_wake(store, rds, sfn, waiting, now, &mut outcome).await?;
        }
    }
    tracing::info!(
        waiting = outcome.waiting,
        woken = outcome.woken,
        still_running = outcome.still_running,
        stale = outcome.stale,
        "sweep done"
    );
    Ok(outcome)
}

/// The clients both functions need, over one SDK configuration loaded once per cold start:
/// the prod clients (CheckExport's logic) and the token table.
async fn clients_from_env(env: &Env) -> Result<(Aws, WaitStore), TaskError> {
    let cfg = CheckExportConfig::from_env(env)?;
    let table = env.required(TABLE_ENV)?;
    let sdk = aws_config::defaults(BehaviorVersion::latest()).load().await;
    let store = WaitStore::new(aws_sdk_dynamodb::Client::new(&sdk), table);
    Ok((Aws::from_sdk_config(sdk, cfg.prod_role), store))
}

/// The `wait-for-export` function.
#[derive(Debug)]
pub struct WaitForExportHandler {
    aws: Aws,
    store: WaitStore,
}

impl Handler for WaitForExportHandler {
    const FUNCTION: &'static Function = &functions::WAIT_FOR_EXPORT;
    type Input = WaitForExportInput;
    type Output = ExportState;

    async fn init(env: &Env) -> Result<Self, TaskError> {
        let (aws, store) = clients_from_env(env).await?;
        Ok(Self { aws, store })
    }

    fn export_id(input: &WaitForExportInput) -> Option<String> {
        Some(input.export.export_task_id.clone())
    }

    async fn handle(
        &self,
        input: WaitForExportInput,
        invocation: Invocation,
    ) -> Result<ExportState, TaskError> {
        let clients = self.aws.prod(&input.job.export_task_id).await;
        wait_for_export(
            &self.store,
            &clients.rds,
            &self.aws.sfn,
            input,
            invocation.now,
        )
        .await
    }
}

/// The `export-events` function.
#[derive(Debug)]
pub struct ExportEventsHandler {
    aws: Aws,
    store: WaitStore,
}

impl Handler for ExportEventsHandler {
    const FUNCTION: &'static Function = &functions::EXPORT_EVENTS;
    type Input = Value;
    type Output = ExportEventOutcome;

    async fn init(env: &Env) -> Result<Self, TaskError> {
        let (aws, store) = clients_from_env(env).await?;
        Ok(Self { aws, store })
    }

    fn export_id(_input: &Value) -> Option<String> {
        None
    }

    async fn handle(
        &self,
        input: Value,
        invocation: Invocation,
    ) -> Result<ExportEventOutcome, TaskError> {
        if is_scheduled_event(&input) {
            let clients = self.aws.prod(SWEEP_SESSION_ID).await;
            return sweep(&self.store, &clients.rds, &self.aws.sfn, invocation.now).await;
        }
        export_events(&self.store, &self.aws, &input, invocation.now).await
    }
}

#[cfg(test)]
mod tests;

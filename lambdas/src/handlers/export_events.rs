//! The rule on RDS's export-finished events (`[export] events = true`): wakes the
//! executions waiting in WaitForExportEvent ([`super::wait_for_export`]).
//!
//! It never trusts the event: for each waiting execution of the snapshot (the export-waits
//! table, [`crate::export_waits`]) it runs the same observation as CheckExport (one
//! DescribeExportTasks) and sends the token only when the export has ended, with
//! CheckExport's output. A token Step Functions no longer knows (TaskTimedOut,
//! InvalidToken: the wait timed out into the fallback, or a redrive re-entered the state
//! with a new token) is removed and ignored, so duplicated, late and unrelated events change
//! nothing.

use contract::ExportEventOutcome;
use contract::functions::{self, Function};
use serde_json::Value;

use crate::aws::Aws;
use crate::config::{Env, ExportWaitsConfig};
use crate::error::TaskError;
use crate::export_waits::{Sent, WaitStore, load_clients, send_success};
use crate::handlers::check_export::check_export;
use crate::rds_event;
use crate::runtime::{Handler, Invocation};

/// RDS's export-finished event ids: DB snapshot 0159 failed, 0160 canceled, 0161 completed;
/// cluster snapshot 0162 failed, 0163 canceled, 0164 completed.
const EXPORT_FINISHED_EVENT_IDS: [&str; 6] = [
    "RDS-EVENT-0159",
    "RDS-EVENT-0160",
    "RDS-EVENT-0161",
    "RDS-EVENT-0162",
    "RDS-EVENT-0163",
    "RDS-EVENT-0164",
];

/// The snapshot ARN of an RDS export-finished event, or why the event is not one.
pub(crate) fn export_event_snapshot(event: &Value) -> Result<String, String> {
    if event["source"] != "aws.rds" {
        return Err(format!("source {} is not aws.rds", event["source"]));
    }
    let detail = &event["detail"];
    // Either form RDS sends (`RDS-EVENT-0161` or a URL ending in `#RDS-EVENT-0161`), as
    // Normalize reads it.
    let raw = detail["EventID"].as_str().unwrap_or_default();
    let id = rds_event::event_id(raw)
        .filter(|id| EXPORT_FINISHED_EVENT_IDS.contains(id))
        .ok_or_else(|| format!("event id {raw:?} is not an export-finished event"))?;
    detail["SourceArn"]
        .as_str()
        .or_else(|| event["resources"][0].as_str())
        .filter(|arn| arn.starts_with("arn:"))
        .map(str::to_owned)
        .ok_or_else(|| format!("{id} names no snapshot ARN"))
}

/// export-events: wake the executions waiting for the event's snapshot whose export has
/// ended per DescribeExportTasks.
pub(crate) async fn export_events(
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
        let state = match check_export(&clients.rds, waiting.request.clone(), now).await {
            Ok(state) => state,
            // Retryable: the whole event is retried (EventBridge and Lambda's async retries).
            Err(e) if e.is_retryable() => return Err(e),
            // Anything else (export unknown, wait over): the fallback CheckExport of that
            // execution fails with it where an operator sees it.
            Err(e) => {
                tracing::warn!(error_type = e.name(), error = %e, export_task_id = %waiting.export_task_id,
                    "cannot confirm the export: left to the fallback poll");
                outcome.still_running += 1;
                continue;
            }
        };
        if !state.status.is_terminal() {
            tracing::info!(
                export_task_id = %waiting.export_task_id,
                status = state.status.as_str(),
                "the export has not ended: the event is not about it, left waiting"
            );
            outcome.still_running += 1;
            continue;
        }
        match send_success(&aws.sfn, &waiting.task_token, &state).await? {
            Sent::Delivered => outcome.woken += 1,
            Sent::Stale => outcome.stale += 1,
        }
        store.remove(&waiting).await?;
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

/// The `export-events` function.
#[derive(Debug)]
pub struct ExportEventsHandler {
    aws: Aws,
    store: WaitStore,
}

impl Handler for ExportEventsHandler {
    const FUNCTION: &'static Function = &functions::EXPORT_EVENTS;
    type Config = ExportWaitsConfig;
    type Input = Value;
    type Output = ExportEventOutcome;

    fn config(env: &Env) -> Result<ExportWaitsConfig, TaskError> {
        ExportWaitsConfig::from_env(env)
    }

    async fn init(cfg: ExportWaitsConfig) -> Self {
        let (aws, store) = load_clients(cfg).await;
        Self { aws, store }
    }

    fn export_id(_input: &Value) -> Option<String> {
        None
    }

    async fn handle(
        &self,
        input: Value,
        invocation: Invocation,
    ) -> Result<ExportEventOutcome, TaskError> {
        export_events(&self.store, &self.aws, &input, invocation.now).await
    }
}

#[cfg(test)]
mod tests;

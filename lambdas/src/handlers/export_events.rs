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
//!
//! RDS's events are best effort, so the function is also invoked on a schedule (a Scheduled
//! Event, every 5 minutes by default) to *sweep*: it Scans the table (only open waits are in
//! it; none: done, no RDS call), lists the exports RDS still runs with one
//! DescribeExportTasks, and runs the event's confirm-and-send path for every wait whose
//! export is not in that list. A lost event is noticed within the interval, for one list
//! call per sweep while anything waits; the callback's fallback stays the last resort
//! (docs/performance.md, section 1c).

use std::collections::{BTreeMap, HashSet};

use contract::functions::{self, Function};
use contract::{EXPORT_FINISHED_EVENT_IDS, ExportEventOutcome};
use serde_json::Value;

use crate::aws::Aws;
use crate::config::{Env, ExportWaitsConfig};
use crate::error::TaskError;
use crate::export_task::running_export_tasks;
use crate::export_waits::{Sent, WaitStore, Waiting, load_clients, send_success};
use crate::handlers::check_export::check_export;
use crate::rds_event;
use crate::runtime::{Handler, Invocation};

/// The session name's export id of the sweep's prod calls (CloudTrail shows
/// `snapshot-export-sweep`): they are about every waiting export, not one.
const SWEEP_SESSION_ID: &str = "sweep";

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
        let source = aws.source_of(&waiting.snapshot_arn).await?;
        let clients = aws
            .prod_for(&source, &waiting.request.job.export_task_id)
            .await;
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

/// Where the sweep gets the RDS client of one account and region.
pub(crate) trait SweepRds: Sync {
    /// RDS in the account and region of `waiting`'s snapshot.
    fn rds_for(
        &self,
        waiting: &Waiting,
    ) -> impl std::future::Future<Output = Result<aws_sdk_rds::Client, TaskError>> + Send;
}

/// The function's clients: the source's role in the snapshot's region.
impl SweepRds for Aws {
    async fn rds_for(&self, waiting: &Waiting) -> Result<aws_sdk_rds::Client, TaskError> {
        let source = self.source_of(&waiting.snapshot_arn).await?;
        Ok(self.prod_for(&source, SWEEP_SESSION_ID).await.rds.clone())
    }
}

/// One client for every account (tests).
impl SweepRds for aws_sdk_rds::Client {
    async fn rds_for(&self, _waiting: &Waiting) -> Result<aws_sdk_rds::Client, TaskError> {
        Ok(self.clone())
    }
}

/// The waits grouped by their snapshot's `account/region` (a wait whose ARN does not parse
/// goes into a group of its own, whose source resolution then names the ARN's fault).
pub(crate) fn by_account_region(waits: &[Waiting]) -> BTreeMap<String, Vec<&Waiting>> {
    let mut groups: BTreeMap<String, Vec<&Waiting>> = BTreeMap::new();
    for waiting in waits {
        let key = contract::export_id::parse_snapshot_arn(&waiting.snapshot_arn).map_or_else(
            |_| waiting.snapshot_arn.clone(),
            |arn| format!("{}/{}", arn.account, arn.region),
        );
        groups.entry(key).or_default().push(waiting);
    }
    groups
}

/// True for the sweep's schedule (an EventBridge Scheduled Event).
pub(crate) fn is_scheduled_event(event: &Value) -> bool {
    event["source"] == "aws.events" && event["detail-type"] == "Scheduled Event"
}

/// The ids of the export tasks RDS still runs in `rds`'s account and Region: one
/// DescribeExportTasks filtered on the running statuses. RDS runs at most 5 exports per
/// account, so one page holds them all. The statuses are checked here too, so a task the
/// answer shows ended (a service that ignores the filter) is not taken for running; a task
/// missing from the list is only confirmed, never woken unseen, so an incomplete list costs
/// calls, not correctness.
async fn running_exports(rds: &aws_sdk_rds::Client) -> Result<HashSet<String>, TaskError> {
    Ok(running_export_tasks(rds)
        .await?
        .iter()
        .filter_map(|t| t.export_task_identifier().map(str::to_owned))
        .collect())
}

/// The sweep (a Scheduled Event): every open wait whose export RDS no longer lists as
/// running goes through [`confirm_and_wake`], as if its event had come. No open wait: no
/// RDS call at all.
///
/// `clients` gives the RDS client of a group's account and region, asked once per group.
pub(crate) async fn sweep(
    store: &WaitStore,
    sfn: &aws_sdk_sfn::Client,
    clients: &impl SweepRds,
    now: i64,
) -> Result<ExportEventOutcome, TaskError> {
    let waits = store.all().await?;
    let mut outcome = ExportEventOutcome {
        waiting: u32::try_from(waits.len()).unwrap_or(u32::MAX),
        ..ExportEventOutcome::default()
    };
    for (account_region, group) in by_account_region(&waits) {
        // One list per account and region, with that account's role: export ids are per
        // account, so another account's running list says nothing about these waits.
        let Some(first) = group.first() else {
            continue;
        };
        let rds = clients.rds_for(first).await?;
        let running = running_exports(&rds).await?;
        tracing::info!(%account_region, waiting = group.len(), running = running.len(), "sweeping");
        for waiting in group {
            if running.contains(&waiting.export_task_id) {
                outcome.still_running += 1;
                continue;
            }
            confirm_and_wake(store, &rds, sfn, waiting, now, &mut outcome).await?;
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
        if is_scheduled_event(&input) {
            return sweep(&self.store, &self.aws.sfn, &self.aws, invocation.now).await;
        }
        export_events(&self.store, &self.aws, &input, invocation.now).await
    }
}

#[cfg(test)]
mod tests;

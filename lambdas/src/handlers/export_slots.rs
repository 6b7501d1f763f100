//! The `export-slots` function: AcquireExportSlot (a callback Task), ReleaseExportSlot,
//! and the slots' side of two rules: the execution status change (FAILED, TIMED_OUT,
//! ABORTED) and the export sweep's schedule. The scheduling itself is in [`crate::slots`],
//! the ledger in [`crate::slot_ledger`]; this module tells the four payloads apart.

use aws_config::BehaviorVersion;
use contract::functions::{self, Function};
use contract::{
    AcquireExportSlotInput, ReleaseExportSlotInput, SlotEventOutcome, input_snapshot_arn,
};
use serde_json::Value;

use crate::aws::Aws;
use crate::config::{Env, ExportSlotsConfig};
use crate::error::TaskError;
use crate::handlers::export_events::is_scheduled_event;
use crate::runtime::{Handler, Invocation};
use crate::slot_ledger::{LedgerKey, SlotStore};
use crate::slots;

/// The session name's export id of the sweep's and status change's prod calls.
const SWEEP_SESSION_ID: &str = "slots";

/// Execution statuses after which a slot is no longer used by its execution.
const ENDED_STATUSES: [&str; 3] = ["FAILED", "TIMED_OUT", "ABORTED"];

/// What a payload is.
#[derive(Debug)]
pub(crate) enum Request {
    Acquire(AcquireExportSlotInput),
    Release(ReleaseExportSlotInput),
    /// A status change of an ended execution: its ARN and snapshot.
    Ended {
        execution_arn: String,
        snapshot_arn: String,
    },
    Sweep,
    /// An event this function does not act on, and why.
    Ignored(String),
}

/// Tells the payloads apart: a task token is AcquireExportSlot's, a job without one is
/// ReleaseExportSlot's; events by their source.
pub(crate) fn parse_request(payload: Value) -> Result<Request, TaskError> {
    if is_scheduled_event(&payload) {
        return Ok(Request::Sweep);
    }
    if payload["source"] == "aws.states" {
        return Ok(status_change(&payload));
    }
    let bad =
        |e: serde_json::Error| TaskError::InvalidInput(format!("invalid export-slots input: {e}"));
    if payload.get("task_token").is_some() {
        return serde_json::from_value(payload)
            .map(Request::Acquire)
            .map_err(bad);
    }
    if payload.get("job").is_some() {
        return serde_json::from_value(payload)
            .map(Request::Release)
            .map_err(bad);
    }
    Err(TaskError::InvalidInput(
        "export-slots takes AcquireExportSlot's or ReleaseExportSlot's input, an execution status change or the sweep's Scheduled Event".into(),
    ))
}

fn status_change(event: &Value) -> Request {
    let detail = &event["detail"];
    let status = detail["status"].as_str().unwrap_or_default();
    if !ENDED_STATUSES.contains(&status) {
        return Request::Ignored(format!("execution status {status:?} frees no slot"));
    }
    let Some(execution_arn) = detail["executionArn"].as_str() else {
        return Request::Ignored("the status change names no execution".into());
    };
    // The detail's input is the execution's input as a JSON string.
    let input: Value = detail["input"]
        .as_str()
        .and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or(Value::Null);
    match input_snapshot_arn(&input) {
        Some(snapshot_arn) => Request::Ended {
            execution_arn: execution_arn.to_owned(),
            snapshot_arn: snapshot_arn.to_owned(),
        },
        None => Request::Ignored("the execution's input names no snapshot".into()),
    }
}

/// The `export-slots` function.
#[derive(Debug)]
pub struct ExportSlotsHandler {
    aws: Aws,
    store: SlotStore,
}

impl Handler for ExportSlotsHandler {
    const FUNCTION: &'static Function = &functions::EXPORT_SLOTS;
    type Config = ExportSlotsConfig;
    type Input = Value;
    type Output = Value;

    fn config(env: &Env) -> Result<ExportSlotsConfig, TaskError> {
        ExportSlotsConfig::from_env(env)
    }

    async fn init(cfg: ExportSlotsConfig) -> Self {
        let sdk = aws_config::defaults(BehaviorVersion::latest()).load().await;
        let store = SlotStore::new(aws_sdk_dynamodb::Client::new(&sdk), cfg.table);
        Self {
            aws: Aws::from_sdk_config(sdk, cfg.prod_role).with_sources(&cfg.sources),
            store,
        }
    }

    fn export_id(input: &Value) -> Option<String> {
        input["job"]["export_task_id"].as_str().map(str::to_owned)
    }

    async fn handle(&self, input: Value, invocation: Invocation) -> Result<Value, TaskError> {
        let now = invocation.now;
        let sfn = &self.aws.sfn;
        let output = match parse_request(input)? {
            Request::Acquire(input) => {
                let key = LedgerKey::of_snapshot(&input.job.snapshot_arn)?;
                let rds = slots::prod_rds(&self.aws, &key, &input.job.export_task_id).await?;
                to_value(&slots::acquire(&self.store, sfn, &rds, &input, now).await?)
            }
            Request::Release(input) => {
                to_value(&slots::release(&self.store, sfn, &input, now).await?)
            }
            Request::Ended {
                execution_arn,
                snapshot_arn,
            } => {
                let key = LedgerKey::of_snapshot(&snapshot_arn)?;
                let rds = match slots::prod_rds(&self.aws, &key, SWEEP_SESSION_ID).await {
                    Ok(rds) => rds,
                    // An unconfigured account never got a slot (AcquireExportSlot resolves
                    // the source first): nothing to free.
                    Err(TaskError::SourceAccountNotConfigured(reason)) => {
                        tracing::info!(%execution_arn, %reason, "ended execution of an unconfigured account: no slot to free");
                        return Ok(to_value(&SlotEventOutcome {
                            ignored: Some(reason),
                            ..SlotEventOutcome::default()
                        }));
                    }
                    Err(e) => return Err(e),
                };
                let outcome = slots::execution_ended(
                    &self.store,
                    sfn,
                    &rds,
                    &execution_arn,
                    &snapshot_arn,
                    now,
                )
                .await?;
                tracing::info!(%execution_arn, released = outcome.released, woken = outcome.woken, "execution ended");
                to_value(&outcome)
            }
            Request::Sweep => {
                let mut outcome = SlotEventOutcome::default();
                for key in self.store.ledgers().await? {
                    // One account's bad or removed configuration must not stop the sweep
                    // of the others: logged, and the next sweep tries again.
                    let rds = match slots::prod_rds(&self.aws, &key, SWEEP_SESSION_ID).await {
                        Ok(rds) => rds,
                        Err(e) => {
                            tracing::warn!(account = %key.account, region = %key.region, error = %e, "ledger skipped by this sweep");
                            continue;
                        }
                    };
                    slots::sweep_ledger(&self.store, sfn, &rds, &key, now, &mut outcome).await?;
                }
                tracing::info!(
                    ledgers = outcome.ledgers,
                    released = outcome.released,
                    woken = outcome.woken,
                    stale = outcome.stale,
                    waiting = outcome.waiting,
                    "slot sweep done"
                );
                to_value(&outcome)
            }
            Request::Ignored(reason) => {
                tracing::info!(%reason, "ignored");
                to_value(&SlotEventOutcome {
                    ignored: Some(reason),
                    ..SlotEventOutcome::default()
                })
            }
        };
        Ok(output)
    }
}

fn to_value(v: &impl serde::Serialize) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests;

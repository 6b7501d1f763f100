//! CheckExport: one DescribeExportTasks, the updated [`ExportState`] and the next wait.
//!
//! The graph routes on the status (COMPLETE; FAILED or CANCELED back to StartExport; else
//! wait again); this handler only fails for a lost task (`ExportNotFound`) or an export
//! running longer than the policy allows (`ExportWaitTimedOut`). A redrive after the latter
//! restarts the wait clock (as Step Functions resets a redriven Task's timeout), so the
//! operator's Redrive waits one more `max_wait_seconds` for the export left running.

use contract::{CheckExportInput, ExportState};

use crate::aws::Aws;
use crate::config::{CheckExportConfig, Env};
use crate::error::TaskError;
use crate::export_id::check_attempt_id;
use crate::export_task::{describe, observe};
use contract::functions::{self, Function};

use crate::runtime::{Handler, Invocation};

/// Observes the export once more.
pub async fn check_export(
    rds: &aws_sdk_rds::Client,
    input: CheckExportInput,
    now: i64,
) -> Result<ExportState, TaskError> {
    let mut state = input.export;
    if input.redrive_count > state.redrive_count {
        tracing::info!(
            redrive_count = input.redrive_count,
            "redriven: the export wait starts again"
        );
        state.redrive_count = input.redrive_count;
        state.wait_started_at = now;
    }
    let id = state.export_task_id.clone();
    check_attempt_id(&id)?;
    let view = describe(rds, &id).await?.ok_or_else(|| {
        TaskError::ExportNotFound(format!(
            "export task {id} is unknown to RDS: it was never started in this account and Region, or PROD_ROLE_ARN \
             points at another account"
        ))
    })?;
    let status = view.parsed_status(None)?;
    state.checks = state.checks.saturating_add(1);
    observe(&mut state, &view, status, &input.policy, now);
    let elapsed = now.saturating_sub(state.started_at.max(state.wait_started_at));
    if !status.is_terminal() && u64::try_from(elapsed).unwrap_or(0) > input.policy.max_wait_seconds
    {
        return Err(TaskError::ExportWaitTimedOut(format!(
            "export task {id} is still {} at {}% after {elapsed} s (limit {} s): it is left running; check it in the RDS \
             console and raise export.max_wait_hours if exports of this size are expected",
            status.as_str(),
            state.percent_progress,
            input.policy.max_wait_seconds
        )));
    }
    tracing::info!(
        status = status.as_str(),
        percent = state.percent_progress,
        checks = state.checks,
        next_poll_seconds = state.next_poll_seconds,
        "export observed"
    );
    Ok(state)
}

/// The `check-export` function.
#[derive(Debug)]
pub struct CheckExportHandler {
    aws: Aws,
}

impl Handler for CheckExportHandler {
    const FUNCTION: &'static Function = &functions::CHECK_EXPORT;
    type Config = CheckExportConfig;
    type Input = CheckExportInput;
    type Output = ExportState;

    fn config(env: &Env) -> Result<CheckExportConfig, TaskError> {
        CheckExportConfig::from_env(env)
    }

    async fn init(cfg: CheckExportConfig) -> Self {
        Self {
            aws: Aws::load(cfg.prod_role).await.with_sources(&cfg.sources),
        }
    }

    fn export_id(input: &CheckExportInput) -> Option<String> {
        Some(input.export.export_task_id.clone())
    }

    async fn handle(
        &self,
        input: CheckExportInput,
        invocation: Invocation,
    ) -> Result<ExportState, TaskError> {
        // The session is named after the base id, so StartExport's cached clients are reused.
        let source = self.aws.source_of(&input.job.snapshot_arn).await?;
        let clients = self.aws.prod_for(&source, &input.job.export_task_id).await;
        check_export(&clients.rds, input, invocation.now).await
    }
}

#[cfg(test)]
mod tests;

//! The export loop: StartExport, then wait, CheckExport and ExportStatus until the export
//! has ended.
//!
//! The wait is a Wait state (`WaitForExport`), so hours of export cost no Lambda time, or,
//! with `[export] events = true`, the callback `WaitForExportEvent`, woken by RDS's
//! export-finished event and timing out into CheckExport (the fallback poll). A FAILED or
//! CANCELED attempt goes back to StartExport, which starts the next attempt while the
//! budget (`max_attempts` + RedriveCount) allows, else fails with the export's cause.

use serde_json::{Value, json};

use super::chain::Stage;
use super::states;
use super::tasks::{
    EXECUTION_ID, REDRIVE_COUNT, TASK_TOKEN, callback, lambda, path, result_path, to_json,
};
use crate::asl::{
    Catcher, Choice, ChoiceRule, Condition, JitterStrategy, Retrier, StateMachineBuilder, Task,
    Transition, Wait, WaitFor,
};
use crate::config::PipelineConfig;
use crate::error::AslError;
use contract::{ExportStatus, errors};

/// StartExport → (WaitForExport | WaitForExportEvent) → CheckExport → ExportStatus.
pub(super) struct ExportLoop<'a> {
    config: &'a PipelineConfig,
}

impl<'a> ExportLoop<'a> {
    /// The loop `config` describes.
    pub(super) fn new(config: &'a PipelineConfig) -> Self {
        Self { config }
    }

    /// Where the loop waits: the callback with events on, else the Wait state.
    fn wait_state(&self) -> &'static str {
        if self.config.export.events {
            states::WAIT_FOR_EXPORT_EVENT
        } else {
            states::WAIT_FOR_EXPORT
        }
    }

    fn start_export(&self, policy: &Value) -> Result<Task, AslError> {
        let export = &self.config.export;
        let mut parameters = json!({
            "job.$": "$.job",
            "policy": policy,
            "max_attempts": export.max_attempts,
            "redrive_count.$": REDRIVE_COUNT,
        });
        if export.slots {
            // A redriven StartExport holds the snapshot's slot before it starts anything.
            parameters["slots"] = Value::Bool(true);
            parameters["execution_id.$"] = Value::from(EXECUTION_ID);
        }
        let mut task = lambda(states::START_EXPORT, self.wait_state())?
            .parameters(parameters)
            .result_path(result_path("$.export")?);
        task.retry.push(
            Retrier::on(errors::EXPORT_CAPACITY)
                .interval_seconds(export.capacity_retry_interval_seconds)
                .max_attempts(export.capacity_retry_max_attempts)
                .backoff_rate(1.5)
                .max_delay_seconds(900)
                .jitter(JitterStrategy::Full),
        );
        Ok(task)
    }

    /// The callback's output is CheckExport's (the export state), sent by wait-for-export
    /// or export-events; its timeout is the fallback poll, the one Catch of the graph.
    fn wait_for_export_event(policy: &Value) -> Result<Task, AslError> {
        let payload = json!({
            "job.$": "$.job",
            "export.$": "$.export",
            "policy": policy,
            "redrive_count.$": REDRIVE_COUNT,
            "task_token.$": TASK_TOKEN,
            "execution_id.$": EXECUTION_ID,
        });
        let fallback = Catcher::on([errors::STATES_TIMEOUT], states::CHECK_EXPORT)
            .result_path(result_path("$.export_wait")?);
        Ok(callback(
            states::WAIT_FOR_EXPORT_EVENT,
            states::EXPORT_STATUS,
            payload,
            "$.export.next_poll_seconds",
        )?
        .result_path(result_path("$.export")?)
        .catch(vec![fallback]))
    }

    fn wait_for_export() -> Result<Wait, AslError> {
        Ok(Wait::new(
            WaitFor::SecondsPath(path("$.export.next_poll_seconds")?),
            Transition::next(states::CHECK_EXPORT),
        ))
    }

    fn check_export(policy: &Value) -> Result<Task, AslError> {
        Ok(lambda(states::CHECK_EXPORT, states::EXPORT_STATUS)?
            .parameters(json!({
                "job.$": "$.job",
                "export.$": "$.export",
                "policy": policy,
                "redrive_count.$": REDRIVE_COUNT,
            }))
            .result_path(result_path("$.export")?))
    }

    /// COMPLETE goes on; FAILED and CANCELED go back to StartExport; else wait again.
    fn export_status(&self, next: &str) -> Result<Choice, AslError> {
        let status = path("$.export.status")?;
        let is = |s: ExportStatus| Condition::string_equals(status.clone(), s.as_str());
        Ok(Choice::new(vec![
            ChoiceRule::new(is(ExportStatus::Complete), next),
            ChoiceRule::new(is(ExportStatus::Failed), states::START_EXPORT),
            ChoiceRule::new(is(ExportStatus::Canceled), states::START_EXPORT),
        ])
        .default(self.wait_state()))
    }
}

impl Stage for ExportLoop<'_> {
    fn entry(&self) -> &'static str {
        states::START_EXPORT
    }

    fn summary(&self) -> &'static str {
        if self.config.export.events {
            "S3 Parquet export (woken by RDS's export events, polled as a fallback)"
        } else {
            "S3 Parquet export (polled)"
        }
    }

    fn render(&self, next: &str, machine: &mut StateMachineBuilder) -> Result<(), AslError> {
        let policy = to_json(self.config.poll_policy())?;
        machine.state(states::START_EXPORT, self.start_export(&policy)?);
        if self.config.export.events {
            machine.state(
                states::WAIT_FOR_EXPORT_EVENT,
                Self::wait_for_export_event(&policy)?,
            );
        } else {
            machine.state(states::WAIT_FOR_EXPORT, Self::wait_for_export()?);
        }
        machine
            .state(states::CHECK_EXPORT, Self::check_export(&policy)?)
            .state(states::EXPORT_STATUS, self.export_status(next)?);
        Ok(())
    }
}

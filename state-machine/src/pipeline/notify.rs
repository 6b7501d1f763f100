//! The success notification: NotifySuccess sends it, then the chain ends at Succeeded.
//!
//! A failed notification fails the execution at NotifySuccess, so a redrive sends it once
//! the bus is fixed; the data is exported and cataloged either way. Failures are notified
//! by the EventBridge rule on the execution's status change, not by the graph.

use serde_json::json;

use super::chain::Stage;
use super::states;
use super::tasks::{REDRIVE_COUNT, lambda, result_path};
use crate::asl::StateMachineBuilder;
use crate::error::AslError;

/// NotifySuccess.
pub(super) struct NotifySuccess;

impl Stage for NotifySuccess {
    fn entry(&self) -> &'static str {
        states::NOTIFY_SUCCESS
    }

    fn summary(&self) -> &'static str {
        "notification"
    }

    fn render(&self, next: &str, machine: &mut StateMachineBuilder) -> Result<(), AslError> {
        let task = lambda(states::NOTIFY_SUCCESS, next)?
            .parameters(json!({
                "execution_id.$": "$$.Execution.Id",
                "execution_started_at.$": "$$.Execution.StartTime",
                "redrive_count.$": REDRIVE_COUNT,
                "state.$": "$",
            }))
            .result_path(result_path("$.notification")?);
        machine.state(states::NOTIFY_SUCCESS, task);
        Ok(())
    }
}

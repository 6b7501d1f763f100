//! Export slots (`[export] slots = true`): AcquireExportSlot before the export loop,
//! ReleaseExportSlot after it.
//!
//! AcquireExportSlot is a callback Task (`lambda:invoke.waitForTaskToken`): the
//! `export-slots` function grants a free slot at once (sending the token back) or parks
//! the token until a slot frees, so waiting costs no Lambda time and no polling. Its
//! TimeoutSeconds (`slot_wait_hours`) is generous; past it the execution fails there with
//! `States.Timeout`, and a redrive parks it again, keeping its place in the queue. When
//! another execution of the same snapshot is running, the token comes back with
//! `{"joined": <its ARN>}` and SlotJoined ends the execution at JoinedRunningExecution
//! (one execution per snapshot). ReleaseExportSlot runs once the export is COMPLETE, before
//! the delivery: the slot is RDS's, and RDS is done with it.

use serde_json::json;

use super::chain::Stage;
use super::states;
use super::tasks::{
    EXECUTION_ID, REDRIVE_COUNT, TASK_TOKEN, callback_task, lambda, path, result_path,
};
use crate::asl::{Choice, ChoiceRule, Condition, StateMachineBuilder, Succeed, Task};
use crate::config::PipelineConfig;
use crate::error::AslError;

/// AcquireExportSlot → SlotJoined (→ JoinedRunningExecution).
pub(super) struct AcquireSlot {
    timeout_seconds: u64,
}

impl AcquireSlot {
    /// The stage `config` describes.
    pub(super) fn new(config: &PipelineConfig) -> Self {
        Self {
            timeout_seconds: u64::from(config.export.slot_wait_hours) * 3_600,
        }
    }

    fn acquire(&self) -> Result<Task, AslError> {
        let payload = json!({
            "job.$": "$.job",
            "task_token.$": TASK_TOKEN,
            "execution_id.$": EXECUTION_ID,
            "redrive_count.$": REDRIVE_COUNT,
        });
        Ok(
            callback_task(states::ACQUIRE_EXPORT_SLOT, states::SLOT_JOINED, payload)?
                .timeout_seconds(self.timeout_seconds)
                .result_path(result_path("$.slot")?),
        )
    }
}

impl Stage for AcquireSlot {
    fn entry(&self) -> &'static str {
        states::ACQUIRE_EXPORT_SLOT
    }

    fn summary(&self) -> &'static str {
        "export slot (parked until one of the account's 5 frees)"
    }

    fn render(&self, next: &str, machine: &mut StateMachineBuilder) -> Result<(), AslError> {
        let joined = Choice::new(vec![ChoiceRule::new(
            Condition::is_present(path("$.slot.joined")?, true),
            states::JOINED_RUNNING_EXECUTION,
        )])
        .default(next);
        machine
            .state(states::ACQUIRE_EXPORT_SLOT, self.acquire()?)
            .state(states::SLOT_JOINED, joined)
            .state(states::JOINED_RUNNING_EXECUTION, Succeed::default());
        Ok(())
    }
}

/// ReleaseExportSlot, after the export is COMPLETE.
pub(super) struct ReleaseSlot;

impl Stage for ReleaseSlot {
    fn entry(&self) -> &'static str {
        states::RELEASE_EXPORT_SLOT
    }

    fn summary(&self) -> &'static str {
        "slot released"
    }

    fn render(&self, next: &str, machine: &mut StateMachineBuilder) -> Result<(), AslError> {
        let task = lambda(states::RELEASE_EXPORT_SLOT, next)?
            .parameters(json!({
                "job.$": "$.job",
                "execution_id.$": EXECUTION_ID,
                "redrive_count.$": REDRIVE_COUNT,
            }))
            .result_path(result_path("$.slot")?);
        machine.state(states::RELEASE_EXPORT_SLOT, task);
        Ok(())
    }
}

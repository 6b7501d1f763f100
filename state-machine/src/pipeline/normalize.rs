//! The way in: Normalize turns the raw event (or a manual input) into `$.job`, and
//! ShouldExport ends the execution at Ignored when the job says `ignore`.

use serde_json::json;

use super::chain::Stage;
use super::states;
use super::tasks::{lambda, path};
use crate::asl::{Choice, ChoiceRule, Condition, StateMachineBuilder, Succeed, Task};
use crate::error::AslError;
use contract::JobAction;

/// Normalize → ShouldExport (→ Ignored).
pub(super) struct Normalize;

impl Stage for Normalize {
    fn entry(&self) -> &'static str {
        states::NORMALIZE
    }

    fn summary(&self) -> &'static str {
        "RDS snapshot"
    }

    fn render(&self, next: &str, machine: &mut StateMachineBuilder) -> Result<(), AslError> {
        machine
            .state(states::NORMALIZE, normalize()?)
            .state(states::SHOULD_EXPORT, should_export(next)?)
            .state(states::IGNORED, Succeed::default());
        Ok(())
    }
}

/// The ResultSelector wraps the job and the default ResultPath `$` replaces the raw event
/// with it, so the state document never carries the event around.
fn normalize() -> Result<Task, AslError> {
    Ok(lambda(states::NORMALIZE, states::SHOULD_EXPORT)?.result_selector(json!({"job.$": "$"})))
}

fn should_export(next: &str) -> Result<Choice, AslError> {
    Ok(Choice::new(vec![ChoiceRule::new(
        Condition::string_equals(path("$.job.action")?, JobAction::Ignore.as_str()),
        states::IGNORED,
    )])
    .default(next))
}

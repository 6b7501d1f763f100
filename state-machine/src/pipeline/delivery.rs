//! Per-source delivery (`delivery = "per-source"`, many prod accounts): each source says
//! how its exports reach the analytics account, so the graph chooses at run time.
//!
//! `DeliveryMode` (a Choice on `$.job.delivery`, written by Normalize from the source)
//! goes to the CopyObjects loop for `copy`, else to the RewriteAcl loop (share-key), or
//! straight on when `[acl]` is off. Each loop renders itself as in a single-delivery graph
//! and both go on to the same next stage (the catalog), so the stages after delivery do not
//! know which way an export came.

use contract::DeliveryMode;

use super::chain::Stage;
use super::paged::PagedTask;
use super::states;
use super::tasks::path;
use crate::asl::{Choice, ChoiceRule, Condition, StateMachineBuilder};
use crate::config::PipelineConfig;
use crate::error::AslError;

/// `DeliveryMode` → RewriteAcl… | CopyObjects…, joining at the next stage.
pub(super) struct PerSourceDelivery {
    acl: Option<PagedTask>,
    copy: PagedTask,
}

impl PerSourceDelivery {
    pub(super) fn new(config: &PipelineConfig) -> Self {
        Self {
            acl: config.acl.enabled.then(PagedTask::rewrite_acl),
            copy: PagedTask::copy_objects(),
        }
    }
}

impl Stage for PerSourceDelivery {
    fn entry(&self) -> &'static str {
        states::DELIVERY_MODE
    }

    fn summary(&self) -> &'static str {
        "per-source delivery (object ACLs or copy into the analytics bucket)"
    }

    fn render(&self, next: &str, machine: &mut StateMachineBuilder) -> Result<(), AslError> {
        let share_key: &str = match &self.acl {
            Some(acl) => acl.entry(),
            None => next,
        };
        let choice = Choice::new(vec![ChoiceRule::new(
            Condition::string_equals(path("$.job.delivery")?, DeliveryMode::Copy.as_str()),
            self.copy.entry(),
        )])
        .default(share_key);
        machine.state(states::DELIVERY_MODE, choice);
        if let Some(acl) = &self.acl {
            acl.render(next, machine)?;
        }
        self.copy.render(next, machine)
    }
}

//! The paged task: one Task called again and again until it says it is done, for the steps
//! that walk a whole export (RewriteAcl, CopyObjects, CatalogTables).
//!
//! The Task takes the whole state (its own result is absent on the first call) and puts
//! its result at `$.<key>`; the Done choice loops back to it until `$.<key>.done`. Each
//! call does what fits in one Lambda invocation and records where it stopped, so a redrive
//! (or a duplicate execution) resumes after the last page it completed.

use super::chain::Stage;
use super::states;
use super::tasks::{lambda, path, result_path};
use crate::asl::{Choice, ChoiceRule, Condition, StateMachineBuilder};
use crate::error::AslError;

/// `<Task> → <Done>`, looping until `$.<key>.done`.
pub(super) struct PagedTask {
    task: &'static str,
    done: &'static str,
    key: &'static str,
    summary: &'static str,
}

impl PagedTask {
    /// RewriteAcl / AclDone (`$.acl`): gives the bucket owner every exported object.
    pub(super) const fn rewrite_acl() -> Self {
        Self {
            task: states::REWRITE_ACL,
            done: states::ACL_DONE,
            key: "acl",
            summary: "object ACLs",
        }
    }

    /// CopyObjects / CopyDone (`$.copy`): copies the export into the analytics bucket,
    /// never an object twice.
    pub(super) const fn copy_objects() -> Self {
        Self {
            task: states::COPY_OBJECTS,
            done: states::COPY_DONE,
            key: "copy",
            summary: "copy into the analytics bucket",
        }
    }

    /// CatalogTables / CatalogDone (`$.catalog`): catalogs every exported table.
    pub(super) const fn catalog_tables() -> Self {
        Self {
            task: states::CATALOG_TABLES,
            done: states::CATALOG_DONE,
            key: "catalog",
            summary: "Glue tables",
        }
    }
}

impl Stage for PagedTask {
    fn entry(&self) -> &'static str {
        self.task
    }

    fn summary(&self) -> &'static str {
        self.summary
    }

    fn render(&self, next: &str, machine: &mut StateMachineBuilder) -> Result<(), AslError> {
        let at = format!("$.{}", self.key);
        let task = lambda(self.task, self.done)?.result_path(result_path(&at)?);
        let done = Choice::new(vec![ChoiceRule::new(
            Condition::boolean_equals(path(&format!("{at}.done"))?, true),
            next,
        )])
        .default(self.task);
        machine.state(self.task, task).state(self.done, done);
        Ok(())
    }
}

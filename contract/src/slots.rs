//! Export slots (`[export] slots = true`): the payloads of AcquireExportSlot (a callback
//! Task) and ReleaseExportSlot, the small state the graph keeps at `$.slot`, and what the
//! `export-slots` function did with a rule's event.
//!
//! RDS runs at most [`EXPORT_SLOTS_PER_ACCOUNT`] exports per account and Region. The
//! `export-slots` function keeps a ledger of them per (account, Region) in DynamoDB and
//! parks an execution that finds no free slot (its task token stored, no Lambda running)
//! until a slot frees; docs/scheduling.md has the design and its failure modes.

use serde::{Deserialize, Serialize};

use crate::Job;

/// Concurrent exports RDS allows per account and Region (past it StartExportTask fails
/// with `ExportTaskLimitReachedFault`).
pub const EXPORT_SLOTS_PER_ACCOUNT: u32 = 5;

/// AcquireExportSlot's payload (`lambda:invoke.waitForTaskToken`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcquireExportSlotInput {
    /// The job Normalize produced.
    pub job: Job,
    /// `$$.Task.Token`: new at every entry of the state (a redrive's too).
    pub task_token: String,
    /// `$$.Execution.Id` (the execution ARN): the holder and the snapshot lock name it.
    pub execution_id: String,
    /// `$$.Execution.RedriveCount`: 0 before any redrive.
    #[serde(default)]
    pub redrive_count: u32,
}

/// ReleaseExportSlot's payload (a plain Task, after the export is COMPLETE).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseExportSlotInput {
    /// The job Normalize produced.
    pub job: Job,
    /// `$$.Execution.Id`: only this execution's holder is released.
    pub execution_id: String,
    /// `$$.Execution.RedriveCount`: 0 before any redrive.
    #[serde(default)]
    pub redrive_count: u32,
}

/// The slot as the graph keeps it at `$.slot` (AcquireExportSlot's token output, then
/// ReleaseExportSlot's output). Small whatever the queue.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotState {
    /// The ledger's account (the snapshot ARN's).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub account: String,
    /// The ledger's Region (the snapshot ARN's).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub region: String,
    /// When the slot was granted, seconds since the epoch (0 before).
    #[serde(default)]
    pub acquired_at: i64,
    /// Seconds parked before the slot was granted.
    #[serde(default)]
    pub waited_seconds: i64,
    /// The place in the queue when parked (1 = next), for the logs and the CLI; absent
    /// once granted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<u32>,
    /// Set when another execution of the same snapshot is running: its ARN. The graph ends
    /// at `JoinedRunningExecution` without exporting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub joined: Option<String>,
    /// When ReleaseExportSlot released it, seconds since the epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub released_at: Option<i64>,
}

/// What `export-slots` did with one event (a status change, the sweep) or a release: its
/// output, read by the logs and tests (EventBridge ignores it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotEventOutcome {
    /// Why nothing was done (not an event the function acts on), if so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ignored: Option<String>,
    /// Ledgers looked at.
    pub ledgers: u32,
    /// Holders released.
    pub released: u32,
    /// Parked executions handed a slot (tokens sent).
    pub woken: u32,
    /// Tokens Step Functions no longer knew (their waiter removed).
    pub stale: u32,
    /// Executions still parked afterwards.
    pub waiting: u32,
}

#[cfg(test)]
mod tests;

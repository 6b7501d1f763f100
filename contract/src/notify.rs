//! Notify's payloads: the state document it reports on and the notification it sent.

use serde::{Deserialize, Serialize};

use crate::{AclState, CrawlerState, ExportState, Job};

/// An error caught by a Catch (`ResultPath: "$.error"`) or built by a failure Pass state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaughtError {
    /// The error name (`InvalidInput`, `ExportFailed`, ...).
    #[serde(rename = "Error")]
    pub error: String,
    /// What happened and what to fix.
    #[serde(rename = "Cause", default)]
    pub cause: String,
}

/// The whole state document, every part optional: what Notify reads.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PipelineState {
    /// From Normalize.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job: Option<Job>,
    /// From StartExport / CheckExport.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub export: Option<ExportState>,
    /// From RewriteAcl.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acl: Option<AclState>,
    /// From StartCrawler / CheckCrawler.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crawler: Option<CrawlerState>,
    /// The caught error on the failure path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<CaughtError>,
}

/// How the execution ended, as the Notify states tell the notify function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Outcome {
    /// Exported, ACLs rewritten, crawled.
    Succeeded,
    /// Something failed; `state.error` says what.
    Failed,
}

impl Outcome {
    /// The exact string the graph's Notify states pass as `outcome`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Succeeded => "SUCCEEDED",
            Self::Failed => "FAILED",
        }
    }
}

/// Notify's input (Parameters `{"outcome": "...", "execution_id.$": "$$.Execution.Id",
/// "execution_started_at.$": "$$.Execution.StartTime", "state.$": "$"}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotifyInput {
    /// Success or failure.
    pub outcome: Outcome,
    /// The execution ARN.
    pub execution_id: String,
    /// The execution's start time (ISO 8601, from the context object).
    pub execution_started_at: String,
    /// The state document at this point.
    pub state: PipelineState,
}

/// Notify's output, kept at `$.notification`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotifyOutput {
    /// False when no bus is configured (nothing was sent).
    pub sent: bool,
    /// The detail-type sent (`Snapshot Export Succeeded` / `Snapshot Export Failed`).
    pub detail_type: String,
    /// The EventBridge event id, when sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
}

/// Detail-type of the success notification.
pub const DETAIL_TYPE_SUCCEEDED: &str = "Snapshot Export Succeeded";

/// Detail-type of the failure notification.
pub const DETAIL_TYPE_FAILED: &str = "Snapshot Export Failed";

//! Notify's payloads: the state document it reports on, the two requests it answers (the
//! graph's NotifySuccess, and the EventBridge "Step Functions Execution Status Change"
//! event of a failed execution), and the notification it sent.

use serde::{Deserialize, Deserializer, Serialize};

use crate::{AclState, CatalogState, CopyState, CrawlerState, ExportState, Job};

/// The whole state document, every part optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PipelineState {
    /// From Normalize.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job: Option<Job>,
    /// From StartExport / CheckExport.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub export: Option<ExportState>,
    /// From RewriteAcl (share-key delivery).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acl: Option<AclState>,
    /// From CopyObjects (copy delivery).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copy: Option<CopyState>,
    /// From CatalogTables.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub catalog: Option<CatalogState>,
    /// From StartCrawler / CheckCrawler.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crawler: Option<CrawlerState>,
}

/// NotifySuccess's input (Parameters `{"execution_id.$": "$$.Execution.Id",
/// "execution_started_at.$": "$$.Execution.StartTime", "redrive_count.$":
/// "$$.Execution.RedriveCount", "state.$": "$"}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotifyInput {
    /// The execution ARN.
    pub execution_id: String,
    /// The execution's start time (ISO 8601, from the context object).
    pub execution_started_at: String,
    /// `$$.Execution.RedriveCount`: with the execution ARN, lets a consumer drop a
    /// duplicate notification.
    #[serde(default)]
    pub redrive_count: u32,
    /// The state document at this point.
    pub state: PipelineState,
}

/// Source of the Step Functions events on the default bus: what tells a status change
/// from a NotifySuccess input.
pub(crate) const STATES_EVENT_SOURCE: &str = "aws.states";

/// The EventBridge event a rule on this state machine's FAILED, TIMED_OUT and ABORTED
/// executions sends to Notify (fields as AWS documents them; unknown ones ignored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecutionStatusChange {
    /// `aws.states`.
    pub source: String,
    /// `Step Functions Execution Status Change`.
    #[serde(rename = "detail-type")]
    pub detail_type: String,
    /// The Region the execution ran in.
    #[serde(default)]
    pub region: String,
    /// The execution.
    pub detail: ExecutionStatusDetail,
}

/// The `detail` of [`ExecutionStatusChange`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecutionStatusDetail {
    /// The execution ARN.
    pub execution_arn: String,
    /// RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED, PENDING_REDRIVE.
    pub status: String,
    /// The execution's input as a JSON string (the raw RDS event or the manual input).
    #[serde(default)]
    pub input: Option<String>,
    /// The execution's error (the failed task's error name).
    #[serde(default)]
    pub error: Option<String>,
    /// The execution's cause.
    #[serde(default)]
    pub cause: Option<String>,
    /// Redrives so far.
    #[serde(default)]
    pub redrive_count: Option<u32>,
    /// REDRIVABLE, NOT_REDRIVABLE or REDRIVABLE_BY_MAP_RUN, when the event says.
    #[serde(default)]
    pub redrive_status: Option<String>,
    /// Epoch milliseconds.
    #[serde(default)]
    pub start_date: Option<i64>,
    /// Epoch milliseconds.
    #[serde(default)]
    pub stop_date: Option<i64>,
}

/// What the notify function is asked to do.
// One value per invocation, deserialized once: its size does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum NotifyRequest {
    /// The graph's NotifySuccess.
    Success(NotifyInput),
    /// A failed, timed-out or aborted execution, from the status-change rule.
    Failure(ExecutionStatusChange),
}

impl<'de> Deserialize<'de> for NotifyRequest {
    /// An event whose `source` is `aws.states` is a status change; anything else must be a
    /// NotifySuccess input. (Not `untagged`: its errors would not say which field is wrong.)
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(deserializer)?;
        // A definition from before redrive support still has a NotifyFailure state sending
        // `"outcome": "FAILED"`: never publish that as a success (its graph catches the
        // error and fails; the status-change rule notifies the failure).
        if let Some(outcome) = value.get("outcome").and_then(|o| o.as_str())
            && outcome != "SUCCEEDED"
        {
            return Err(serde::de::Error::custom(format!(
                "outcome {outcome:?} comes from a NotifyFailure state of an older definition: \
                 failures are notified from the execution's status-change event now"
            )));
        }
        let result = if value.get("source").and_then(|s| s.as_str()) == Some(STATES_EVENT_SOURCE) {
            serde_json::from_value(value).map(Self::Failure)
        } else {
            serde_json::from_value(value).map(Self::Success)
        };
        result.map_err(serde::de::Error::custom)
    }
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

/// Detail-type of the event sent besides the success notification when an export changed
/// a column's type incompatibly (a new history generation was started).
pub const DETAIL_TYPE_SCHEMA_CHANGED: &str = "Snapshot Export Schema Changed";

/// Detail-type of the failure notification.
pub const DETAIL_TYPE_FAILED: &str = "Snapshot Export Failed";

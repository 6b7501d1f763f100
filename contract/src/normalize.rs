//! Normalize's payloads: the manual input an operator starts an execution with, and the
//! `Job` (`$.job`) every later task reads.

use serde::{Deserialize, Serialize};

/// What Normalize decided to do with its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobAction {
    /// Export the snapshot.
    Export,
    /// Nothing to do (filtered out, unrelated event); the execution ends in `Ignored`.
    Ignore,
}

impl JobAction {
    /// The exact string the graph's Choice compares `$.job.action` with.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Export => "export",
            Self::Ignore => "ignore",
        }
    }
}

/// The kind of snapshot being exported (from the ARN: `:snapshot:` or `:cluster-snapshot:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    /// An RDS DB instance snapshot.
    DbSnapshot,
    /// An Aurora DB cluster snapshot.
    ClusterSnapshot,
}

/// How the snapshot came to be, from the event id (or `rds:` prefix) when known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SnapshotType {
    /// Taken by a person or a tool (RDS-EVENT-0042, RDS-EVENT-0075).
    Manual,
    /// Taken by the automated backup window (RDS-EVENT-0091, RDS-EVENT-0169).
    Automated,
    /// A finished snapshot copy (RDS-EVENT-0197).
    Copy,
}

/// What started the execution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Trigger {
    /// An EventBridge RDS snapshot event.
    Event,
    /// A manual input `{"snapshot_arn": ...}` (console, CLI, re-run).
    Manual,
}

/// Manual execution input: what an operator (console, CLI) starts an execution with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManualInput {
    /// ARN of the DB snapshot or DB cluster snapshot to export.
    pub snapshot_arn: String,
    /// Optional ExportOnly list (`database`, `database.schema`, `database.schema.table`, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub export_only: Vec<String>,
}

/// Output of Normalize, kept at `$.job` for the rest of the execution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Job {
    /// Whether to export or to end in `Ignored`.
    pub action: JobAction,
    /// Why the input was ignored (set when `action` is `ignore`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ignore_reason: Option<String>,
    /// ARN of the snapshot to export.
    pub snapshot_arn: String,
    /// Instance or cluster snapshot.
    pub source_kind: SourceKind,
    /// The snapshot identifier (last ARN segment, e.g. `rds:orders-2026-11-24-03-10`).
    pub snapshot_id: String,
    /// The DB instance or cluster identifier, when the input says it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub db_identifier: Option<String>,
    /// Manual, automated or copy, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot_type: Option<SnapshotType>,
    /// Event or manual input.
    pub trigger: Trigger,
    /// The RDS event id (`RDS-EVENT-0091`) for event triggers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    /// Deterministic base export task id (at most [`EXPORT_TASK_ID_BASE_MAX_LEN`] chars).
    pub export_task_id: String,
    /// ExportOnly list; empty exports everything.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub export_only: Vec<String>,
    /// The snapshot's account (from the ARN). Empty only in a state written before
    /// many-account support (the functions then read the ARN).
    #[serde(default)]
    pub source_account: String,
    /// The snapshot's region (from the ARN); empty as `source_account`.
    #[serde(default)]
    pub source_region: String,
    /// The configured source's `name` (sources table); empty in single-account mode.
    #[serde(default)]
    pub source_name: String,
    /// How this export reaches the analytics account: the source's `delivery`, or the
    /// pipeline's in single-account mode. The graph's `DeliveryMode` Choice reads it when
    /// `delivery = "per-source"`.
    #[serde(default)]
    pub delivery: DeliveryMode,
}

/// How an export reaches the analytics account (`$.job.delivery`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DeliveryMode {
    /// RewriteAcl: the export stays where RDS wrote it, under the shared prod key.
    #[default]
    ShareKey,
    /// CopyObjects: copied from the prod staging bucket into the analytics bucket.
    Copy,
}

impl DeliveryMode {
    /// The exact string the graph's `DeliveryMode` Choice compares `$.job.delivery` with.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::ShareKey => "share-key",
            Self::Copy => "copy",
        }
    }

    /// Parses `share-key` / `copy`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "share-key" => Some(Self::ShareKey),
            "copy" => Some(Self::Copy),
            _ => None,
        }
    }
}

/// The snapshot ARN an execution input names, read back from a status-change event or an
/// execution's history: a manual input's `snapshot_arn`, else an RDS event's
/// `detail.SourceArn`, else its `resources[0]`. (Normalize validates the input; this only
/// reads it for reports.)
pub fn input_snapshot_arn(input: &serde_json::Value) -> Option<&str> {
    input["snapshot_arn"]
        .as_str()
        .or_else(|| input["detail"]["SourceArn"].as_str())
        .or_else(|| input["resources"][0].as_str())
}

//! ARNs, execution names and ages: parsing what the operator typed, and the deterministic
//! execution name of a manual start.

use contract::{SourceKind, export_id};

use crate::error::CliError;

/// Longest execution name Step Functions accepts.
pub(crate) const EXECUTION_NAME_MAX_LEN: usize = 80;
/// Suffix of re-run executions.
const RERUN_MARK: &str = "-rerun-";

/// A state machine ARN: `arn:<partition>:states:<region>:<account>:stateMachine:<name>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StateMachineArn {
    /// The whole ARN.
    pub(crate) arn: String,
    /// Everything before `:stateMachine:` (`arn:aws:states:<region>:<account>`).
    prefix: String,
    /// The machine's name.
    pub(crate) name: String,
}

impl StateMachineArn {
    /// Parses and checks the ARN's shape.
    pub(crate) fn parse(arn: &str) -> Result<Self, CliError> {
        let bad = || {
            CliError::invalid(
                "--state-machine-arn",
                arn,
                "a state machine ARN (arn:aws:states:<region>:<account>:stateMachine:<name>)",
            )
        };
        let parts = states_arn(arn, "stateMachine", 1).ok_or_else(bad)?;
        Ok(Self {
            arn: arn.to_owned(),
            prefix: parts[..5].join(":"),
            name: parts[6].to_owned(),
        })
    }

    /// The ARN of this machine's execution called `name`.
    pub(crate) fn execution_arn(&self, name: &str) -> String {
        format!("{}:execution:{}:{name}", self.prefix, self.name)
    }
}

/// An execution ARN: `arn:<partition>:states:<region>:<account>:execution:<machine>:<name>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ExecutionArn {
    /// The whole ARN.
    pub(crate) arn: String,
    /// The execution's name.
    pub(crate) name: String,
}

impl ExecutionArn {
    /// Parses and checks the ARN's shape.
    pub(crate) fn parse(arn: &str) -> Result<Self, CliError> {
        let parts = states_arn(arn, "execution", 2).ok_or_else(|| {
            CliError::invalid(
                "EXECUTION_ARN",
                arn,
                "an execution ARN (arn:aws:states:<region>:<account>:execution:<machine>:<name>)",
            )
        })?;
        Ok(Self {
            arn: arn.to_owned(),
            name: parts[7].to_owned(),
        })
    }
}

/// The `:`-separated parts of a Step Functions ARN of `resource` with `names` parts after
/// it (`arn:<partition>:states:<region>:<account>:<resource>:<name>...`), every part
/// non-empty; `None` for any other shape.
fn states_arn<'a>(arn: &'a str, resource: &str, names: usize) -> Option<Vec<&'a str>> {
    let parts: Vec<&str> = arn.split(':').collect();
    let well_formed = parts.len() == 6 + names
        && parts[0] == "arn"
        && parts[2] == "states"
        && parts[5] == resource
        && parts.iter().all(|p| !p.is_empty());
    well_formed.then_some(parts)
}

/// The parts of a snapshot ARN the CLI needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SnapshotArn {
    /// The whole ARN.
    pub(crate) arn: String,
    /// Instance or cluster snapshot.
    pub(crate) kind: SourceKind,
    /// The snapshot identifier (`rds:orders-2026-11-24-03-10` for automated ones).
    pub(crate) snapshot_id: String,
}

impl SnapshotArn {
    /// Parses `arn:<partition>:rds:<region>:<account>:snapshot|cluster-snapshot:<id>`.
    pub(crate) fn parse(arn: &str) -> Result<Self, CliError> {
        let parsed = export_id::parse_snapshot_arn(arn).map_err(|e| {
            CliError::invalid(
                "--snapshot-arn",
                arn,
                format!(
                    "an RDS snapshot ARN ({}; expected arn:aws:rds:<region>:<account>:snapshot:<id> or ...:cluster-snapshot:<id>)",
                    e.why
                ),
            )
        })?;
        Ok(Self {
            arn: arn.to_owned(),
            kind: parsed.kind,
            snapshot_id: parsed.snapshot_id,
        })
    }
}

/// The execution name of a manual start: the export task id the run will use (the
/// contract's deterministic id), so an operator finds the execution of an export by its
/// id and a second `start` of the same snapshot and ExportOnly list finds the first
/// execution. Only `[a-z0-9-]` and at most 56 characters: room for `-rerun-<n>` within the
/// 80 Step Functions allows.
pub(crate) fn start_execution_name(snapshot: &SnapshotArn, export_only: &[String]) -> String {
    export_id::export_task_id(&snapshot.arn, &snapshot.snapshot_id, export_only)
}

/// The name of the `n`th re-run of `original`: `<original>-rerun-<n>`, where a name that
/// is itself a re-run keeps its root (`x-rerun-1` → `x-rerun-2`), cut so it fits in 80.
pub(crate) fn rerun_name(original: &str, n: u32) -> String {
    let root = rerun_root(original);
    let suffix = format!("{RERUN_MARK}{n}");
    let keep = EXECUTION_NAME_MAX_LEN.saturating_sub(suffix.len());
    let cut: String = root.chars().take(keep).collect();
    format!("{cut}{suffix}")
}

/// `x` for `x-rerun-3`, the name itself otherwise.
fn rerun_root(name: &str) -> &str {
    match name.rfind(RERUN_MARK) {
        Some(at)
            if !name[at + RERUN_MARK.len()..].is_empty()
                && name[at + RERUN_MARK.len()..]
                    .bytes()
                    .all(|b| b.is_ascii_digit()) =>
        {
            &name[..at]
        }
        _ => name,
    }
}

/// Parses an age such as `90s`, `30m`, `12h`, `7d` or `2w` into seconds.
pub(crate) fn parse_age(flag: &'static str, text: &str) -> Result<i64, CliError> {
    let bad = || CliError::invalid(flag, text, "an age such as 30m, 12h, 7d or 2w");
    let split = text.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
    let (digits, unit) = text.split_at(split);
    let count: i64 = digits.parse().map_err(|_| bad())?;
    let unit_seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        "w" => 604_800,
        _ => return Err(bad()),
    };
    count.checked_mul(unit_seconds).ok_or_else(bad)
}

#[cfg(test)]
mod tests;

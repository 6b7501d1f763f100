//! Export task ids in the handlers: the contract's derivation, plus the checks that turn an
//! id taken from the input into a named error.
//!
//! The derivation itself (snapshot ARN → deterministic id) lives in
//! `contract::export_id`, shared with the operator CLI.

pub(crate) use contract::export_id::{
    SnapshotArn, attempt_id, export_task_id, is_valid_export_task_id,
};
use contract::{EXPORT_TASK_ID_BASE_MAX_LEN, EXPORT_TASK_ID_MAX_LEN};

use crate::error::TaskError;

/// Parses the input's snapshot ARN; a bad one is `InvalidInput` naming `snapshot_arn`.
pub(crate) fn parse_snapshot_arn(arn: &str) -> Result<SnapshotArn, TaskError> {
    contract::export_id::parse_snapshot_arn(arn)
        .map_err(|e| TaskError::InvalidInput(format!("snapshot_arn {e}")))
}

/// Checks a base export task id taken from the input (StartExport, RewriteAcl).
pub(crate) fn check_base_id(id: &str) -> Result<(), TaskError> {
    if is_valid_export_task_id(id, EXPORT_TASK_ID_BASE_MAX_LEN) {
        Ok(())
    } else {
        Err(TaskError::InvalidInput(format!(
            "job.export_task_id {id:?} is not a valid export task id (letter first, only \
             letters, digits and single hyphens, at most {EXPORT_TASK_ID_BASE_MAX_LEN} chars)"
        )))
    }
}

/// Checks an attempt's export task id taken from the input (CheckExport, RewriteAcl).
pub(crate) fn check_attempt_id(id: &str) -> Result<(), TaskError> {
    if is_valid_export_task_id(id, EXPORT_TASK_ID_MAX_LEN) {
        Ok(())
    } else {
        Err(TaskError::InvalidInput(format!(
            "export.export_task_id {id:?} is not a valid export task id (letter first, only \
             letters, digits and single hyphens, at most {EXPORT_TASK_ID_MAX_LEN} chars)"
        )))
    }
}

#[cfg(test)]
mod tests;

//! The only keys a function that walks an export may touch: `<prefix>/<export-id>/` of a
//! COMPLETE export in the configured bucket.
//!
//! RewriteAcl and CopyObjects take the whole state document as input; an input that names
//! another bucket, a wider prefix or an unfinished export is refused here, before any
//! request, so neither can ever touch a key outside the export prefix.

use contract::{ExportState, ExportStatus};

use crate::config::export_s3_prefix;
use crate::error::TaskError;
use crate::export_id::check_attempt_id;

/// The export's key prefix (`<prefix>/<export-id>/`, with the trailing slash) when
/// `export` is a COMPLETE export in `bucket` under `prefix`; `bucket_name` says which
/// configured bucket that is, for the error.
pub(crate) fn export_scope(
    export: &ExportState,
    bucket: &str,
    prefix: &str,
    bucket_name: &str,
) -> Result<String, TaskError> {
    if export.s3_bucket != bucket {
        return Err(TaskError::InvalidInput(format!(
            "export.s3_bucket {:?} is not {bucket_name} {bucket:?}: refusing to touch another bucket",
            export.s3_bucket
        )));
    }
    check_attempt_id(&export.export_task_id)?;
    let expected = export_s3_prefix(prefix, &export.export_task_id);
    if export.s3_prefix != expected {
        return Err(TaskError::InvalidInput(format!(
            "export.s3_prefix {:?} is not {expected:?} (EXPORT_PREFIX + export id): refusing to widen the scope",
            export.s3_prefix
        )));
    }
    if export.status != ExportStatus::Complete {
        return Err(TaskError::InvalidInput(format!(
            "export {} is {}, not COMPLETE: its objects are not all written yet",
            export.export_task_id,
            export.status.as_str()
        )));
    }
    Ok(format!("{expected}/"))
}

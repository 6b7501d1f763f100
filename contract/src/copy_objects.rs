//! CopyObjects's payloads (copy delivery): its input (the whole state document) and its
//! resumable progress at `$.copy`.

use serde::{Deserialize, Serialize};

use crate::{ExportState, Job};

/// CopyObjects's input: the whole state document (no Parameters), because `$.copy` is
/// absent on the first call and present on the following ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CopyObjectsInput {
    /// The job Normalize produced.
    pub job: Job,
    /// The completed export (in the prod staging bucket).
    pub export: ExportState,
    /// The previous CopyObjects output when looping (or after a redrive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copy: Option<CopyState>,
}

/// CopyObjects's output, kept at `$.copy`. Counts are cumulative across loop iterations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CopyState {
    /// The prod staging bucket the export was written to.
    pub source_bucket: String,
    /// The analytics bucket the copies go to, under the same keys.
    pub destination_bucket: String,
    /// Objects copied by this run.
    pub copied: u64,
    /// Objects whose copy was already there (same source ETag): not copied again.
    pub already_copied: u64,
    /// Bytes copied by this run.
    pub bytes_copied: u64,
    /// Objects over 5 GiB, copied with multipart UploadPartCopy.
    #[serde(default)]
    pub multipart: u64,
    /// CopyObjects invocations so far (one per loop iteration).
    #[serde(default)]
    pub invocations: u32,
    /// Last key done: the next call lists from after it. Absent when `done`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_after: Option<String>,
    /// True when every object under the export prefix has been copied.
    pub done: bool,
}

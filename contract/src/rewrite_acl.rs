//! RewriteAcl's payloads: its input (the whole state document) and its resumable progress
//! at `$.acl`.

use serde::{Deserialize, Serialize};

use crate::{ExportState, Job};

/// RewriteAcl's input: the whole state document (no Parameters), because `$.acl` is absent
/// on the first call and present on the following ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RewriteAclInput {
    /// The job Normalize produced.
    pub job: Job,
    /// The completed export.
    pub export: ExportState,
    /// The previous RewriteAcl output when looping.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acl: Option<AclState>,
}

/// RewriteAcl's output, kept at `$.acl`. Counts are cumulative across loop iterations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AclState {
    /// The bucket's object ownership (`BucketOwnerEnforced`, `BucketOwnerPreferred`,
    /// `ObjectWriter`, or `None` when no ownership controls are set).
    pub ownership: String,
    /// True when the bucket enforces bucket-owner ownership and no ACL was sent.
    pub skipped: bool,
    /// Objects whose ACL is now bucket-owner-full-control.
    pub rewritten: u64,
    /// Objects that could not be rewritten after retries (the task fails when non-zero).
    pub failed: u64,
    /// RewriteAcl invocations so far (one per loop iteration).
    #[serde(default)]
    pub invocations: u32,
    /// Last key done: the next call lists from after it. Absent when `done`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_after: Option<String>,
    /// True when every object under the export prefix has been handled.
    pub done: bool,
}

//! The polling policy: how long WaitForExport waits before the next CheckExport.
//!
//! Pure and deterministic (no clock, no I/O) so it can be unit-tested and simulated.
//! PLACEHOLDER: a fixed interval clamped to the bounds; the adaptive policy replaces it.

use state_machine::contract::{ExportStatus, PollPolicy, ProgressSample};

/// Seconds to wait before the next DescribeExportTasks, given what the last one showed.
///
/// `progress` holds the recent samples, oldest first, the last one being the observation
/// just made at `now`; `started_at` is when the pipeline started or adopted the export.
pub fn next_poll_seconds(
    policy: &PollPolicy,
    status: ExportStatus,
    progress: &[ProgressSample],
    started_at: i64,
    now: i64,
) -> u32 {
    let _ = (status, progress, started_at, now);
    60u32.clamp(policy.min_poll_seconds, policy.max_poll_seconds)
}

//! What StartExport and CheckExport read from an RDS export task, and how it becomes
//! the contract's [`ExportState`].
//!
//! `StartExportTask` and `DescribeExportTasks` answer with different SDK types holding the
//! same fields; [`TaskView`] is the one shape both handlers work on.

use contract::{
    ExportState, ExportStatus, MAX_PROGRESS_SAMPLES, MAX_WARNING_CHARS, MAX_WARNINGS, PollPolicy,
    ProgressSample,
};
use serde_json::Value;

use crate::error::TaskError;
use crate::sdk_error::{classify, code_is};

/// The fields of an export task the pipeline uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct TaskView {
    pub(crate) id: String,
    pub(crate) source_arn: Option<String>,
    pub(crate) status: Option<String>,
    pub(crate) percent: Option<i32>,
    pub(crate) total_gb: Option<i32>,
    pub(crate) failure_cause: Option<String>,
    pub(crate) warning_message: Option<String>,
    pub(crate) s3_bucket: Option<String>,
    pub(crate) s3_prefix: Option<String>,
    pub(crate) snapshot_time: Option<i64>,
}

impl TaskView {
    pub(crate) fn from_task(t: &aws_sdk_rds::types::ExportTask) -> Self {
        Self {
            id: t.export_task_identifier().unwrap_or_default().to_owned(),
            source_arn: t.source_arn().map(str::to_owned),
            status: t.status().map(str::to_owned),
            percent: t.percent_progress(),
            total_gb: t.total_extracted_data_in_gb(),
            failure_cause: t.failure_cause().map(str::to_owned),
            warning_message: t.warning_message().map(str::to_owned),
            s3_bucket: t.s3_bucket().map(str::to_owned),
            s3_prefix: t.s3_prefix().map(str::to_owned),
            snapshot_time: t.snapshot_time().map(|d| d.secs()),
        }
    }

    pub(crate) fn from_start(
        t: &aws_sdk_rds::operation::start_export_task::StartExportTaskOutput,
    ) -> Self {
        Self {
            id: t.export_task_identifier().unwrap_or_default().to_owned(),
            source_arn: t.source_arn().map(str::to_owned),
            status: t.status().map(str::to_owned),
            percent: t.percent_progress(),
            total_gb: t.total_extracted_data_in_gb(),
            failure_cause: t.failure_cause().map(str::to_owned),
            warning_message: t.warning_message().map(str::to_owned),
            s3_bucket: t.s3_bucket().map(str::to_owned),
            s3_prefix: t.s3_prefix().map(str::to_owned),
            snapshot_time: t.snapshot_time().map(|d| d.secs()),
        }
    }

    /// The status, or `AwsError` when RDS sent one we do not know.
    pub(crate) fn parsed_status(
        &self,
        default: Option<ExportStatus>,
    ) -> Result<ExportStatus, TaskError> {
        match self.status.as_deref() {
            Some(s) => ExportStatus::parse(s).ok_or_else(|| TaskError::Aws {
                operation: "rds:DescribeExportTasks".into(),
                code: "UnknownExportStatus".into(),
                message: format!(
                    "export task {} has status {s:?}, which this version does not know",
                    self.id
                ),
            }),
            None => default.ok_or_else(|| TaskError::Aws {
                operation: "rds:DescribeExportTasks".into(),
                code: "MissingExportStatus".into(),
                message: format!("export task {} has no status", self.id),
            }),
        }
    }

    pub(crate) fn percent_u8(&self) -> u8 {
        u8::try_from(self.percent.unwrap_or(0).clamp(0, 100)).unwrap_or(0)
    }
}

/// DescribeExportTasks for one id; `None` when RDS does not know it.
pub(crate) async fn describe(
    rds: &aws_sdk_rds::Client,
    id: &str,
) -> Result<Option<TaskView>, TaskError> {
    match rds
        .describe_export_tasks()
        .export_task_identifier(id)
        .send()
        .await
    {
        Ok(out) => Ok(out
            .export_tasks()
            .iter()
            .find(|t| t.export_task_identifier() == Some(id))
            .map(TaskView::from_task)),
        Err(e) if code_is(crate::sdk_error::code(&e), "ExportTaskNotFound") => Ok(None),
        Err(e) => Err(classify("rds:DescribeExportTasks", &e)),
    }
}

/// The messages of RDS's WarningMessage (a JSON document); the raw text when it is not JSON
/// or has no message in it.
pub(crate) fn parse_warnings(raw: Option<&str>) -> Vec<String> {
    let Some(raw) = raw.map(str::trim).filter(|r| !r.is_empty()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Ok(value) = serde_json::from_str::<Value>(raw) {
        collect_messages(&value, &mut out);
    }
    if out.is_empty() {
        vec![raw.to_owned()]
    } else {
        out
    }
}

/// At most [`MAX_WARNINGS`] warnings of at most [`MAX_WARNING_CHARS`] characters each
/// (a longer one is cut and ends with `…`): the state and the notification stay bounded
/// however many tables RDS skipped; `warnings_total` keeps the count.
pub(crate) fn cap_warnings(warnings: Vec<String>) -> Vec<String> {
    warnings
        .into_iter()
        .take(MAX_WARNINGS)
        .map(|w| {
            if w.chars().count() <= MAX_WARNING_CHARS {
                w
            } else {
                let mut cut: String = w.chars().take(MAX_WARNING_CHARS - 1).collect();
                cut.push('…');
                cut
            }
        })
        .collect()
}

fn collect_messages(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) if !s.trim().is_empty() => out.push(s.trim().to_owned()),
        Value::Array(items) => items.iter().for_each(|v| collect_messages(v, out)),
        Value::Object(map) => {
            let message = map
                .iter()
                .find(|(k, v)| k.to_ascii_lowercase().contains("message") && v.is_string())
                .and_then(|(_, v)| v.as_str());
            match message {
                Some(m) if !m.trim().is_empty() => out.push(m.trim().to_owned()),
                _ => map.values().for_each(|v| collect_messages(v, out)),
            }
        }
        _ => {}
    }
}

/// The FailureCause to keep: RDS's, or a non-empty fallback once the task is FAILED or
/// CANCELED (the graph's failure path reads it), empty before.
pub(crate) fn failure_cause(view: &TaskView, status: ExportStatus) -> String {
    let given = view
        .failure_cause
        .as_deref()
        .map(str::trim)
        .unwrap_or_default();
    match status {
        ExportStatus::Failed | ExportStatus::Canceled if given.is_empty() => format!(
            "export task {} ended {}; RDS gave no FailureCause",
            view.id,
            status.as_str()
        ),
        ExportStatus::Failed | ExportStatus::Canceled => given.to_owned(),
        _ => String::new(),
    }
}

/// Updates `state` with what `view` shows at `now`: status, progress (bounded), counts, and
/// the next wait from the polling policy.
pub(crate) fn observe(
    state: &mut ExportState,
    view: &TaskView,
    status: ExportStatus,
    policy: &PollPolicy,
    now: i64,
) {
    state.status = status;
    state.percent_progress = view.percent_u8();
    state.total_extracted_gb = view.total_gb.map(i64::from);
    state.failure_cause = failure_cause(view, status);
    let warnings = parse_warnings(view.warning_message.as_deref());
    state.warnings_total = u32::try_from(warnings.len()).unwrap_or(u32::MAX);
    state.warnings = cap_warnings(warnings);
    if view.snapshot_time.is_some() {
        state.snapshot_time = view.snapshot_time;
    }
    state.progress.push(ProgressSample {
        at: now,
        percent: state.percent_progress,
    });
    if state.progress.len() > MAX_PROGRESS_SAMPLES {
        let excess = state.progress.len() - MAX_PROGRESS_SAMPLES;
        state.progress.drain(..excess);
    }
    // The wait (and its deadline) runs from the start, or from the redrive that restarted it.
    let wait_from = state.started_at.max(state.wait_started_at);
    state.next_poll_seconds = crate::polling::next_poll_seconds(
        policy,
        status,
        &state.progress,
        wait_from,
        now,
        state.checks,
    );
}

#[cfg(test)]
mod tests;

/// The statuses of an export RDS still runs, as DescribeExportTasks' `status` filter takes
/// them (lower case, unlike the statuses it returns).
const RUNNING_STATUS_FILTER: [&str; 3] = ["starting", "in_progress", "canceling"];

/// The export tasks RDS still runs in `rds`'s account and Region: one DescribeExportTasks
/// filtered on the running statuses (RDS runs at most 5 exports per account, so one page
/// holds them all). The statuses are checked here too, so a task the answer shows ended (a
/// service that ignores the filter) is not taken for running. Shared by the export-events
/// sweep (by task id) and the export-slot ledger (by source ARN).
pub(crate) async fn running_export_tasks(
    rds: &aws_sdk_rds::Client,
) -> Result<Vec<aws_sdk_rds::types::ExportTask>, TaskError> {
    let filter = aws_sdk_rds::types::Filter::builder()
        .name("status")
        .set_values(Some(
            RUNNING_STATUS_FILTER
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
        ))
        .build();
    let answer = rds
        .describe_export_tasks()
        .filters(filter)
        .send()
        .await
        .map_err(|e| classify("rds:DescribeExportTasks", &e))?;
    Ok(answer
        .export_tasks()
        .iter()
        .filter(|t| {
            !t.status()
                .and_then(ExportStatus::parse)
                .is_some_and(ExportStatus::is_terminal)
        })
        .cloned()
        .collect())
}

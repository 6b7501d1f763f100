//! Notify: publishes the execution's outcome to an EventBridge bus.
//!
//! Two requests reach it: the graph's NotifySuccess (the state document), and the
//! EventBridge "Step Functions Execution Status Change" event of an execution that FAILED,
//! TIMED_OUT or was ABORTED (a rule on this state machine; the graph has no failure path,
//! since a task error fails the execution at that task so Redrive can re-run it). The
//! event carries what an operator or a downstream job needs without opening the console:
//! the snapshot, the export id, the S3 location and counts on success; on failure the
//! failed state (read from the execution's history), the error and cause, whether a
//! redrive can finish it, and a console link. Every notification names the execution ARN
//! and its redrive count, so a consumer can drop a duplicate. No bus configured means
//! nothing to send.

use aws_smithy_types::DateTime;
use aws_smithy_types::date_time::Format;
use contract::{
    DETAIL_TYPE_FAILED, DETAIL_TYPE_SCHEMA_CHANGED, DETAIL_TYPE_SUCCEEDED, ExecutionStatusChange,
    NotifyInput, NotifyOutput, NotifyRequest, SAMPLE_MAX, errors,
};
use serde_json::{Value, json};

use crate::aws::Aws;
use crate::config::{Env, NotifyConfig};
use crate::error::TaskError;
use contract::functions::{self, Function};

use crate::runtime::{Handler, Invocation};
use crate::sdk_error::classify;

/// History pages (of 100 events, newest first) read to find the failed state: a failed
/// task's retries add a few events each, so the state's Entered event is near the end.
const HISTORY_PAGES: usize = 5;

/// The success event's detail document.
pub(crate) fn success_detail(input: &NotifyInput, now: i64) -> Value {
    let s = &input.state;
    let job = s.job.as_ref();
    let export = s.export.as_ref();
    let copy = s.copy.as_ref();
    let started = DateTime::from_str(&input.execution_started_at, Format::DateTime)
        .ok()
        .map(|d| d.secs());
    json!({
        "outcome": "SUCCEEDED",
        "execution_arn": input.execution_id,
        "redrive_count": input.redrive_count,
        "snapshot_arn": job.map(|j| j.snapshot_arn.as_str()),
        "db_identifier": job.and_then(|j| j.db_identifier.as_deref()),
        "export_task_id": export.map(|e| e.export_task_id.as_str()).or(job.map(|j| j.export_task_id.as_str())),
        "export_attempt": export.map(|e| e.attempt),
        // Copy delivery: the data is read from the copy in the analytics bucket.
        "s3_location": export.map(|e| format!("s3://{}/{}/", copy.map_or(e.s3_bucket.as_str(), |c| c.destination_bucket.as_str()), e.s3_prefix)),
        "object_count": s.acl.as_ref().map(|a| a.rewritten).or(copy.map(|c| c.copied + c.already_copied)),
        "delivery": if copy.is_some() { "copy" } else { "share-key" },
        "staging_location": copy.and(export).map(|e| format!("s3://{}/{}/", e.s3_bucket, e.s3_prefix)),
        "objects_copied": copy.map(|c| c.copied),
        "objects_already_copied": copy.map(|c| c.already_copied),
        "bytes_copied": copy.map(|c| c.bytes_copied),
        "multipart_copies": copy.map(|c| c.multipart),
        "acl_skipped": s.acl.as_ref().map(|a| a.skipped),
        "export_percent": export.map(|e| e.percent_progress),
        "exported_gb": export.and_then(|e| e.total_extracted_gb),
        // At most MAX_WARNINGS of MAX_WARNING_CHARS each (capped where they are parsed).
        "export_warnings": export.map(|e| e.warnings.clone()).unwrap_or_default(),
        "export_warnings_total": export.map(|e| e.warnings_total),
        "execution_duration_seconds": started.map(|t| now.saturating_sub(t)),
        "export_duration_seconds": export.map(|e| now.saturating_sub(e.started_at)),
        "crawler_outcome": s.crawler.as_ref().map(|c| c.outcome.as_str()),
        // Catalog tables: the verdict, counts and a capped sample; the full lists are in the
        // report (report_uri), so the detail stays small whatever the export.
        "verdict": s.catalog.as_ref().map(|c| c.verdict.as_str()),
        "catalog": s.catalog.as_ref().map(|c| json!({
            "database": c.database,
            "tables_cataloged": c.cataloged,
            "latest_kept_newer": c.kept_newer,
            "tables_exported": c.tables_exported,
            "tables_empty": c.tables_empty,
            "tables_skipped": c.tables_skipped,
            "tables_failed": c.tables_failed,
            "tables_disappeared": c.tables_disappeared,
            "row_drops": c.row_drops,
            "rows_total": c.rows_total,
            "type_changes": c.type_changes,
            "schema_changes": c.schema_changes,
            "report_uri": c.report_uri,
            "problems": c.problems.iter().take(SAMPLE_MAX).collect::<Vec<_>>(),
        })),
    })
}

/// The `Snapshot Export Schema Changed` detail, when the catalog started new history
/// generations (`None` otherwise).
pub(crate) fn schema_changed_detail(input: &NotifyInput) -> Option<Value> {
    let s = &input.state;
    let catalog = s.catalog.as_ref().filter(|c| c.schema_changes > 0)?;
    Some(json!({
        "snapshot_arn": s.job.as_ref().map(|j| j.snapshot_arn.as_str()),
        "export_id": s.export.as_ref().map(|e| e.export_task_id.as_str()),
        "execution_id": input.execution_id,
        "schema_changes": catalog.schema_changes,
        "sample": catalog.schema_change_sample.iter().take(SAMPLE_MAX).collect::<Vec<_>>(),
        "report_uri": catalog.report_uri,
    }))
}

/// The state the execution failed at and the input it had there, from the history.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct FailedState {
    /// The last state entered.
    pub name: Option<String>,
    /// Its input (the state document at that point).
    pub input: Value,
}

/// Reads the execution's history, newest first, until the last state entered. Best effort:
/// the notification still goes out without it (the error is logged).
pub(crate) async fn failed_state(sfn: &aws_sdk_sfn::Client, execution_arn: &str) -> FailedState {
    let mut token = None;
    for _ in 0..HISTORY_PAGES {
        let page = sfn
            .get_execution_history()
            .execution_arn(execution_arn)
            .reverse_order(true)
            .max_results(100)
            .include_execution_data(true)
            .set_next_token(token)
            .send()
            .await;
        let page = match page {
            Ok(page) => page,
            Err(e) => {
                tracing::warn!(error = %classify("states:GetExecutionHistory", &e), "the failed state is unknown");
                return FailedState::default();
            }
        };
        if let Some(entered) = page
            .events()
            .iter()
            .find_map(|e| e.state_entered_event_details())
        {
            return FailedState {
                name: Some(entered.name().to_owned()),
                input: entered
                    .input()
                    .and_then(|i| serde_json::from_str(i).ok())
                    .unwrap_or(Value::Null),
            };
        }
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    FailedState::default()
}

/// The Step Functions console page of an execution.
pub(crate) fn console_url(execution_arn: &str) -> Option<String> {
    let mut parts = execution_arn.split(':');
    let (partition, region) = (parts.nth(1)?, parts.nth(1)?);
    let domain = match partition {
        "aws-cn" => format!("{region}.console.amazonaws.cn"),
        "aws-us-gov" => "console.amazonaws-us-gov.com".to_owned(),
        _ => format!("{region}.console.aws.amazon.com"),
    };
    Some(format!(
        "https://{domain}/states/home?region={region}#/v2/executions/details/{execution_arn}"
    ))
}

/// The failure event's detail document.
pub(crate) fn failure_detail(event: &ExecutionStatusChange, failed: &FailedState) -> Value {
    let d = &event.detail;
    let input: Value = d
        .input
        .as_deref()
        .and_then(|i| serde_json::from_str(i).ok())
        .unwrap_or(Value::Null);
    let state = &failed.input;
    let snapshot_arn = state["job"]["snapshot_arn"]
        .as_str()
        .or_else(|| contract::input_snapshot_arn(&input));
    let export_task_id = state["export"]["export_task_id"]
        .as_str()
        .or_else(|| state["job"]["export_task_id"].as_str());
    let redrivable = match d.redrive_status.as_deref() {
        Some(status) => status == "REDRIVABLE",
        None => matches!(d.status.as_str(), "FAILED" | "TIMED_OUT" | "ABORTED"),
    };
    json!({
        "outcome": "FAILED",
        "status": d.status,
        "execution_arn": d.execution_arn,
        "redrive_count": d.redrive_count.unwrap_or(0),
        "redrivable": redrivable,
        // Malformed input fails the same way on every redrive: a corrected execution is needed.
        "redrive_helps": redrivable && d.error.as_deref() != Some(errors::INVALID_INPUT),
        "failed_state": failed.name,
        "error": d.error,
        "cause": d.cause,
        "snapshot_arn": snapshot_arn,
        "export_task_id": export_task_id,
        "console_url": console_url(&d.execution_arn),
    })
}

/// Puts the events on the bus in one PutEvents request (or nothing without a bus); the
/// output names the first.
async fn publish(
    events: &aws_sdk_eventbridge::Client,
    cfg: &NotifyConfig,
    entries: &[(&str, &Value)],
    execution_arn: &str,
) -> Result<NotifyOutput, TaskError> {
    let detail_type = entries
        .first()
        .map(|(t, _)| (*t).to_owned())
        .unwrap_or_default();
    let Some(bus) = &cfg.event_bus_name else {
        tracing::info!("EVENT_BUS_NAME unset: no notification sent");
        return Ok(NotifyOutput {
            sent: false,
            detail_type,
            event_id: None,
        });
    };
    let entries: Vec<_> = entries
        .iter()
        .map(|(detail_type, detail)| {
            aws_sdk_eventbridge::types::PutEventsRequestEntry::builder()
                .event_bus_name(bus)
                .source(&cfg.event_source)
                .detail_type(*detail_type)
                .detail(detail.to_string())
                .set_resources(
                    Some(vec![execution_arn.to_owned()])
                        .filter(|_| execution_arn.starts_with("arn:")),
                )
                .build()
        })
        .collect();
    let out = events.put_events().set_entries(Some(entries)).send().await.map_err(|e| {
        TaskError::NotifyFailed(format!(
            "events:PutEvents to bus {bus} failed: {}; check EVENT_BUS_NAME and the function's events:PutEvents permission",
            classify("events:PutEvents", &e)
        ))
    })?;
    let first = out.entries().first();
    let rejected = out.entries().iter().find(|e| e.error_code().is_some());
    if out.failed_entry_count() > 0 || rejected.is_some() {
        return Err(TaskError::NotifyFailed(format!(
            "events:PutEvents to bus {bus} rejected the event: {} {}",
            rejected
                .and_then(|e| e.error_code())
                .unwrap_or("UnknownError"),
            rejected.and_then(|e| e.error_message()).unwrap_or_default()
        )));
    }
    let event_id = first.and_then(|e| e.event_id()).map(str::to_owned);
    tracing::info!(bus = %bus, detail_type = %detail_type, "notification sent");
    Ok(NotifyOutput {
        sent: true,
        detail_type,
        event_id,
    })
}

/// Sends the success or failure notification the request asks for.
pub(crate) async fn notify(
    events: &aws_sdk_eventbridge::Client,
    sfn: &aws_sdk_sfn::Client,
    cfg: &NotifyConfig,
    request: &NotifyRequest,
    now: i64,
) -> Result<NotifyOutput, TaskError> {
    match request {
        NotifyRequest::Success(input) => {
            let detail = success_detail(input, now);
            let schema = schema_changed_detail(input);
            let mut entries = vec![(DETAIL_TYPE_SUCCEEDED, &detail)];
            if let Some(schema) = &schema {
                entries.push((DETAIL_TYPE_SCHEMA_CHANGED, schema));
            }
            publish(events, cfg, &entries, &input.execution_id).await
        }
        NotifyRequest::Failure(event) => {
            let arn = &event.detail.execution_arn;
            if !matches!(
                event.detail.status.as_str(),
                "FAILED" | "TIMED_OUT" | "ABORTED"
            ) {
                return Err(TaskError::InvalidInput(format!(
                    "execution {arn} has status {:?}: only FAILED, TIMED_OUT and ABORTED executions are notified \
                     (check the status-change rule's pattern)",
                    event.detail.status
                )));
            }
            let failed = failed_state(sfn, arn).await;
            let detail = failure_detail(event, &failed);
            publish(events, cfg, &[(DETAIL_TYPE_FAILED, &detail)], arn).await
        }
    }
}

/// The `notify` function.
#[derive(Debug)]
pub struct NotifyHandler {
    cfg: NotifyConfig,
    aws: Aws,
}

impl Handler for NotifyHandler {
    const FUNCTION: &'static Function = &functions::NOTIFY;
    type Config = NotifyConfig;
    type Input = NotifyRequest;
    type Output = NotifyOutput;

    fn config(env: &Env) -> Result<NotifyConfig, TaskError> {
        NotifyConfig::from_env(env)
    }

    async fn init(cfg: NotifyConfig) -> Self {
        Self {
            cfg,
            aws: Aws::load(None).await,
        }
    }

    fn export_id(input: &NotifyRequest) -> Option<String> {
        match input {
            NotifyRequest::Success(input) => {
                input.state.job.as_ref().map(|j| j.export_task_id.clone())
            }
            NotifyRequest::Failure(_) => None,
        }
    }

    async fn handle(
        &self,
        input: NotifyRequest,
        invocation: Invocation,
    ) -> Result<NotifyOutput, TaskError> {
        notify(
            &self.aws.events,
            &self.aws.sfn,
            &self.cfg,
            &input,
            invocation.now,
        )
        .await
    }
}

#[cfg(test)]
mod tests;

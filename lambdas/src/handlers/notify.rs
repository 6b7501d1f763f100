//! Notify: publishes the execution's outcome to an EventBridge bus.
//!
//! The event carries what an operator or a downstream job needs without opening the
//! console: the snapshot, the S3 location, the object count, durations, and on failure
//! the error name and cause. No bus configured means nothing to send.

use aws_smithy_types::DateTime;
use aws_smithy_types::date_time::Format;
use contract::{DETAIL_TYPE_FAILED, DETAIL_TYPE_SUCCEEDED, NotifyInput, NotifyOutput, Outcome};
use serde_json::{Value, json};

use crate::aws::Aws;
use crate::config::{Env, NotifyConfig};
use crate::error::TaskError;
use contract::functions::{self, Function};

use crate::runtime::{Handler, Invocation};
use crate::sdk_error::classify;

/// The event's detail-type for an outcome.
pub fn detail_type(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Succeeded => DETAIL_TYPE_SUCCEEDED,
        Outcome::Failed => DETAIL_TYPE_FAILED,
    }
}

/// The event's detail document.
pub fn detail(input: &NotifyInput, now: i64) -> Value {
    let s = &input.state;
    let job = s.job.as_ref();
    let export = s.export.as_ref();
    let started = DateTime::from_str(&input.execution_started_at, Format::DateTime)
        .ok()
        .map(|d| d.secs());
    json!({
        "outcome": match input.outcome { Outcome::Succeeded => "SUCCEEDED", Outcome::Failed => "FAILED" },
        "execution_id": input.execution_id,
        "snapshot_arn": job.map(|j| j.snapshot_arn.as_str()),
        "db_identifier": job.and_then(|j| j.db_identifier.as_deref()),
        "export_task_id": export.map(|e| e.export_task_id.as_str()).or(job.map(|j| j.export_task_id.as_str())),
        "s3_location": export.map(|e| format!("s3://{}/{}/", e.s3_bucket, e.s3_prefix)),
        "object_count": s.acl.as_ref().map(|a| a.rewritten),
        "acl_skipped": s.acl.as_ref().map(|a| a.skipped),
        "export_percent": export.map(|e| e.percent_progress),
        "exported_gb": export.and_then(|e| e.total_extracted_gb),
        "export_warnings": export.map(|e| e.warnings.clone()).unwrap_or_default(),
        "execution_duration_seconds": started.map(|t| now.saturating_sub(t)),
        "export_duration_seconds": export.map(|e| now.saturating_sub(e.started_at)),
        "crawler_outcome": s.crawler.as_ref().map(|c| c.outcome.as_str()),
        "error": s.error.as_ref().map(|e| e.error.as_str()),
        "cause": s.error.as_ref().map(|e| e.cause.as_str()),
    })
}

/// Sends the notification (or nothing without a bus).
pub async fn notify(
    events: &aws_sdk_eventbridge::Client,
    cfg: &NotifyConfig,
    input: &NotifyInput,
    now: i64,
) -> Result<NotifyOutput, TaskError> {
    let detail_type = detail_type(input.outcome).to_owned();
    let Some(bus) = &cfg.event_bus_name else {
        tracing::info!("EVENT_BUS_NAME unset: no notification sent");
        return Ok(NotifyOutput {
            sent: false,
            detail_type,
            event_id: None,
        });
    };
    let entry = aws_sdk_eventbridge::types::PutEventsRequestEntry::builder()
        .event_bus_name(bus)
        .source(&cfg.event_source)
        .detail_type(&detail_type)
        .detail(detail(input, now).to_string())
        .set_resources(
            Some(vec![input.execution_id.clone()])
                .filter(|_| input.execution_id.starts_with("arn:")),
        )
        .build();
    let out = events.put_events().entries(entry).send().await.map_err(|e| {
        TaskError::NotifyFailed(format!(
            "events:PutEvents to bus {bus} failed: {}; check EVENT_BUS_NAME and the function's events:PutEvents permission",
            classify("events:PutEvents", &e)
        ))
    })?;
    let first = out.entries().first();
    if out.failed_entry_count() > 0 || first.and_then(|e| e.error_code()).is_some() {
        return Err(TaskError::NotifyFailed(format!(
            "events:PutEvents to bus {bus} rejected the event: {} {}",
            first.and_then(|e| e.error_code()).unwrap_or("UnknownError"),
            first.and_then(|e| e.error_message()).unwrap_or_default()
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

/// The `notify` function.
#[derive(Debug)]
pub struct NotifyHandler {
    cfg: NotifyConfig,
    aws: Aws,
}

impl Handler for NotifyHandler {
    const FUNCTION: &'static Function = &functions::NOTIFY;
    type Input = NotifyInput;
    type Output = NotifyOutput;

    async fn init(env: &Env) -> Result<Self, TaskError> {
        Ok(Self {
            cfg: NotifyConfig::from_env(env)?,
            aws: Aws::load(None).await,
        })
    }

    fn export_id(input: &NotifyInput) -> Option<String> {
        input.state.job.as_ref().map(|j| j.export_task_id.clone())
    }

    async fn handle(
        &self,
        input: NotifyInput,
        invocation: Invocation,
    ) -> Result<NotifyOutput, TaskError> {
        notify(&self.aws.events, &self.cfg, &input, invocation.now).await
    }
}

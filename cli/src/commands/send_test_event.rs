//! `send-test-event`: PutEvents of a synthetic RDS snapshot-created event, shaped like the
//! one RDS sends (source, detail-type, detail, resources), to try the event path end to end.
//!
//! AWS reserves `aws.*` sources: PutEvents answers such an entry with
//! NotAuthorizedForSourceException. Emulators accept it, so `aws.rds` stays the default; in
//! a real account pass `--source snapshot-export.test` and add the test rule described in
//! docs/operations.md, whose input transformer hands the state machine the event with
//! `"source": "aws.rds"`.

use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use contract::SourceKind;
use serde::Serialize;
use serde_json::json;

use crate::args::SendTestEventArgs;
use crate::aws::{Clients, now_epoch};
use crate::error::{CliError, one_line};
use crate::names::SnapshotArn;
use crate::output::{Report, Table};

/// detail-type of instance snapshot events.
pub(crate) const INSTANCE_DETAIL_TYPE: &str = "RDS DB Snapshot Event";
/// detail-type of cluster snapshot events.
pub(crate) const CLUSTER_DETAIL_TYPE: &str = "RDS DB Cluster Snapshot Event";

/// What was sent.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct SentEvent {
    /// The EventBridge event id.
    pub(crate) event_id: String,
    /// The bus.
    pub(crate) bus: String,
    /// The event's source.
    pub(crate) source: String,
    /// Its detail-type.
    pub(crate) detail_type: String,
    /// The RDS event id in the detail.
    pub(crate) rds_event_id: String,
    /// The snapshot.
    pub(crate) snapshot_arn: String,
}

impl Report for SentEvent {
    fn table(&self) -> String {
        let mut table = Table::new(&["EVENT ID", "BUS", "SOURCE", "DETAIL TYPE", "RDS EVENT"]);
        table.row(vec![
            self.event_id.clone(),
            self.bus.clone(),
            self.source.clone(),
            self.detail_type.clone(),
            self.rds_event_id.clone(),
        ]);
        table.render()
    }
}

/// The message RDS writes for a snapshot-created event id.
fn message_for(rds_event_id: &str) -> &'static str {
    match rds_event_id {
        "RDS-EVENT-0042" => "Manual snapshot created",
        "RDS-EVENT-0091" => "Automated snapshot created",
        "RDS-EVENT-0075" => "Manual cluster snapshot created",
        "RDS-EVENT-0169" => "Automated cluster snapshot created",
        "RDS-EVENT-0197" => "Finished copy of snapshot",
        _ => "Snapshot event (sent by snapshot-export send-test-event)",
    }
}

/// The event entry: detail-type by ARN type, the RDS detail fields, the ARN as resource.
pub(crate) fn entry(
    snapshot: &SnapshotArn,
    rds_event_id: &str,
    source: &str,
    bus: &str,
    date: &str,
) -> PutEventsRequestEntry {
    let (detail_type, source_type) = match snapshot.kind {
        SourceKind::DbSnapshot => (INSTANCE_DETAIL_TYPE, "SNAPSHOT"),
        SourceKind::ClusterSnapshot => (CLUSTER_DETAIL_TYPE, "CLUSTER_SNAPSHOT"),
    };
    let detail = json!({
        "EventCategories": ["creation"],
        "SourceType": source_type,
        "SourceArn": snapshot.arn,
        "Date": date,
        "Message": message_for(rds_event_id),
        "SourceIdentifier": snapshot.snapshot_id,
        "EventID": rds_event_id,
    });
    PutEventsRequestEntry::builder()
        .source(source)
        .detail_type(detail_type)
        .detail(detail.to_string())
        .resources(&snapshot.arn)
        .event_bus_name(bus)
        .build()
}

/// Sends the event.
pub(crate) async fn run(
    clients: &Clients,
    args: &SendTestEventArgs,
) -> Result<SentEvent, CliError> {
    let snapshot = SnapshotArn::parse(&args.snapshot_arn)?;
    let rds_event_id = match &args.event_id {
        Some(id) => id.clone(),
        None => match snapshot.kind {
            SourceKind::DbSnapshot => "RDS-EVENT-0042".to_owned(),
            SourceKind::ClusterSnapshot => "RDS-EVENT-0075".to_owned(),
        },
    };
    let well_formed = rds_event_id
        .strip_prefix("RDS-EVENT-")
        .is_some_and(|n| n.len() == 4 && n.bytes().all(|b| b.is_ascii_digit()));
    if !well_formed {
        return Err(CliError::invalid(
            "--event-id",
            &rds_event_id,
            "an RDS event id such as RDS-EVENT-0042",
        ));
    }
    if args.source.is_empty() {
        return Err(CliError::invalid(
            "--source",
            &args.source,
            "a non-empty event source",
        ));
    }
    let date = aws_smithy_types::DateTime::from_secs(now_epoch())
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .unwrap_or_default();
    let entry = entry(&snapshot, &rds_event_id, &args.source, &args.bus, &date);
    let detail_type = entry.detail_type().unwrap_or_default().to_owned();
    let out = clients
        .events
        .put_events()
        .entries(entry)
        .send()
        .await
        .map_err(|e| CliError::aws("PutEvents", &e))?;
    let result = out.entries().first();
    match result.and_then(|r| r.event_id()) {
        Some(event_id) if out.failed_entry_count() == 0 => Ok(SentEvent {
            event_id: event_id.to_owned(),
            bus: args.bus.clone(),
            source: args.source.clone(),
            detail_type,
            rds_event_id,
            snapshot_arn: snapshot.arn,
        }),
        _ => {
            let code = result
                .and_then(|r| r.error_code())
                .unwrap_or("unknown")
                .to_owned();
            let hint = if code == "NotAuthorizedForSourceException"
                || args.source.starts_with("aws.")
            {
                " (AWS reserves aws.* sources for its services: pass --source snapshot-export.test \
                 and use the test rule in docs/operations.md)"
                    .to_owned()
            } else {
                String::new()
            };
            Err(CliError::EventRejected {
                code,
                message: one_line(
                    result
                        .and_then(|r| r.error_message())
                        .unwrap_or("no message"),
                ),
                hint,
            })
        }
    }
}

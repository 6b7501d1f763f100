//! The inputs the unit tests (`crate::test_support`) and the moto tests
//! (`lambdas/tests/moto/`, through `#[path]`) both build: one job, its first StartCrawler
//! input, and the default polling policy.
//!
//! Written once here so a new field of a contract type is added in one place; it depends
//! on `contract` alone, so either test crate can compile it.

use contract::{
    Job, JobAction, PipelineState, PollPolicy, SnapshotType, SourceKind, StartCrawlerInput, Trigger,
};

/// The snapshot of [`job`].
pub(crate) const ARN: &str =
    "arn:aws:rds:us-east-1:111122223333:snapshot:rds:orders-2026-11-24-03-10";
/// The export id Normalize derives for [`ARN`].
pub(crate) const BASE_ID: &str = "rds-orders-2026-11-24-03-10-0a1b2c3d";

/// The job Normalize makes of an automated snapshot's event.
pub(crate) fn job() -> Job {
    Job {
        action: JobAction::Export,
        ignore_reason: None,
        snapshot_arn: ARN.into(),
        source_kind: SourceKind::DbSnapshot,
        snapshot_id: "rds:orders-2026-11-24-03-10".into(),
        db_identifier: Some("orders".into()),
        snapshot_type: Some(SnapshotType::Automated),
        trigger: Trigger::Event,
        event_id: Some("RDS-EVENT-0091".into()),
        export_task_id: BASE_ID.into(),
        export_only: vec![],
        source_account: "111122223333".into(),
        source_region: "us-east-1".into(),
        source_name: String::new(),
        delivery: contract::DeliveryMode::ShareKey,
    }
}

/// StartCrawler's first input: the state document after the export, no crawl yet.
pub(crate) fn first_crawl() -> StartCrawlerInput {
    StartCrawlerInput {
        state: PipelineState {
            job: Some(job()),
            ..Default::default()
        },
        redrive_count: 0,
    }
}

/// The default export polling policy (30 s to 30 min between polls, 24 h at most).
pub(crate) fn policy() -> PollPolicy {
    PollPolicy {
        min_poll_seconds: 30,
        max_poll_seconds: 1_800,
        max_wait_seconds: 86_400,
        max_polls: 2_400,
        events: false,
    }
}

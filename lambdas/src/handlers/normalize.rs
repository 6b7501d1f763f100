//! Normalize: turns an RDS snapshot event or a manual input into the pipeline's [`Job`].
//!
//! Events are filtered (`DB_IDENTIFIERS`, `SNAPSHOT_TYPES`); a manual input is an
//! operator's explicit request and is never filtered. The snapshot is looked up (with the
//! prod role when configured) to learn its DB identifier, and to fail early with
//! `SnapshotNotFound` instead of at StartExport.
//!
//! Many prod accounts (`SOURCES_TABLE`): a snapshot whose account is not in
//! `SOURCE_ACCOUNT_IDS` is refused with `SourceAccountNotConfigured` before any AWS call;
//! else its source (account and region) gives the role, filters, ExportOnly default and
//! delivery, and the job records the source's account, region and name.

use contract::{DeliveryMode, Job, JobAction, ManualInput, SnapshotType, SourceKind, Trigger};
use serde_json::Value;

use crate::aws::Aws;
use crate::config::{Env, NormalizeConfig, valid_export_only_entry};
use crate::error::TaskError;
use crate::export_id::{export_task_id, parse_snapshot_arn};
use crate::rds_event;
use contract::functions::{self, Function};

use crate::runtime::{Handler, Invocation};
use crate::sdk_error::{classify, code_is};
use crate::sources::check_listed;

const INSTANCE_DETAIL_TYPE: &str = "RDS DB Snapshot Event";
const CLUSTER_DETAIL_TYPE: &str = "RDS DB Cluster Snapshot Event";

/// The snapshot-created events we export, by detail-type kind and event number.
const EXPORTED_EVENTS: [(SourceKind, &str, SnapshotType); 5] = [
    (SourceKind::DbSnapshot, "0042", SnapshotType::Manual),
    (SourceKind::DbSnapshot, "0091", SnapshotType::Automated),
    (SourceKind::DbSnapshot, "0197", SnapshotType::Copy),
    (SourceKind::ClusterSnapshot, "0075", SnapshotType::Manual),
    (SourceKind::ClusterSnapshot, "0169", SnapshotType::Automated),
];

/// Normalize's decision before the snapshot lookup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    /// Nothing to do; the job says why.
    Ignore(Job),
    /// Look the snapshot up, then export (unless a DB identifier filter says otherwise).
    Export(Job),
}

impl Parsed {
    /// The job so far.
    pub fn job(&self) -> &Job {
        match self {
            Self::Ignore(job) | Self::Export(job) => job,
        }
    }
}

/// Parses and filters the raw input (no AWS call).
pub fn parse(cfg: &NormalizeConfig, input: &Value) -> Result<Parsed, TaskError> {
    parse_input(cfg, input).map_err(|e| match e {
        TaskError::InvalidInput(message) => {
            TaskError::InvalidInput(format!("{message}{NO_REDRIVE}"))
        }
        other => other,
    })
}

/// Said of every malformed input: a redrive re-runs Normalize with the same input.
pub(crate) const NO_REDRIVE: &str = ". A redrive cannot help (it re-runs Normalize with the same input): \
     start a new execution with a corrected input, e.g. `snapshot-export start --snapshot-arn ARN`";

fn parse_input(cfg: &NormalizeConfig, input: &Value) -> Result<Parsed, TaskError> {
    let Some(object) = input.as_object() else {
        return Err(TaskError::InvalidInput(
            "input must be a JSON object: an RDS snapshot event or {\"snapshot_arn\": ...}".into(),
        ));
    };
    if object.contains_key("source")
        || object.contains_key("detail-type")
        || object.contains_key("detail")
    {
        parse_event(cfg, input)
    } else {
        parse_manual(cfg, input)
    }
}

fn parse_manual(cfg: &NormalizeConfig, input: &Value) -> Result<Parsed, TaskError> {
    let manual: ManualInput = serde_json::from_value(input.clone()).map_err(|e| {
        TaskError::InvalidInput(format!(
            "manual input is invalid ({e}); expected {{\"snapshot_arn\": \"arn:aws:rds:...\", \"export_only\": [...]}}"
        ))
    })?;
    if let Some(bad) = manual
        .export_only
        .iter()
        .find(|e| !valid_export_only_entry(e))
    {
        return Err(TaskError::InvalidInput(format!(
            "export_only entry {bad:?} is invalid: expected database[.schema[.table]] of A-Z a-z 0-9 $ _"
        )));
    }
    let export_only = if manual.export_only.is_empty() {
        cfg.export_only.clone()
    } else {
        manual.export_only
    };
    let job = new_job(
        &manual.snapshot_arn,
        Trigger::Manual,
        None,
        None,
        export_only,
    )?;
    Ok(Parsed::Export(job))
}

fn parse_event(cfg: &NormalizeConfig, input: &Value) -> Result<Parsed, TaskError> {
    let field = |name: &str| input.get(name).and_then(Value::as_str);
    let source = field("source").ok_or_else(|| missing("source"))?;
    if source != "aws.rds" {
        return Err(TaskError::InvalidInput(format!(
            "event source {source:?} is not aws.rds"
        )));
    }
    let detail_type = field("detail-type").ok_or_else(|| missing("detail-type"))?;
    let kind = match detail_type {
        INSTANCE_DETAIL_TYPE => SourceKind::DbSnapshot,
        CLUSTER_DETAIL_TYPE => SourceKind::ClusterSnapshot,
        other => {
            return Err(TaskError::InvalidInput(format!(
                "detail-type {other:?} is not {INSTANCE_DETAIL_TYPE:?} or {CLUSTER_DETAIL_TYPE:?}"
            )));
        }
    };
    let detail = input
        .get("detail")
        .filter(|d| d.is_object())
        .ok_or_else(|| missing("detail"))?;
    let raw_event_id = detail
        .get("EventID")
        .and_then(Value::as_str)
        .ok_or_else(|| missing("detail.EventID"))?;
    let event_id = rds_event::event_id(raw_event_id).ok_or_else(|| {
        TaskError::InvalidInput(format!(
            "detail.EventID {raw_event_id:?} has no RDS-EVENT-<number>"
        ))
    })?;
    let number = rds_event::number(event_id);
    let arn = detail
        .get("SourceArn")
        .and_then(Value::as_str)
        .or_else(|| {
            input
                .get("resources")
                .and_then(|r| r.get(0))
                .and_then(Value::as_str)
        })
        .ok_or_else(|| missing("detail.SourceArn (or resources[0])"))?;

    let Some((_, _, snapshot_type)) = EXPORTED_EVENTS
        .iter()
        .find(|(k, n, _)| *k == kind && *n == number)
    else {
        let mut job = ignore_job(arn, kind, Trigger::Event, event_id);
        job.ignore_reason = Some(format!(
            "{event_id} in a {detail_type:?} is not a snapshot-created event"
        ));
        return Ok(Parsed::Ignore(job));
    };
    let job = new_job(
        arn,
        Trigger::Event,
        Some(event_id.to_owned()),
        Some(*snapshot_type),
        cfg.export_only.clone(),
    )?;
    if job.source_kind != kind {
        return Err(TaskError::InvalidInput(format!(
            "detail.SourceArn {arn:?} is a {:?} but the detail-type is {detail_type:?}",
            job.source_kind
        )));
    }
    if let Some(types) = &cfg.snapshot_types
        && !types.contains(snapshot_type)
    {
        return Ok(Parsed::Ignore(ignored(
            job,
            format!("snapshot type {snapshot_type:?} is not in SNAPSHOT_TYPES"),
        )));
    }
    Ok(Parsed::Export(job))
}

fn missing(field: &str) -> TaskError {
    TaskError::InvalidInput(format!("RDS snapshot event has no valid {field}"))
}

fn ignored(mut job: Job, reason: String) -> Job {
    job.action = JobAction::Ignore;
    job.ignore_reason = Some(reason);
    job
}

/// An ignore job for an unrelated event: best effort on the ARN, which may be anything.
fn ignore_job(arn: &str, kind: SourceKind, trigger: Trigger, event_id: &str) -> Job {
    let parsed = parse_snapshot_arn(arn).ok();
    let snapshot_id = parsed
        .as_ref()
        .map(|p| p.snapshot_id.clone())
        .unwrap_or_default();
    let (source_account, source_region) = parsed
        .as_ref()
        .map(|p| (p.account.clone(), p.region.clone()))
        .unwrap_or_default();
    Job {
        source_account,
        source_region,
        source_name: String::new(),
        delivery: DeliveryMode::default(),
        action: JobAction::Ignore,
        ignore_reason: None,
        snapshot_arn: arn.to_owned(),
        source_kind: parsed.map_or(kind, |p| p.kind),
        export_task_id: if snapshot_id.is_empty() {
            String::new()
        } else {
            export_task_id(arn, &snapshot_id, &[])
        },
        snapshot_id,
        db_identifier: None,
        snapshot_type: None,
        trigger,
        event_id: Some(event_id.to_owned()),
        export_only: Vec::new(),
    }
}

fn new_job(
    arn: &str,
    trigger: Trigger,
    event_id: Option<String>,
    snapshot_type: Option<SnapshotType>,
    export_only: Vec<String>,
) -> Result<Job, TaskError> {
    let parsed = parse_snapshot_arn(arn)?;
    Ok(Job {
        source_account: parsed.account.clone(),
        source_region: parsed.region.clone(),
        source_name: String::new(),
        delivery: DeliveryMode::default(),
        action: JobAction::Export,
        ignore_reason: None,
        export_task_id: export_task_id(arn, &parsed.snapshot_id, &export_only),
        snapshot_arn: arn.to_owned(),
        source_kind: parsed.kind,
        snapshot_id: parsed.snapshot_id,
        db_identifier: None,
        snapshot_type,
        trigger,
        event_id,
        export_only,
    })
}

/// What DescribeDBSnapshots / DescribeDBClusterSnapshots said about the snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
struct SnapshotInfo {
    db_identifier: Option<String>,
    snapshot_type: Option<String>,
}

async fn describe(rds: &aws_sdk_rds::Client, job: &Job) -> Result<SnapshotInfo, TaskError> {
    let not_found = || {
        TaskError::SnapshotNotFound(format!(
            "snapshot {} does not exist (or the prod role cannot see it): check the ARN and the Region",
            job.snapshot_arn
        ))
    };
    match job.source_kind {
        SourceKind::DbSnapshot => {
            let op = "rds:DescribeDBSnapshots";
            let out = rds
                .describe_db_snapshots()
                .db_snapshot_identifier(&job.snapshot_id)
                .send()
                .await
                .map_err(|e| {
                    if code_is(crate::sdk_error::code(&e), "DBSnapshotNotFound") {
                        not_found()
                    } else {
                        classify(op, &e)
                    }
                })?;
            let s = out.db_snapshots().first().ok_or_else(not_found)?;
            Ok(SnapshotInfo {
                db_identifier: s.db_instance_identifier().map(str::to_owned),
                snapshot_type: s.snapshot_type().map(str::to_owned),
            })
        }
        SourceKind::ClusterSnapshot => {
            let op = "rds:DescribeDBClusterSnapshots";
            let out = rds
                .describe_db_cluster_snapshots()
                .db_cluster_snapshot_identifier(&job.snapshot_id)
                .send()
                .await
                .map_err(|e| {
                    if code_is(crate::sdk_error::code(&e), "DBClusterSnapshotNotFound") {
                        not_found()
                    } else {
                        classify(op, &e)
                    }
                })?;
            let s = out.db_cluster_snapshots().first().ok_or_else(not_found)?;
            Ok(SnapshotInfo {
                db_identifier: s.db_cluster_identifier().map(str::to_owned),
                snapshot_type: s.snapshot_type().map(str::to_owned),
            })
        }
    }
}

/// Completes a parsed job: looks the snapshot up and applies the DB identifier filter.
pub(crate) async fn complete(
    rds: &aws_sdk_rds::Client,
    cfg: &NormalizeConfig,
    parsed: Parsed,
) -> Result<Job, TaskError> {
    let mut job = match parsed {
        Parsed::Ignore(job) => return Ok(job),
        Parsed::Export(job) => job,
    };
    job.delivery = cfg.delivery;
    let info = describe(rds, &job).await?;
    job.db_identifier = info.db_identifier;
    if job.snapshot_type.is_none() {
        job.snapshot_type = match info.snapshot_type.as_deref() {
            Some("manual") => Some(SnapshotType::Manual),
            Some("automated") => Some(SnapshotType::Automated),
            _ => None,
        };
    }
    if job.trigger == Trigger::Event
        && let Some(allowed) = &cfg.db_identifiers
    {
        let db = job.db_identifier.clone().unwrap_or_default();
        if !allowed.iter().any(|a| a.eq_ignore_ascii_case(&db)) {
            return Ok(ignored(
                job,
                format!("DB identifier {db:?} is not in DB_IDENTIFIERS"),
            ));
        }
    }
    Ok(job)
}

/// Normalize end to end over one RDS client.
pub async fn normalize(
    rds: &aws_sdk_rds::Client,
    cfg: &NormalizeConfig,
    input: &Value,
) -> Result<Job, TaskError> {
    complete(rds, cfg, parse(cfg, input)?).await
}

/// The `normalize` function.
#[derive(Debug)]
pub struct NormalizeHandler {
    cfg: NormalizeConfig,
    aws: Aws,
}

impl Handler for NormalizeHandler {
    const FUNCTION: &'static Function = &functions::NORMALIZE;
    type Config = NormalizeConfig;
    type Input = Value;
    type Output = Job;

    fn config(env: &Env) -> Result<NormalizeConfig, TaskError> {
        NormalizeConfig::from_env(env)
    }

    async fn init(cfg: NormalizeConfig) -> Self {
        let aws = Aws::load(cfg.prod_role.clone())
            .await
            .with_sources(&cfg.sources);
        Self { cfg, aws }
    }

    fn export_id(_input: &Value) -> Option<String> {
        None
    }

    async fn handle(&self, input: Value, _invocation: Invocation) -> Result<Job, TaskError> {
        let parsed = parse(&self.cfg, &input)?;
        let job = parsed.job();
        tracing::Span::current().record("export_id", job.export_task_id.as_str());
        tracing::info!(action = job.action.as_str(), snapshot_arn = %job.snapshot_arn, "input parsed");
        if let Parsed::Ignore(job) = parsed {
            return Ok(job);
        }
        check_listed(
            self.cfg.source_account_ids.as_deref(),
            &job.source_account,
            &job.snapshot_arn,
        )?;
        let source = self.aws.source_of(&job.snapshot_arn).await?;
        if source.is_single() {
            let clients = self.aws.prod(&job.export_task_id).await;
            return complete(&clients.rds, &self.cfg, parsed).await;
        }
        // The source's filters and ExportOnly default apply: parse again with them (pure).
        let cfg = self.cfg.for_source(&source);
        let parsed = parse(&cfg, &input)?;
        let clients = self
            .aws
            .prod_for(&source, &parsed.job().export_task_id)
            .await;
        let mut job = complete(&clients.rds, &cfg, parsed).await?;
        job.source_name = source.name().to_owned();
        Ok(job)
    }
}

#[cfg(test)]
mod tests;

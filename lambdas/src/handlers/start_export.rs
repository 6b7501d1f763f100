//! StartExport: starts the snapshot export, or adopts the one already running or done.
//!
//! Attempt 1 uses the job's base id, attempt N `<base>-r<N>`. An attempt that exists and is
//! STARTING, IN_PROGRESS, CANCELING or COMPLETE is adopted (a duplicated event, a re-run, a
//! redrive); one that ended FAILED or CANCELED is spent. RDS is the only record of the
//! attempts, so the handler is stateless and safe to re-run after any partial effect.
//!
//! The graph comes back here after an attempt ends FAILED or CANCELED. While fewer than
//! `max_attempts + redrive_count` attempts are spent, the next one starts; past that the
//! task fails with `ExportFailed` / `ExportCanceled` and RDS's cause, at this state, so that
//! the operator's fix plus Redrive (RedriveCount + 1) starts exactly one more attempt.
//! Nothing is ever started twice under one id, and never while an attempt runs.

use contract::{ExportState, ExportStatus, JobAction, MAX_EXPORT_ATTEMPTS, StartExportInput};

use crate::export_task::failure_cause;

use crate::aws::Aws;
use crate::config::{Env, StartExportConfig, export_s3_prefix};
use crate::error::TaskError;
use crate::export_id::{attempt_id, check_base_id};
use crate::export_task::{TaskView, describe, observe};
use contract::functions::{self, Function};

use crate::runtime::{Handler, Invocation};
use crate::sdk_error::{classify, code, code_is, is_throttling_code};

/// What the walk over attempts found for one id.
enum Found {
    Adopt(TaskView, ExportStatus),
    Started(TaskView),
    /// Ended FAILED or CANCELED, with RDS's cause.
    Spent(ExportStatus, String),
    /// Never started, and the attempt budget is used up.
    OverBudget,
}

/// Starts (or adopts) the export of `input.job` and returns its first [`ExportState`].
pub async fn start_export(
    rds: &aws_sdk_rds::Client,
    cfg: &StartExportConfig,
    input: &StartExportInput,
    now: i64,
) -> Result<ExportState, TaskError> {
    let job = &input.job;
    if job.action != JobAction::Export {
        return Err(TaskError::InvalidInput(format!(
            "job.action is {:?}: only export jobs reach StartExport",
            job.action.as_str()
        )));
    }
    check_base_id(&job.export_task_id)?;
    let budget = input
        .max_attempts
        .max(1)
        .saturating_add(input.redrive_count)
        .min(MAX_EXPORT_ATTEMPTS);
    let mut last_spent = None;
    for attempt in 1..=MAX_EXPORT_ATTEMPTS {
        let id = attempt_id(&job.export_task_id, attempt);
        let (view, status, adopted) = match try_attempt(rds, cfg, input, &id, attempt <= budget)
            .await?
        {
            Found::Spent(status, cause) => {
                tracing::info!(export_task_id = %id, attempt, status = status.as_str(), "attempt is spent; looking at the next id");
                last_spent = Some((id, status, cause));
                continue;
            }
            Found::OverBudget => {
                return Err(over_budget(input, budget, last_spent));
            }
            Found::Adopt(view, status) => (view, status, true),
            Found::Started(view) => {
                let status = view.parsed_status(Some(ExportStatus::Starting))?;
                (view, status, false)
            }
        };
        check_same_snapshot(&view, &id, &job.snapshot_arn)?;
        tracing::info!(export_task_id = %id, attempt, adopted, status = status.as_str(), "export task ready");
        let (s3_bucket, s3_prefix) = written_to(&view, cfg, &id);
        let mut state = ExportState {
            export_task_id: id.clone(),
            attempt,
            adopted,
            status,
            percent_progress: 0,
            total_extracted_gb: None,
            failure_cause: String::new(),
            warnings: Vec::new(),
            warnings_total: 0,
            snapshot_time: None,
            s3_bucket,
            s3_prefix,
            started_at: now,
            wait_started_at: now,
            redrive_count: input.redrive_count,
            checks: 0,
            next_poll_seconds: input.policy.min_poll_seconds,
            progress: Vec::new(),
        };
        observe(&mut state, &view, status, &input.policy, now);
        return Ok(state);
    }
    Err(TaskError::ExportAttemptsExhausted(format!(
        "all {MAX_EXPORT_ATTEMPTS} export attempts of {} ({}..-r{MAX_EXPORT_ATTEMPTS}) ended FAILED or CANCELED: \
         fix the cause of the failures, then export with a different ExportOnly list or investigate manually",
        job.snapshot_arn, job.export_task_id
    )))
}

/// An existing task of another snapshot is never adopted.
fn check_same_snapshot(view: &TaskView, id: &str, snapshot_arn: &str) -> Result<(), TaskError> {
    match view.source_arn.as_deref() {
        Some(source) if source != snapshot_arn => Err(TaskError::ExportRejected(format!(
            "export task {id} already exists for {source}, not {snapshot_arn}: refusing to adopt it"
        ))),
        _ => Ok(()),
    }
}

/// Where the task really writes, bucket and `<prefix>/<id>`: an adopted task may predate a
/// config change, and RewriteAcl then refuses the mismatch instead of touching the wrong
/// place.
fn written_to(view: &TaskView, cfg: &StartExportConfig, id: &str) -> (String, String) {
    let bucket = view.s3_bucket.clone().unwrap_or_else(|| cfg.bucket.clone());
    let prefix = match view.s3_prefix.as_deref() {
        Some(p) => export_s3_prefix(p.trim_matches('/'), id),
        None => export_s3_prefix(&cfg.prefix, id),
    };
    (bucket, prefix)
}

/// The error past the attempt budget: the last spent attempt's status and cause, and what a
/// redrive will do.
fn over_budget(
    input: &StartExportInput,
    budget: u32,
    last_spent: Option<(String, ExportStatus, String)>,
) -> TaskError {
    let (id, status, cause) = last_spent.unwrap_or_else(|| {
        (
            input.job.export_task_id.clone(),
            ExportStatus::Failed,
            "no attempt may start".to_owned(),
        )
    });
    let message = format!(
        "export {id} of {} ended {}: {cause} ({budget} attempt(s) spent, max_attempts {} + {} redrive(s)). \
         Fix the cause, then Redrive the execution: it starts one more attempt",
        input.job.snapshot_arn,
        status.as_str(),
        input.max_attempts,
        input.redrive_count
    );
    match status {
        ExportStatus::Canceled => TaskError::ExportCanceled(message),
        _ => TaskError::ExportFailed(message),
    }
}

/// Looks at attempt `id`; starts it when it does not exist and `may_start`.
async fn try_attempt(
    rds: &aws_sdk_rds::Client,
    cfg: &StartExportConfig,
    input: &StartExportInput,
    id: &str,
    may_start: bool,
) -> Result<Found, TaskError> {
    if let Some(view) = describe(rds, id).await? {
        return classify_existing(view);
    }
    if !may_start {
        return Ok(Found::OverBudget);
    }
    let job = &input.job;
    let request = rds
        .start_export_task()
        .export_task_identifier(id)
        .source_arn(&job.snapshot_arn)
        .s3_bucket_name(&cfg.bucket)
        .set_s3_prefix(Some(cfg.prefix.clone()).filter(|p| !p.is_empty()))
        .iam_role_arn(&cfg.export_role_arn)
        .kms_key_id(&cfg.kms_key_arn)
        .set_export_only(Some(job.export_only.clone()).filter(|l| !l.is_empty()));
    match request.send().await {
        Ok(out) => Ok(Found::Started(TaskView::from_start(&out))),
        Err(e) if code_is(code(&e), "ExportTaskAlreadyExists") => {
            // A duplicate execution won the race between our describe and our start.
            match describe(rds, id).await? {
                Some(view) => classify_existing(view),
                None => Err(TaskError::TransientAws {
                    operation: "rds:StartExportTask".into(),
                    detail: format!(
                        "export task {id} was reported as existing but cannot be described yet"
                    ),
                }),
            }
        }
        Err(e) => Err(start_error(cfg, job.snapshot_arn.as_str(), &e)),
    }
}

fn classify_existing(view: TaskView) -> Result<Found, TaskError> {
    let status = view.parsed_status(None)?;
    Ok(match status {
        ExportStatus::Failed | ExportStatus::Canceled => {
            let cause = failure_cause(&view, status);
            Found::Spent(status, cause)
        }
        _ => Found::Adopt(view, status),
    })
}

/// StartExportTask's errors with a message saying what to fix.
fn start_error(
    cfg: &StartExportConfig,
    arn: &str,
    err: &aws_smithy_runtime_api::client::result::SdkError<
        aws_sdk_rds::operation::start_export_task::StartExportTaskError,
        aws_smithy_runtime_api::client::orchestrator::HttpResponse,
    >,
) -> TaskError {
    let c = code(err);
    let msg = crate::sdk_error::message(err);
    let role = &cfg.export_role_arn;
    let bucket = &cfg.bucket;
    let key = &cfg.kms_key_arn;
    let is = |name: &str| code_is(c, name);
    if is("DBSnapshotNotFound") || is("DBClusterSnapshotNotFound") || is("DBClusterNotFound") {
        TaskError::SnapshotNotFound(format!("snapshot {arn} does not exist: {msg}"))
    } else if is("IamRoleMissingPermissions") {
        TaskError::ExportPermissionDenied(format!(
            "export role {role} lacks permissions ({msg}): it needs s3:PutObject*, s3:ListBucket, s3:GetObject*, \
             s3:DeleteObject*, s3:GetBucketLocation on bucket {bucket} and use of KMS key {key}"
        ))
    } else if is("IamRoleNotFound") {
        TaskError::ExportPermissionDenied(format!(
            "export role {role} does not exist or does not trust export.rds.amazonaws.com ({msg}): check EXPORT_ROLE_ARN and the role's trust policy"
        ))
    } else if is("KmsKeyNotAccessible") {
        TaskError::ExportPermissionDenied(format!(
            "KMS key {key} is not accessible ({msg}): the caller needs kms:CreateGrant and kms:DescribeKey on it and \
             the key policy must let the export role {role} use it"
        ))
    } else if is("InvalidS3Bucket") {
        TaskError::ExportPermissionDenied(format!(
            "bucket {bucket} cannot be written by the export ({msg}): it must exist in the snapshot's Region and its \
             bucket policy must grant the export role {role} s3:PutObject*, s3:ListBucket, s3:GetBucketLocation"
        ))
    } else if is("InvalidExportOnly") {
        TaskError::ExportRejected(format!(
            "RDS rejected the ExportOnly list ({msg}): fix EXPORT_ONLY or the input's export_only"
        ))
    } else if is("InvalidExportSourceState") {
        TaskError::SnapshotNotAvailable(format!(
            "snapshot {arn} is not available for export yet ({msg})"
        ))
    } else if c.is_some_and(|c| {
        !is_throttling_code(c)
            && (c.contains("Quota") || c.contains("LimitExceeded") || c.contains("LimitReached"))
    }) {
        TaskError::ExportQuotaReached(format!(
            "the account's running-export quota is reached ({}: {msg}); the state machine retries later",
            c.unwrap_or_default()
        ))
    } else {
        classify("rds:StartExportTask", err)
    }
}

/// The `start-export` function.
#[derive(Debug)]
pub struct StartExportHandler {
    cfg: StartExportConfig,
    aws: Aws,
}

impl Handler for StartExportHandler {
    const FUNCTION: &'static Function = &functions::START_EXPORT;
    type Config = StartExportConfig;
    type Input = StartExportInput;
    type Output = ExportState;

    fn config(env: &Env) -> Result<StartExportConfig, TaskError> {
        StartExportConfig::from_env(env)
    }

    async fn init(cfg: StartExportConfig) -> Self {
        let aws = Aws::load(cfg.prod_role.clone()).await;
        Self { cfg, aws }
    }

    fn export_id(input: &StartExportInput) -> Option<String> {
        Some(input.job.export_task_id.clone())
    }

    async fn handle(
        &self,
        input: StartExportInput,
        invocation: Invocation,
    ) -> Result<ExportState, TaskError> {
        let clients = self.aws.prod(&input.job.export_task_id).await;
        start_export(&clients.rds, &self.cfg, &input, invocation.now).await
    }
}

#[cfg(test)]
mod tests;

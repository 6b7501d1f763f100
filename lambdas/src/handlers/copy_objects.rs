//! CopyObjects (copy delivery): server-side copies every object of the export from the
//! prod staging bucket into the analytics bucket, under the same keys, encrypted with the
//! analytics key (or SSE-S3), as the assumed prod copier role.
//!
//! The scope is recomputed from the function's own configuration (`EXPORT_BUCKET` = the
//! staging bucket, `EXPORT_PREFIX`) and the export id, and must equal what the input says:
//! the input can never widen what is read or written. Long copies stop before the Lambda
//! deadline and the graph calls again with the last key done; a redrive or a duplicate
//! execution copies nothing twice (the copies carry the source ETag). Nothing is deleted.

use std::time::Instant;

use contract::{CopyObjectsInput, CopyState};

use crate::aws::Aws;
use crate::config::{CopyObjectsConfig, Env};
use crate::copy::{CopyTarget, copy_prefix};
use crate::error::TaskError;
use crate::export_scope::export_scope;
use crate::runtime::{Handler, Invocation};
use contract::functions::{self, Function};

/// The prefix CopyObjects may read and write (`<prefix>/<export-id>/`), checked against
/// the input, and against the buckets of a previous pass.
pub(crate) fn checked_target(
    cfg: &CopyObjectsConfig,
    input: &CopyObjectsInput,
) -> Result<CopyTarget, TaskError> {
    let scope = export_scope(
        &input.export,
        &cfg.source_bucket,
        &cfg.prefix,
        "EXPORT_BUCKET (the staging bucket)",
    )?;
    if let Some(prev) = &input.copy {
        if prev.source_bucket != cfg.source_bucket
            || prev.destination_bucket != cfg.destination_bucket
        {
            return Err(TaskError::InvalidInput(format!(
                "copy state names s3://{} → s3://{}, but the function is configured for s3://{} → s3://{}",
                prev.source_bucket,
                prev.destination_bucket,
                cfg.source_bucket,
                cfg.destination_bucket
            )));
        }
        if let Some(after) = &prev.start_after
            && !after.starts_with(&scope)
        {
            return Err(TaskError::InvalidInput(format!(
                "copy.start_after {after:?} is outside {scope:?}: refusing to widen the scope"
            )));
        }
    }
    Ok(CopyTarget {
        source_bucket: cfg.source_bucket.clone(),
        destination_bucket: cfg.destination_bucket.clone(),
        prefix: scope,
        kms_key_arn: cfg.destination_kms_key_arn.clone(),
    })
}

/// One CopyObjects call with the copier's S3 client; `deadline` is the Lambda deadline.
pub async fn copy_objects(
    s3: &aws_sdk_s3::Client,
    cfg: &CopyObjectsConfig,
    input: &CopyObjectsInput,
    deadline: Option<Instant>,
) -> Result<CopyState, TaskError> {
    let target = checked_target(cfg, input)?;
    let previous = input.copy.clone();
    if let Some(prev) = previous.as_ref().filter(|p| p.done) {
        return Ok(prev.clone());
    }
    let stop_at = deadline.and_then(|d| d.checked_sub(cfg.deadline_margin));
    let start_after = previous.as_ref().and_then(|p| p.start_after.clone());
    let run = copy_prefix(s3, &target, start_after, cfg.concurrency, stop_at)
        .await
        .map_err(|e| match e {
            TaskError::CopySourceDenied(m) => {
                TaskError::CopySourceDenied(format!("{m} (credentials: {})", principal(cfg)))
            }
            TaskError::CopyDestinationDenied(m) => {
                TaskError::CopyDestinationDenied(format!("{m} (credentials: {})", principal(cfg)))
            }
            other => other,
        })?;
    let before = previous.as_ref();
    let state = CopyState {
        source_bucket: cfg.source_bucket.clone(),
        destination_bucket: cfg.destination_bucket.clone(),
        copied: before.map_or(0, |p| p.copied) + run.copied,
        already_copied: before.map_or(0, |p| p.already_copied) + run.already_copied,
        bytes_copied: before.map_or(0, |p| p.bytes_copied) + run.bytes_copied,
        multipart: before.map_or(0, |p| p.multipart) + run.multipart,
        invocations: before.map_or(0, |p| p.invocations).saturating_add(1),
        start_after: if run.done { None } else { run.last_key.clone() },
        done: run.done,
    };
    tracing::info!(
        copied = run.copied,
        already_copied = run.already_copied,
        bytes = run.bytes_copied,
        multipart = run.multipart,
        failed = run.failed,
        pages = run.pages,
        done = run.done,
        total = state.copied,
        "copy pass finished"
    );
    if run.failed > 0 {
        return Err(TaskError::CopyIncomplete(format!(
            "{} of the objects under s3://{}/{} still failed after retries (this pass copied {}); the copy is \
             idempotent and is retried, skipping what is already copied",
            run.failed, target.source_bucket, target.prefix, run.copied
        )));
    }
    Ok(state)
}

fn principal(cfg: &CopyObjectsConfig) -> String {
    match &cfg.copier_role {
        Some(role) => format!("copier role {}", role.role_arn),
        None => "the function's own role".to_owned(),
    }
}

/// The `copy-objects` function.
#[derive(Debug)]
pub struct CopyObjectsHandler {
    cfg: CopyObjectsConfig,
    aws: Aws,
}

impl Handler for CopyObjectsHandler {
    const FUNCTION: &'static Function = &functions::COPY_OBJECTS;
    type Config = CopyObjectsConfig;
    type Input = CopyObjectsInput;
    type Output = CopyState;

    fn config(env: &Env) -> Result<CopyObjectsConfig, TaskError> {
        CopyObjectsConfig::from_env(env)
    }

    async fn init(cfg: CopyObjectsConfig) -> Self {
        let aws = Aws::load(None)
            .await
            .with_copier_role(cfg.copier_role.clone())
            .with_sources(&cfg.sources);
        Self { cfg, aws }
    }

    fn export_id(input: &CopyObjectsInput) -> Option<String> {
        Some(input.export.export_task_id.clone())
    }

    async fn handle(
        &self,
        input: CopyObjectsInput,
        invocation: Invocation,
    ) -> Result<CopyState, TaskError> {
        let source = self.aws.source_of(&input.job.snapshot_arn).await?;
        let cfg = self.cfg.for_source(&source)?;
        let s3 = self
            .aws
            .copier_for(&source, &input.job.export_task_id)
            .await;
        copy_objects(&s3, &cfg, &input, invocation.deadline).await
    }
}

#[cfg(test)]
mod tests;

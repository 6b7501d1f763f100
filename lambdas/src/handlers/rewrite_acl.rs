//! RewriteAcl: makes the analytics account (the bucket owner) owner-in-control of every
//! object the prod export wrote, or skips when the bucket enforces owner ownership.
//!
//! The scope is recomputed from the function's own configuration (`EXPORT_BUCKET`,
//! `EXPORT_PREFIX`) and the export id, and must equal what the input says: the input can
//! never widen what is touched. Long rewrites stop between pages before the Lambda
//! deadline and the graph calls again with the last key done.

use std::time::Instant;

use aws_sdk_s3::types::ObjectOwnership;
use contract::{AclState, RewriteAclInput};

use crate::acl::rewrite_prefix;
use crate::aws::Aws;
use crate::config::{Env, RewriteAclConfig};
use crate::error::TaskError;
use crate::export_scope::export_scope;
use contract::functions::{self, Function};

use crate::runtime::{Handler, Invocation};
use crate::sdk_error::{classify, code, message};

/// The ownership string when the bucket has no ownership controls (ACLs apply).
pub(crate) const OWNERSHIP_NONE: &str = "None";

/// The bucket's object ownership, read with the function's own (bucket-owner) credentials.
pub(crate) async fn bucket_ownership(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
) -> Result<String, TaskError> {
    match s3
        .get_bucket_ownership_controls()
        .bucket(bucket)
        .send()
        .await
    {
        Ok(out) => Ok(out
            .ownership_controls()
            .and_then(|c| c.rules().first())
            .map(|r| r.object_ownership().as_str().to_owned())
            .unwrap_or_else(|| OWNERSHIP_NONE.to_owned())),
        Err(e) if code(&e) == Some("OwnershipControlsNotFoundError") => {
            Ok(OWNERSHIP_NONE.to_owned())
        }
        Err(e) if code(&e) == Some("AccessDenied") => Err(TaskError::AclAccessDenied(format!(
            "s3:GetBucketOwnershipControls on {bucket} was denied for the function's own role ({}): grant it \
             s3:GetBucketOwnershipControls on the bucket",
            message(&e)
        ))),
        Err(e) => Err(classify("s3:GetBucketOwnershipControls", &e)),
    }
}

/// The prefix RewriteAcl may touch, checked against the input (`<prefix>/<export-id>/`).
pub(crate) fn checked_prefix(
    cfg: &RewriteAclConfig,
    input: &RewriteAclInput,
) -> Result<String, TaskError> {
    export_scope(&input.export, &cfg.bucket, &cfg.prefix, "EXPORT_BUCKET")
}

/// One RewriteAcl call. `own_s3` reads the bucket's ownership; `prod_s3` (the objects'
/// writer) lists and rewrites; `deadline` is the Lambda deadline.
pub async fn rewrite_acl(
    own_s3: &aws_sdk_s3::Client,
    prod_s3: &aws_sdk_s3::Client,
    cfg: &RewriteAclConfig,
    input: &RewriteAclInput,
    deadline: Option<Instant>,
) -> Result<AclState, TaskError> {
    let prefix = checked_prefix(cfg, input)?;
    let previous = input.acl.clone();
    if let Some(prev) = previous.as_ref().filter(|p| p.done) {
        return Ok(prev.clone());
    }
    let ownership = match &previous {
        Some(prev) => prev.ownership.clone(),
        None => bucket_ownership(own_s3, &cfg.bucket).await?,
    };
    let invocations = previous
        .as_ref()
        .map_or(0, |p| p.invocations)
        .saturating_add(1);
    if ownership == ObjectOwnership::BucketOwnerEnforced.as_str() {
        tracing::info!(bucket = %cfg.bucket, "bucket enforces owner ownership: no ACL to rewrite");
        return Ok(skipped(ownership, invocations, previous.as_ref()));
    }
    let stop_at = deadline.and_then(|d| d.checked_sub(cfg.deadline_margin));
    let start_after = previous.as_ref().and_then(|p| p.start_after.clone());
    let run = rewrite_prefix(
        prod_s3,
        &cfg.bucket,
        &prefix,
        start_after,
        cfg.concurrency,
        stop_at,
    )
    .await
    .map_err(|e| match e {
        TaskError::AclAccessDenied(m) => {
            TaskError::AclAccessDenied(format!("{m} (credentials: {})", principal(cfg)))
        }
        other => other,
    })?;
    if run.acl_not_supported {
        tracing::info!(bucket = %cfg.bucket, "bucket rejects ACLs (AccessControlListNotSupported): skipping");
        return Ok(skipped(ownership, invocations, previous.as_ref()));
    }
    let (before_ok, before_failed) = previous
        .as_ref()
        .map_or((0, 0), |p| (p.rewritten, p.failed));
    let state = AclState {
        ownership,
        skipped: false,
        rewritten: before_ok + run.rewritten,
        failed: before_failed + run.failed,
        invocations,
        start_after: if run.done { None } else { run.last_key.clone() },
        done: run.done,
    };
    tracing::info!(
        rewritten = run.rewritten,
        failed = run.failed,
        pages = run.pages,
        done = run.done,
        total = state.rewritten,
        "ACL rewrite pass finished"
    );
    if run.failed > 0 {
        return Err(TaskError::AclRewriteIncomplete(format!(
            "{} of the objects under s3://{}/{prefix} still failed after retries (this pass rewrote {}); the rewrite is \
             idempotent and is retried from the last completed page",
            run.failed, cfg.bucket, run.rewritten
        )));
    }
    Ok(state)
}

fn skipped(ownership: String, invocations: u32, previous: Option<&AclState>) -> AclState {
    AclState {
        ownership,
        skipped: true,
        rewritten: previous.map_or(0, |p| p.rewritten),
        failed: 0,
        invocations,
        start_after: None,
        done: true,
    }
}

fn principal(cfg: &RewriteAclConfig) -> String {
    match &cfg.prod_role {
        Some(role) => format!("prod role {}", role.role_arn),
        None => "the function's own role".to_owned(),
    }
}

/// The `rewrite-acl` function.
#[derive(Debug)]
pub struct RewriteAclHandler {
    cfg: RewriteAclConfig,
    aws: Aws,
}

impl Handler for RewriteAclHandler {
    const FUNCTION: &'static Function = &functions::REWRITE_ACL;
    type Config = RewriteAclConfig;
    type Input = RewriteAclInput;
    type Output = AclState;

    fn config(env: &Env) -> Result<RewriteAclConfig, TaskError> {
        RewriteAclConfig::from_env(env)
    }

    async fn init(cfg: RewriteAclConfig) -> Self {
        let aws = Aws::load(cfg.prod_role.clone())
            .await
            .with_sources(&cfg.sources);
        Self { cfg, aws }
    }

    fn export_id(input: &RewriteAclInput) -> Option<String> {
        Some(input.export.export_task_id.clone())
    }

    async fn handle(
        &self,
        input: RewriteAclInput,
        invocation: Invocation,
    ) -> Result<AclState, TaskError> {
        let source = self.aws.source_of(&input.job.snapshot_arn).await?;
        let cfg = self.cfg.for_source(&source);
        let prod = self.aws.prod_for(&source, &input.job.export_task_id).await;
        rewrite_acl(&self.aws.s3, &prod.s3, &cfg, &input, invocation.deadline).await
    }
}

#[cfg(test)]
mod tests;

//! The ACL rewrite loop: every object under one prefix gets `bucket-owner-full-control`.
//!
//! Public so a benchmark can drive it against a local S3 endpoint. Keys are listed page by
//! page ([`crate::listing`], which also checks every key starts with the prefix: nothing
//! outside the export prefix is ever modified) and each page's PutObjectAcl requests run
//! with bounded concurrency, so memory stays flat however many objects an export wrote.

use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_s3::types::ObjectCannedAcl;
use tokio::task::JoinSet;

use crate::error::TaskError;
use crate::listing::{ListError, ListedObject, Page, PrefixListing};
use crate::sdk_error::{classify, code, message};

/// Tries per object for transient failures (throttling, 5xx, timeouts).
const TRIES_PER_OBJECT: u32 = 3;
/// First backoff between tries; doubled each time.
const FIRST_BACKOFF: Duration = Duration::from_millis(200);

/// What one [`rewrite_prefix`] call did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RewriteProgress {
    /// Objects whose ACL is now bucket-owner-full-control.
    pub rewritten: u64,
    /// Objects that still failed after [`TRIES_PER_OBJECT`] tries.
    pub failed: u64,
    /// The last key of the last page handled (pass it as `start_after` to continue).
    pub last_key: Option<String>,
    /// True when the listing is exhausted (or ACLs turned out to be unsupported).
    pub done: bool,
    /// True when S3 answered `AccessControlListNotSupported`: the bucket enforces
    /// bucket-owner ownership, so there is nothing to rewrite.
    pub acl_not_supported: bool,
    /// ListObjectsV2 pages handled.
    pub pages: u32,
}

/// How one object's rewrite ended.
enum ObjectOutcome {
    Rewritten,
    Gone,
    Failed(String),
    Denied(String),
    AclNotSupported,
}

/// Rewrites the ACL of every object under `prefix` in `bucket` listed after `start_after`.
///
/// `prefix` must be non-empty and end with `/`. `deadline` is when to stop *starting new
/// pages* (the caller subtracts its safety margin from the Lambda deadline); at least one
/// page is always handled so successive calls make progress. Returns `done == false` with
/// `last_key` set when it stopped for the deadline.
///
/// Errors: `AclAccessDenied` when listing or a PutObjectAcl is denied; `Throttled`,
/// `TransientAwsError`, `AwsError` for listing failures. Objects that keep failing
/// transiently are counted in `failed`, not returned as an error.
pub async fn rewrite_prefix(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    prefix: &str,
    start_after: Option<String>,
    concurrency: usize,
    deadline: Option<Instant>,
) -> Result<RewriteProgress, TaskError> {
    if prefix.is_empty() || !prefix.ends_with('/') {
        return Err(TaskError::InvalidInput(format!(
            "ACL rewrite prefix {prefix:?} must be non-empty and end with '/'"
        )));
    }
    let mut progress = RewriteProgress {
        last_key: start_after.clone(),
        ..RewriteProgress::default()
    };
    let mut listing = PrefixListing::new(s3, bucket, prefix, start_after, deadline, |e| {
        list_error(bucket, prefix, e)
    });
    loop {
        let objects = match listing.next_page(progress.pages > 0).await? {
            Page::Objects(objects) => objects,
            Page::Exhausted => {
                progress.done = true;
                return Ok(progress);
            }
            Page::Stopped => {
                tracing::info!(
                    pages = progress.pages,
                    rewritten = progress.rewritten,
                    "stopping before the deadline"
                );
                return Ok(progress);
            }
        };
        progress.pages += 1;
        let outcomes = rewrite_page(s3, bucket, &objects, concurrency.max(1)).await;
        if let Some(last) = objects.last() {
            progress.last_key = Some(last.key.clone());
        }
        for outcome in outcomes {
            match outcome {
                ObjectOutcome::Rewritten => progress.rewritten += 1,
                ObjectOutcome::Gone => {}
                ObjectOutcome::Failed(why) => {
                    tracing::warn!(error = %why, "object ACL not rewritten");
                    progress.failed += 1;
                }
                ObjectOutcome::Denied(why) => return Err(TaskError::AclAccessDenied(why)),
                ObjectOutcome::AclNotSupported => {
                    progress.acl_not_supported = true;
                    progress.done = true;
                    return Ok(progress);
                }
            }
        }
    }
}

/// A denied listing is `AclAccessDenied` naming the permission; other failures classified.
fn list_error(bucket: &str, prefix: &str, e: &ListError) -> TaskError {
    if code(e) == Some("AccessDenied") {
        TaskError::AclAccessDenied(format!(
            "s3:ListBucket on s3://{bucket}/{prefix} was denied ({}): grant s3:ListBucket on the bucket to the credentials used",
            message(e)
        ))
    } else {
        classify("s3:ListObjectsV2", e)
    }
}

/// Rewrites one page's objects, `concurrency` at a time, and waits for them all.
async fn rewrite_page(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    objects: &[ListedObject],
    concurrency: usize,
) -> Vec<ObjectOutcome> {
    let mut in_flight: JoinSet<ObjectOutcome> = JoinSet::new();
    let mut outcomes = Vec::with_capacity(objects.len());
    let bucket: Arc<str> = Arc::from(bucket);
    for object in objects {
        while in_flight.len() >= concurrency {
            if let Some(done) = in_flight.join_next().await {
                outcomes.push(joined(done));
            }
        }
        let (s3, bucket, key) = (s3.clone(), Arc::clone(&bucket), object.key.clone());
        in_flight.spawn(async move { rewrite_object(&s3, &bucket, &key).await });
    }
    while let Some(done) = in_flight.join_next().await {
        outcomes.push(joined(done));
    }
    outcomes
}

fn joined(result: Result<ObjectOutcome, tokio::task::JoinError>) -> ObjectOutcome {
    result.unwrap_or_else(|e| ObjectOutcome::Failed(format!("rewrite task ended abnormally: {e}")))
}

async fn rewrite_object(s3: &aws_sdk_s3::Client, bucket: &str, key: &str) -> ObjectOutcome {
    let mut backoff = FIRST_BACKOFF;
    let mut last = String::new();
    for attempt in 1..=TRIES_PER_OBJECT {
        let result = s3
            .put_object_acl()
            .bucket(bucket)
            .key(key)
            .acl(ObjectCannedAcl::BucketOwnerFullControl)
            .send()
            .await;
        let err = match result {
            Ok(_) => return ObjectOutcome::Rewritten,
            Err(e) => e,
        };
        match code(&err) {
            Some("AccessDenied") => {
                return ObjectOutcome::Denied(format!(
                    "s3:PutObjectAcl on s3://{bucket}/{key} was denied ({}): grant s3:PutObjectAcl on the export prefix \
                     to the credentials used and check the bucket policy does not deny it",
                    message(&err)
                ));
            }
            Some("AccessControlListNotSupported") => return ObjectOutcome::AclNotSupported,
            Some("NoSuchKey") => return ObjectOutcome::Gone,
            _ => {}
        }
        let classified = classify("s3:PutObjectAcl", &err);
        last = format!("s3://{bucket}/{key}: {classified}");
        if !classified.is_retryable() {
            return ObjectOutcome::Failed(last);
        }
        if attempt < TRIES_PER_OBJECT {
            tokio::time::sleep(backoff).await;
            backoff *= 2;
        }
    }
    ObjectOutcome::Failed(last)
}

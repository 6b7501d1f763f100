//! The copy loop of copy delivery: every object under one prefix of the prod staging
//! bucket is server-side copied to the analytics bucket under the same key, encrypted with
//! the analytics key (SSE-KMS) or SSE-S3.
//!
//! Public so a benchmark can drive it against a local S3 endpoint. Like the ACL rewrite
//! (`crate::acl`): keys are listed page by page (`crate::listing`, which checks every key
//! starts with the prefix before it is touched) and copied with bounded concurrency (one
//! rolling window across pages), so memory stays flat however many objects an export
//! wrote; nothing is ever deleted. Each copy carries the source's ETag in its metadata
//! ([`SOURCE_ETAG_METADATA`]) and the destination is read (HeadObject) before copying, so
//! a retry, a redrive or a duplicate execution copies nothing twice. Objects over
//! [`MAX_SINGLE_COPY_BYTES`] are copied with multipart UploadPartCopy.

use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::types::{
    CompletedMultipartUpload, CompletedPart, MetadataDirective, ServerSideEncryption,
};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use tokio::task::JoinSet;

use crate::error::TaskError;
use crate::listing::{ListError, ListedObject, Page, PrefixListing};
use crate::sdk_error::{classify, message};

/// User metadata key (`x-amz-meta-source-etag`) holding the source object's ETag.
pub const SOURCE_ETAG_METADATA: &str = "source-etag";
/// The largest object one CopyObject can copy (5 GiB); larger ones go multipart.
pub(crate) const MAX_SINGLE_COPY_BYTES: u64 = 5 * 1024 * 1024 * 1024;
/// Preferred part size of a multipart copy (raised so no copy needs more than
/// [`MAX_PARTS`] parts).
pub(crate) const PART_SIZE: u64 = 512 * 1024 * 1024;
/// S3's limit on parts per upload.
pub(crate) const MAX_PARTS: u64 = 10_000;
/// UploadPartCopy requests in flight for one object.
const PART_CONCURRENCY: usize = 8;
/// Tries per object for transient failures (throttling, 5xx, timeouts).
const TRIES_PER_OBJECT: u32 = 3;
/// First backoff between tries; doubled each time.
const FIRST_BACKOFF: Duration = Duration::from_millis(200);

/// Where one export's objects come from and go to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyTarget {
    /// The prod staging bucket.
    pub source_bucket: String,
    /// The analytics bucket.
    pub destination_bucket: String,
    /// `<prefix>/<export-id>/`: non-empty, ends with `/`; copies keep the same key.
    pub prefix: String,
    /// The analytics KMS key of the copies; SSE-S3 (AES256) when `None`.
    pub kms_key_arn: Option<String>,
}

/// What one [`copy_prefix`] call did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CopyProgress {
    /// Objects copied by this call.
    pub copied: u64,
    /// Objects whose copy was already there with the same source ETag.
    pub already_copied: u64,
    /// Bytes copied by this call.
    pub bytes_copied: u64,
    /// Of `copied`, the objects copied with multipart UploadPartCopy.
    pub multipart: u64,
    /// Objects that still failed after [`TRIES_PER_OBJECT`] tries (transient errors).
    pub failed: u64,
    /// The last key handled (every key up to it is done): pass it as `start_after`.
    pub last_key: Option<String>,
    /// True when the listing is exhausted.
    pub done: bool,
    /// ListObjectsV2 pages read.
    pub pages: u32,
}

/// How one object's copy ended.
#[derive(Debug)]
enum Outcome {
    Copied { bytes: u64, multipart: bool },
    AlreadyCopied,
    Gone,
    Failed(String),
    Denied(TaskError),
}

/// One listed object to copy.
#[derive(Debug, Clone)]
struct Source {
    key: String,
    etag: String,
    size: u64,
}

/// Copies every object under `target.prefix` listed after `start_after`.
///
/// `deadline` is when to stop *starting new copies* (the caller subtracts its margin from
/// the Lambda deadline); at least one object is always started so successive calls make
/// progress. Copies are started in key order and all started ones are finished before it
/// returns, so `last_key` is a safe `start_after` for the next call.
///
/// Errors: `CopySourceDenied` / `CopyDestinationDenied` naming bucket, key and permission;
/// `Throttled`, `TransientAwsError`, `AwsError` for listing failures; `InvalidInput` for
/// a bad prefix; `AwsError` (`KeyOutsidePrefix`) if a listing ever returns a foreign key.
/// Objects that keep failing transiently are counted in `failed`. On an error, every copy
/// already started is finished (or failed) before it is returned.
pub async fn copy_prefix(
    s3: &aws_sdk_s3::Client,
    target: &CopyTarget,
    start_after: Option<String>,
    concurrency: usize,
    deadline: Option<Instant>,
) -> Result<CopyProgress, TaskError> {
    let prefix = target.prefix.as_str();
    if prefix.is_empty() || !prefix.ends_with('/') {
        return Err(TaskError::InvalidInput(format!(
            "copy prefix {prefix:?} must be non-empty and end with '/'"
        )));
    }
    let concurrency = concurrency.max(1);
    let shared = Arc::new(target.clone());
    let mut progress = CopyProgress {
        last_key: start_after.clone(),
        ..CopyProgress::default()
    };
    let mut in_flight: JoinSet<Outcome> = JoinSet::new();
    let mut started = 0u64;
    let mut listing = PrefixListing::new(
        s3,
        &target.source_bucket,
        prefix,
        start_after,
        deadline,
        |e| list_error(target, e),
    );
    let stopped = 'pages: loop {
        let page = match listing.next_page(started > 0).await {
            Ok(page) => page,
            Err(e) => return Err(settle(in_flight, e).await),
        };
        let objects = match page {
            Page::Objects(objects) => objects,
            Page::Exhausted => break 'pages false,
            Page::Stopped => break 'pages true,
        };
        progress.pages += 1;
        for object in objects {
            if started > 0 && listing.past_deadline() {
                break 'pages true;
            }
            while in_flight.len() >= concurrency {
                if let Some(done) = in_flight.join_next().await
                    && let Err(e) = tally(&mut progress, joined(done))
                {
                    return Err(settle(in_flight, e).await);
                }
            }
            let source = Source::from(object);
            progress.last_key = Some(source.key.clone());
            let (s3, target) = (s3.clone(), Arc::clone(&shared));
            in_flight.spawn(async move { copy_object(&s3, &target, &source).await });
            started += 1;
        }
    };
    while let Some(done) = in_flight.join_next().await {
        if let Err(e) = tally(&mut progress, joined(done)) {
            return Err(settle(in_flight, e).await);
        }
    }
    progress.done = !stopped;
    if stopped {
        tracing::info!(
            pages = progress.pages,
            copied = progress.copied,
            "stopping before the deadline"
        );
    }
    Ok(progress)
}

/// Waits for every copy already started, then gives back `error`. A request this
/// invocation sent must not land after it reported the failure: the operator's fix and
/// the redrive would race it (the redrive then counts its copy as already there).
async fn settle(mut in_flight: JoinSet<Outcome>, error: TaskError) -> TaskError {
    while in_flight.join_next().await.is_some() {}
    error
}

/// A denied listing is `CopySourceDenied` naming the permission; other failures classified.
fn list_error(target: &CopyTarget, e: &ListError) -> TaskError {
    if is_denied(e) {
        TaskError::CopySourceDenied(format!(
            "s3:ListBucket on s3://{}/{} (the staging bucket) was denied ({}): grant the copier role \
             s3:ListBucket on the staging bucket for this prefix",
            target.source_bucket,
            target.prefix,
            message(e)
        ))
    } else {
        classify("s3:ListObjectsV2", e)
    }
}

impl From<ListedObject> for Source {
    fn from(object: ListedObject) -> Self {
        Self {
            etag: object.e_tag.as_deref().map(unquote).unwrap_or_default(),
            size: object.size.and_then(|s| u64::try_from(s).ok()).unwrap_or(0),
            key: object.key,
        }
    }
}

fn tally(progress: &mut CopyProgress, outcome: Outcome) -> Result<(), TaskError> {
    match outcome {
        Outcome::Copied { bytes, multipart } => {
            progress.copied += 1;
            progress.bytes_copied += bytes;
            progress.multipart += u64::from(multipart);
        }
        Outcome::AlreadyCopied => progress.already_copied += 1,
        Outcome::Gone => {}
        Outcome::Failed(why) => {
            tracing::warn!(error = %why, "object not copied");
            progress.failed += 1;
        }
        Outcome::Denied(e) => return Err(e),
    }
    Ok(())
}

fn joined(result: Result<Outcome, tokio::task::JoinError>) -> Outcome {
    result.unwrap_or_else(|e| Outcome::Failed(format!("copy task ended abnormally: {e}")))
}

/// `"abc"` → `abc` (ListObjectsV2 and HeadObject quote ETags).
fn unquote(etag: &str) -> String {
    etag.trim_matches('"').to_owned()
}

/// The `x-amz-copy-source` value: `bucket/key`, the key percent-encoded except `/`.
pub fn copy_source(bucket: &str, key: &str) -> String {
    let mut out = String::with_capacity(bucket.len() + key.len() + 8);
    out.push_str(bucket);
    out.push('/');
    for b in key.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The HTTP status of a failed request, when it got an answer.
fn status<E>(err: &SdkError<E, HttpResponse>) -> Option<u16> {
    err.raw_response().map(|r| r.status().as_u16())
}

/// AccessDenied (or a bare 403, as HeadObject answers without a body).
fn is_denied<E: ProvideErrorMetadata>(err: &SdkError<E, HttpResponse>) -> bool {
    let code = match err {
        SdkError::ServiceError(se) => se.err().code(),
        _ => None,
    };
    matches!(
        code,
        Some("AccessDenied" | "Forbidden" | "AccessDeniedException")
    ) || (code.is_none() && status(err) == Some(403))
}

/// 404 / NoSuchKey / NotFound.
fn is_missing<E: ProvideErrorMetadata>(err: &SdkError<E, HttpResponse>) -> bool {
    let code = match err {
        SdkError::ServiceError(se) => se.err().code(),
        _ => None,
    };
    matches!(code, Some("NoSuchKey" | "NotFound")) || status(err) == Some(404)
}

/// Copies one object, retrying transient failures.
async fn copy_object(s3: &aws_sdk_s3::Client, target: &CopyTarget, source: &Source) -> Outcome {
    let mut backoff = FIRST_BACKOFF;
    let mut last = String::new();
    for attempt in 1..=TRIES_PER_OBJECT {
        match try_copy(s3, target, source).await {
            Ok(outcome) => return outcome,
            Err(e) => {
                if matches!(
                    e,
                    TaskError::CopySourceDenied(_) | TaskError::CopyDestinationDenied(_)
                ) {
                    return Outcome::Denied(e);
                }
                last = format!("s3://{}/{}: {e}", target.source_bucket, source.key);
                if !e.is_retryable() {
                    return Outcome::Failed(last);
                }
            }
        }
        if attempt < TRIES_PER_OBJECT {
            tokio::time::sleep(backoff).await;
            backoff *= 2;
        }
    }
    Outcome::Failed(last)
}

async fn try_copy(
    s3: &aws_sdk_s3::Client,
    target: &CopyTarget,
    source: &Source,
) -> Result<Outcome, TaskError> {
    let dest = &target.destination_bucket;
    let key = &source.key;
    // Already copied (a retry, a redrive or a duplicate execution)? The copy carries the
    // source ETag; a different or missing one means copy (again).
    match s3.head_object().bucket(dest).key(key).send().await {
        Ok(head) => {
            let recorded = head
                .metadata()
                .and_then(|m| m.get(SOURCE_ETAG_METADATA))
                .map(|v| unquote(v));
            if !source.etag.is_empty() && recorded.as_deref() == Some(source.etag.as_str()) {
                return Ok(Outcome::AlreadyCopied);
            }
        }
        Err(e) if is_missing(&e) => {}
        Err(e) if is_denied(&e) => {
            return Err(TaskError::CopyDestinationDenied(format!(
                "s3:GetObject (HeadObject) on s3://{dest}/{key} (the analytics bucket) was denied ({}): grant the copier \
                 role s3:GetObject and s3:ListBucket on the export prefix of the analytics bucket (without \
                 s3:ListBucket a missing key answers 403, not 404)",
                message(&e)
            )));
        }
        Err(e) => return Err(classify("s3:HeadObject", &e)),
    }
    if source.size > MAX_SINGLE_COPY_BYTES {
        multipart_copy(s3, target, source).await?;
        return Ok(Outcome::Copied {
            bytes: source.size,
            multipart: true,
        });
    }
    let mut request = s3
        .copy_object()
        .bucket(dest)
        .key(key)
        .copy_source(copy_source(&target.source_bucket, key))
        .metadata_directive(MetadataDirective::Replace)
        .metadata(SOURCE_ETAG_METADATA, &source.etag);
    request = match &target.kms_key_arn {
        Some(kms) => request
            .server_side_encryption(ServerSideEncryption::AwsKms)
            .ssekms_key_id(kms)
            .bucket_key_enabled(true),
        None => request.server_side_encryption(ServerSideEncryption::Aes256),
    };
    match request.send().await {
        Ok(_) => Ok(Outcome::Copied {
            bytes: source.size,
            multipart: false,
        }),
        Err(e) if is_missing(&e) && code_of(&e) == Some("NoSuchKey") => Ok(Outcome::Gone),
        Err(e) if is_denied(&e) => Err(denied(s3, target, key, "s3:CopyObject", &e).await),
        Err(e) => Err(classify("s3:CopyObject", &e)),
    }
}

fn code_of<E: ProvideErrorMetadata>(err: &SdkError<E, HttpResponse>) -> Option<&str> {
    match err {
        SdkError::ServiceError(se) => se.err().code(),
        _ => None,
    }
}

/// Names the side and the permission of a denied copy request. S3 answers AccessDenied
/// for both sides of a copy; its message names the action when it can (same-account
/// denials, KMS denials); otherwise the source is probed with HeadObject.
async fn denied<E>(
    s3: &aws_sdk_s3::Client,
    target: &CopyTarget,
    key: &str,
    operation: &str,
    err: &SdkError<E, HttpResponse>,
) -> TaskError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let detail = message(err);
    let (src, dest) = (&target.source_bucket, &target.destination_bucket);
    let dest_key = target.kms_key_arn.as_deref().unwrap_or("(SSE-S3: no key)");
    let source_side = |permission: &str, fix: &str| {
        TaskError::CopySourceDenied(format!(
            "{operation} of s3://{src}/{key} (the staging bucket) into s3://{dest}/{key} was denied: missing \
             {permission} on the staging side ({detail}); {fix}"
        ))
    };
    let destination_side = |permission: &str, fix: &str| {
        TaskError::CopyDestinationDenied(format!(
            "{operation} of s3://{src}/{key} into s3://{dest}/{key} (the analytics bucket) was denied: missing \
             {permission} on the analytics side ({detail}); {fix}"
        ))
    };
    if detail.contains("kms:Decrypt") && !detail.contains(dest_key) {
        return source_side(
            "kms:Decrypt on the prod export key",
            "allow the copier role kms:Decrypt in the prod key's policy (via S3)",
        );
    }
    if detail.contains("kms:GenerateDataKey") || detail.contains("kms:Encrypt") {
        return destination_side(
            &format!("kms:GenerateDataKey on {dest_key}"),
            "allow the copier role kms:GenerateDataKey (and kms:Decrypt for multipart copies) in the analytics key's policy",
        );
    }
    if detail.contains("s3:GetObject") {
        return source_side(
            "s3:GetObject",
            "grant the copier role s3:GetObject on the staging bucket's export prefix",
        );
    }
    if detail.contains("s3:PutObject") {
        return destination_side(
            "s3:PutObject",
            "allow the copier role s3:PutObject on the export prefix in the analytics bucket policy",
        );
    }
    // No action named: can the copier read the source at all?
    match s3.head_object().bucket(src).key(key).send().await {
        Err(e) if is_denied(&e) => source_side(
            "s3:GetObject",
            "grant the copier role s3:GetObject on the staging bucket's export prefix (and kms:Decrypt on the prod key)",
        ),
        _ => destination_side(
            &format!("s3:PutObject (or kms:GenerateDataKey on {dest_key})"),
            "allow the copier role s3:PutObject on the export prefix in the analytics bucket policy and \
             kms:GenerateDataKey in the analytics key's policy (if the staging read is also denied for kms:Decrypt, \
             check the prod key's policy)",
        ),
    }
}

/// The part size for an object of `size` bytes: [`PART_SIZE`], raised so at most
/// [`MAX_PARTS`] parts are needed.
pub(crate) fn part_size(size: u64) -> u64 {
    PART_SIZE.max(size.div_ceil(MAX_PARTS))
}

/// Copies one large object with CreateMultipartUpload, UploadPartCopy per byte range and
/// CompleteMultipartUpload; an upload that fails is aborted (best effort; it never was an
/// object).
async fn multipart_copy(
    s3: &aws_sdk_s3::Client,
    target: &CopyTarget,
    source: &Source,
) -> Result<(), TaskError> {
    let dest = &target.destination_bucket;
    let key = &source.key;
    let mut create = s3
        .create_multipart_upload()
        .bucket(dest)
        .key(key)
        .metadata(SOURCE_ETAG_METADATA, &source.etag);
    create = match &target.kms_key_arn {
        Some(kms) => create
            .server_side_encryption(ServerSideEncryption::AwsKms)
            .ssekms_key_id(kms)
            .bucket_key_enabled(true),
        None => create.server_side_encryption(ServerSideEncryption::Aes256),
    };
    let upload = match create.send().await {
        Ok(out) => out,
        Err(e) if is_denied(&e) => {
            return Err(denied(s3, target, key, "s3:CreateMultipartUpload", &e).await);
        }
        Err(e) => return Err(classify("s3:CreateMultipartUpload", &e)),
    };
    let Some(upload_id) = upload.upload_id().map(str::to_owned) else {
        return Err(TaskError::TransientAws {
            operation: "s3:CreateMultipartUpload".into(),
            detail: format!("no UploadId for s3://{dest}/{key}"),
        });
    };
    let result = copy_parts(s3, target, source, &upload_id).await;
    let result = match result {
        Ok(parts) => s3
            .complete_multipart_upload()
            .bucket(dest)
            .key(key)
            .upload_id(&upload_id)
            .multipart_upload(
                CompletedMultipartUpload::builder()
                    .set_parts(Some(parts))
                    .build(),
            )
            .send()
            .await
            .map(|_| ())
            .map_err(|e| classify("s3:CompleteMultipartUpload", &e)),
        Err(e) => Err(e),
    };
    if result.is_err() {
        let abort = s3
            .abort_multipart_upload()
            .bucket(dest)
            .key(key)
            .upload_id(&upload_id)
            .send()
            .await;
        if let Err(e) = abort {
            tracing::warn!(error = %classify("s3:AbortMultipartUpload", &e), key = %key, "multipart upload not aborted");
        }
    }
    result
}

async fn copy_parts(
    s3: &aws_sdk_s3::Client,
    target: &CopyTarget,
    source: &Source,
    upload_id: &str,
) -> Result<Vec<CompletedPart>, TaskError> {
    let size = source.size;
    let part = part_size(size);
    let count = size.div_ceil(part);
    let copy_from = copy_source(&target.source_bucket, &source.key);
    let mut parts: Vec<CompletedPart> = Vec::new();
    let mut in_flight: JoinSet<Result<CompletedPart, TaskError>> = JoinSet::new();
    for n in 0..count {
        while in_flight.len() >= PART_CONCURRENCY {
            if let Some(done) = in_flight.join_next().await {
                parts.push(joined_part(done)?);
            }
        }
        let first = n * part;
        let last = (first + part).min(size) - 1;
        let number = i32::try_from(n + 1).unwrap_or(i32::MAX);
        let request = s3
            .upload_part_copy()
            .bucket(&target.destination_bucket)
            .key(&source.key)
            .upload_id(upload_id)
            .part_number(number)
            .copy_source(&copy_from)
            .copy_source_range(format!("bytes={first}-{last}"));
        let (s3, target, key) = (s3.clone(), target.clone(), source.key.clone());
        in_flight.spawn(async move {
            match request.send().await {
                Ok(out) => Ok(CompletedPart::builder()
                    .part_number(number)
                    .set_e_tag(
                        out.copy_part_result()
                            .and_then(|r| r.e_tag())
                            .map(str::to_owned),
                    )
                    .build()),
                Err(e) if is_denied(&e) => {
                    Err(denied(&s3, &target, &key, "s3:UploadPartCopy", &e).await)
                }
                Err(e) => Err(classify("s3:UploadPartCopy", &e)),
            }
        });
    }
    while let Some(done) = in_flight.join_next().await {
        parts.push(joined_part(done)?);
    }
    parts.sort_by_key(|p| p.part_number());
    Ok(parts)
}

fn joined_part(
    result: Result<Result<CompletedPart, TaskError>, tokio::task::JoinError>,
) -> Result<CompletedPart, TaskError> {
    result.unwrap_or_else(|e| {
        Err(TaskError::TransientAws {
            operation: "s3:UploadPartCopy".into(),
            detail: format!("part copy ended abnormally: {e}"),
        })
    })
}

#[cfg(test)]
mod tests;

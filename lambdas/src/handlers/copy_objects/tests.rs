//! CopyObjects over mocked S3: pagination, SSE-KMS vs SSE-S3, skip by source ETag,
//! multipart over 5 GiB, deadline stop and resume, scope checks, and every denial named
//! with bucket, key and permission.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_sdk_s3::operation::complete_multipart_upload::CompleteMultipartUploadOutput;
use aws_sdk_s3::operation::copy_object::{CopyObjectError, CopyObjectOutput};
use aws_sdk_s3::operation::create_multipart_upload::CreateMultipartUploadOutput;
use aws_sdk_s3::operation::head_object::{HeadObjectError, HeadObjectOutput};
use aws_sdk_s3::operation::list_objects_v2::{ListObjectsV2Error, ListObjectsV2Output};
use aws_sdk_s3::operation::upload_part_copy::UploadPartCopyOutput;
use aws_sdk_s3::types::{CopyPartResult, MetadataDirective, Object, ServerSideEncryption};
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use aws_smithy_types::error::ErrorMetadata;
use contract::{CopyObjectsInput, CopyState, ExportStatus};

use super::copy_objects;
use crate::config::{CopyObjectsConfig, ProdRole};
use crate::copy::SOURCE_ETAG_METADATA;
use crate::test_support::{BASE_ID, export_state, failed, job, meta, ok};

const STAGING: &str = "prod-staging";
const ANALYTICS: &str = "analytics-exports";
const KMS: &str = "arn:aws:kms:us-east-1:123456789012:key/analytics";
const PREFIX: &str = "rds/rds-orders-2026-11-24-03-10-0a1b2c3d/";
const GIB: i64 = 1024 * 1024 * 1024;

fn cfg(kms: Option<&str>) -> CopyObjectsConfig {
    CopyObjectsConfig {
        sources: Default::default(),
        source_bucket: STAGING.into(),
        prefix: "rds".into(),
        destination_bucket: ANALYTICS.into(),
        destination_kms_key_arn: kms.map(str::to_owned),
        copier_role: Some(ProdRole {
            role_arn: "arn:aws:iam::210987654321:role/copier".into(),
            external_id: Some("xid".into()),
        }),
        concurrency: 4,
        deadline_margin: Duration::from_secs(30),
    }
}

fn input(copy: Option<CopyState>) -> CopyObjectsInput {
    let mut export = export_state(BASE_ID, ExportStatus::Complete, "rds");
    export.s3_bucket = STAGING.into();
    CopyObjectsInput {
        job: job(),
        export,
        copy,
    }
}

fn etag(key: &str) -> String {
    format!(
        "etag-{}",
        key.len() + key.bytes().map(usize::from).sum::<usize>()
    )
}

fn page(keys: &[(String, i64)], next: Option<&str>) -> ListObjectsV2Output {
    ListObjectsV2Output::builder()
        .set_contents(Some(
            keys.iter()
                .map(|(k, size)| {
                    Object::builder()
                        .key(k)
                        .e_tag(format!("\"{}\"", etag(k)))
                        .size(*size)
                        .build()
                })
                .collect(),
        ))
        .is_truncated(next.is_some())
        .set_next_continuation_token(next.map(str::to_owned))
        .build()
}

fn keys(page_no: usize, n: usize) -> Vec<(String, i64)> {
    (0..n)
        .map(|i| (format!("{PREFIX}db/t/{page_no}/part-{i:03}.parquet"), 1000))
        .collect()
}

/// One listed page: (key, size) pairs and the continuation token.
type Page = (Vec<(String, i64)>, Option<&'static str>);

fn list_pages(pages: Vec<Page>) -> Rule {
    let mut seq = mock!(aws_sdk_s3::Client::list_objects_v2)
        .match_requests(|r| r.prefix() == Some(PREFIX) && r.bucket() == Some(STAGING))
        .sequence();
    for (k, next) in pages {
        seq = seq.output(move || page(&k, next));
    }
    seq.build()
}

/// HeadObject on the analytics bucket: 404 for every key not in `done`, else a copy
/// carrying that key's source ETag.
fn head(done: Vec<String>) -> Rule {
    mock!(aws_sdk_s3::Client::head_object)
        .match_requests(|r| r.bucket() == Some(ANALYTICS))
        .then_compute_response(move |r| {
            let key = r.key().unwrap_or_default().to_owned();
            if done.contains(&key) {
                aws_smithy_mocks::MockResponse::Output(
                    HeadObjectOutput::builder()
                        .metadata(SOURCE_ETAG_METADATA, etag(&key))
                        .build(),
                )
            } else {
                aws_smithy_mocks::MockResponse::Error(HeadObjectError::generic(meta("NotFound")))
            }
        })
}

/// CopyObject into the analytics bucket, same key, the source ETag recorded, the expected
/// encryption; records the keys copied.
fn copy_ok(kms: Option<&'static str>, copied: Arc<Mutex<Vec<String>>>) -> Rule {
    mock!(aws_sdk_s3::Client::copy_object)
        .match_requests(move |r| {
            let key = r.key().unwrap_or_default();
            let sse_ok = match kms {
                Some(k) => {
                    r.server_side_encryption() == Some(&ServerSideEncryption::AwsKms)
                        && r.ssekms_key_id() == Some(k)
                }
                None => {
                    r.server_side_encryption() == Some(&ServerSideEncryption::Aes256)
                        && r.ssekms_key_id().is_none()
                }
            };
            r.bucket() == Some(ANALYTICS)
                && key.starts_with(PREFIX)
                && r.copy_source() == Some(&format!("{STAGING}/{key}"))
                && r.metadata_directive() == Some(&MetadataDirective::Replace)
                && r.metadata()
                    .and_then(|m| m.get(SOURCE_ETAG_METADATA))
                    .is_some_and(|v| *v == etag(key))
                && sse_ok
        })
        .then_compute_output(move |r| {
            if let Ok(mut c) = copied.lock() {
                c.push(r.key().unwrap_or_default().to_owned());
            }
            CopyObjectOutput::builder().build()
        })
}

fn copied_keys(copied: &Arc<Mutex<Vec<String>>>) -> Vec<String> {
    let mut keys = copied.lock().map(|c| c.clone()).unwrap_or_default();
    keys.sort();
    keys
}

#[tokio::test]
async fn copies_every_page_under_the_same_keys_with_the_analytics_key() {
    let list = list_pages(vec![(keys(1, 10), Some("t1")), (keys(2, 5), None)]);
    let head = head(vec![]);
    let log = Arc::new(Mutex::new(Vec::new()));
    let copy = copy_ok(Some(KMS), Arc::clone(&log));
    let s3 = mock_client!(aws_sdk_s3, RuleMode::MatchAny, &[&list, &head, &copy]);
    let state = ok(copy_objects(&s3, &cfg(Some(KMS)), &input(None), None).await);
    assert_eq!(
        (state.copied, state.already_copied, state.bytes_copied),
        (15, 0, 15_000)
    );
    assert_eq!(
        (state.done, state.invocations, state.multipart),
        (true, 1, 0)
    );
    assert_eq!(state.start_after, None);
    assert_eq!(
        (
            state.source_bucket.as_str(),
            state.destination_bucket.as_str()
        ),
        (STAGING, ANALYTICS)
    );
    let mut expected: Vec<String> = keys(1, 10)
        .into_iter()
        .chain(keys(2, 5))
        .map(|k| k.0)
        .collect();
    expected.sort();
    assert_eq!(copied_keys(&log), expected);
    assert_eq!(
        (list.num_calls(), head.num_calls(), copy.num_calls()),
        (2, 15, 15)
    );
}

#[tokio::test]
async fn without_an_analytics_key_the_copies_use_sse_s3() {
    let list = list_pages(vec![(keys(1, 3), None)]);
    let head = head(vec![]);
    let log = Arc::new(Mutex::new(Vec::new()));
    let copy = copy_ok(None, Arc::clone(&log));
    let s3 = mock_client!(aws_sdk_s3, RuleMode::MatchAny, &[&list, &head, &copy]);
    let state = ok(copy_objects(&s3, &cfg(None), &input(None), None).await);
    assert_eq!((state.copied, state.done), (3, true));
    assert_eq!(copy.num_calls(), 3);
}

#[tokio::test]
async fn objects_whose_copy_carries_the_source_etag_are_not_copied_again() {
    let all = keys(1, 6);
    let done: Vec<String> = all.iter().take(4).map(|k| k.0.clone()).collect();
    let list = list_pages(vec![(all.clone(), None)]);
    let head = head(done);
    let log = Arc::new(Mutex::new(Vec::new()));
    let copy = copy_ok(Some(KMS), Arc::clone(&log));
    let s3 = mock_client!(aws_sdk_s3, RuleMode::MatchAny, &[&list, &head, &copy]);
    let state = ok(copy_objects(&s3, &cfg(Some(KMS)), &input(None), None).await);
    assert_eq!((state.copied, state.already_copied), (2, 4));
    assert_eq!(copied_keys(&log), vec![all[4].0.clone(), all[5].0.clone()]);

    // A copy with another source ETag (the source changed) is copied again.
    let list = list_pages(vec![(keys(1, 1), None)]);
    let stale = mock!(aws_sdk_s3::Client::head_object).then_output(|| {
        HeadObjectOutput::builder()
            .metadata(SOURCE_ETAG_METADATA, "other")
            .build()
    });
    let copy = copy_ok(Some(KMS), Arc::new(Mutex::new(Vec::new())));
    let s3 = mock_client!(aws_sdk_s3, RuleMode::MatchAny, &[&list, &stale, &copy]);
    let state = ok(copy_objects(&s3, &cfg(Some(KMS)), &input(None), None).await);
    assert_eq!((state.copied, state.already_copied), (1, 0));
}

#[tokio::test]
async fn objects_over_5_gib_are_copied_with_multipart_upload_part_copy() {
    let big = format!("{PREFIX}db/t/1/part-big.parquet");
    let size = 12 * GIB;
    let list = list_pages(vec![(
        vec![
            (big.clone(), size),
            (format!("{PREFIX}export_info.json"), 10),
        ],
        None,
    )]);
    let head = head(vec![]);
    let copy = copy_ok(Some(KMS), Arc::new(Mutex::new(Vec::new())));
    let big_key = big.clone();
    let create = mock!(aws_sdk_s3::Client::create_multipart_upload)
        .match_requests(move |r| {
            r.bucket() == Some(ANALYTICS)
                && r.key() == Some(big_key.as_str())
                && r.server_side_encryption() == Some(&ServerSideEncryption::AwsKms)
                && r.ssekms_key_id() == Some(KMS)
                && r.metadata()
                    .and_then(|m| m.get(SOURCE_ETAG_METADATA))
                    .is_some_and(|v| *v == etag(&big_key))
        })
        .then_output(|| {
            CreateMultipartUploadOutput::builder()
                .upload_id("up-1")
                .build()
        });
    let ranges = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&ranges);
    let big_source = format!("{STAGING}/{big}");
    let part = mock!(aws_sdk_s3::Client::upload_part_copy)
        .match_requests(move |r| {
            r.upload_id() == Some("up-1") && r.copy_source() == Some(big_source.as_str())
        })
        .then_compute_output(move |r| {
            if let Ok(mut s) = seen.lock() {
                s.push((
                    r.part_number().unwrap_or_default(),
                    r.copy_source_range().unwrap_or_default().to_owned(),
                ));
            }
            UploadPartCopyOutput::builder()
                .copy_part_result(
                    CopyPartResult::builder()
                        .e_tag(format!("p{}", r.part_number().unwrap_or_default()))
                        .build(),
                )
                .build()
        });
    let complete = mock!(aws_sdk_s3::Client::complete_multipart_upload)
        .match_requests(|r| {
            let parts = r.multipart_upload().map(|m| m.parts()).unwrap_or_default();
            r.upload_id() == Some("up-1")
                && parts.len() == 24
                && parts.iter().enumerate().all(|(i, p)| {
                    p.part_number() == Some(i as i32 + 1)
                        && p.e_tag() == Some(format!("p{}", i + 1).as_str())
                })
        })
        .then_output(|| CompleteMultipartUploadOutput::builder().build());
    let s3 = mock_client!(
        aws_sdk_s3,
        RuleMode::MatchAny,
        &[&list, &head, &copy, &create, &part, &complete]
    );
    let state = ok(copy_objects(&s3, &cfg(Some(KMS)), &input(None), None).await);
    assert_eq!((state.copied, state.multipart), (2, 1));
    assert_eq!(state.bytes_copied, 12 * GIB as u64 + 10);
    assert_eq!(
        (create.num_calls(), part.num_calls(), complete.num_calls()),
        (1, 24, 1)
    );
    assert_eq!(
        copy.num_calls(),
        1,
        "the small object goes through CopyObject"
    );
    let mut ranges = ranges.lock().map(|r| r.clone()).unwrap_or_default();
    ranges.sort();
    let half = 512 * 1024 * 1024_i64;
    assert_eq!(ranges[0], (1, format!("bytes=0-{}", half - 1)));
    assert_eq!(
        ranges[23],
        (24, format!("bytes={}-{}", 23 * half, size - 1))
    );
}

#[tokio::test]
async fn deadline_stops_and_the_next_call_resumes_after_the_last_key() {
    let first_keys = keys(1, 4);
    let list = list_pages(vec![(first_keys.clone(), Some("t1"))]);
    let head1 = head(vec![]);
    let log = Arc::new(Mutex::new(Vec::new()));
    let copy = copy_ok(Some(KMS), Arc::clone(&log));
    let s3 = mock_client!(aws_sdk_s3, RuleMode::MatchAny, &[&list, &head1, &copy]);
    // Less than the 30 s margin left: the first object is started, nothing more.
    let deadline = Some(Instant::now() + Duration::from_secs(10));
    let first = ok(copy_objects(&s3, &cfg(Some(KMS)), &input(None), deadline).await);
    assert_eq!((first.done, first.copied, first.invocations), (false, 1, 1));
    assert_eq!(first.start_after.as_deref(), Some(first_keys[0].0.as_str()));

    let expected_start = first_keys[0].0.clone();
    let rest: Vec<(String, i64)> = first_keys[1..].to_vec();
    let list2 = mock!(aws_sdk_s3::Client::list_objects_v2)
        .match_requests(move |r| {
            r.start_after() == Some(expected_start.as_str()) && r.continuation_token().is_none()
        })
        .then_output(move || page(&rest, None));
    let head2 = head(vec![]);
    let copy2 = copy_ok(Some(KMS), Arc::clone(&log));
    let s3 = mock_client!(aws_sdk_s3, RuleMode::MatchAny, &[&list2, &head2, &copy2]);
    let second = ok(copy_objects(&s3, &cfg(Some(KMS)), &input(Some(first)), None).await);
    assert_eq!(
        (second.done, second.copied, second.invocations),
        (true, 4, 2)
    );
    assert_eq!(second.start_after, None);
    let mut expected: Vec<String> = first_keys.into_iter().map(|k| k.0).collect();
    expected.sort();
    assert_eq!(
        copied_keys(&log),
        expected,
        "each object copied exactly once"
    );

    // A finished copy is returned as it is, without a request.
    let none = mock_client!(aws_sdk_s3, RuleMode::MatchAny, &[] as &[&Rule]);
    let again = ok(copy_objects(&none, &cfg(Some(KMS)), &input(Some(second.clone())), None).await);
    assert_eq!(again, second);
}

#[tokio::test]
async fn scope_comes_from_config_not_input() {
    let s3 = mock_client!(aws_sdk_s3, RuleMode::MatchAny, &[] as &[&Rule]);
    let mut wider = input(None);
    wider.export.s3_prefix = "rds".into();
    let mut other_bucket = input(None);
    other_bucket.export.s3_bucket = ANALYTICS.into();
    let mut bad_id = input(None);
    bad_id.export.export_task_id = "x/../y".into();
    bad_id.export.s3_prefix = "rds/x/../y".into();
    let mut running = input(None);
    running.export.status = ExportStatus::InProgress;
    let mut moved = input(Some(CopyState {
        source_bucket: STAGING.into(),
        destination_bucket: "elsewhere".into(),
        copied: 0,
        already_copied: 0,
        bytes_copied: 0,
        multipart: 0,
        invocations: 1,
        start_after: None,
        done: false,
    }));
    let mut outside = moved.clone();
    if let Some(c) = moved.copy.as_mut() {
        c.destination_bucket = "elsewhere".into();
    }
    if let Some(c) = outside.copy.as_mut() {
        c.destination_bucket = ANALYTICS.into();
        c.start_after = Some("rds/other-export/z".into());
    }
    moved.job = job();
    for (case, what) in [
        (wider, "s3_prefix"),
        (other_bucket, "s3_bucket"),
        (bad_id, "export_task_id"),
        (running, "COMPLETE"),
        (moved, "elsewhere"),
        (outside, "start_after"),
    ] {
        let e = failed(copy_objects(&s3, &cfg(Some(KMS)), &case, None).await);
        assert_eq!(e.name(), "InvalidInput");
        assert!(e.to_string().contains(what), "{e}");
    }
}

#[tokio::test]
async fn a_listed_key_outside_the_prefix_is_never_touched() {
    let list = mock!(aws_sdk_s3::Client::list_objects_v2)
        .then_output(|| page(&[("rds/other-export/x.parquet".to_owned(), 1)], None));
    let head = head(vec![]);
    let copy = copy_ok(Some(KMS), Arc::new(Mutex::new(Vec::new())));
    let s3 = mock_client!(aws_sdk_s3, RuleMode::MatchAny, &[&list, &head, &copy]);
    let e = failed(copy_objects(&s3, &cfg(Some(KMS)), &input(None), None).await);
    assert_eq!(e.name(), "AwsError");
    assert!(e.to_string().contains("KeyOutsidePrefix"), "{e}");
    assert_eq!((head.num_calls(), copy.num_calls()), (0, 0));
}

fn denied_with(message: &'static str) -> Rule {
    mock!(aws_sdk_s3::Client::copy_object).then_error(move || {
        CopyObjectError::generic(
            ErrorMetadata::builder()
                .code("AccessDenied")
                .message(message)
                .build(),
        )
    })
}

/// One object, the copy denied with `copy`'s error; `source_head` answers the probe of
/// the staging object.
async fn denial(copy: Rule, source_head: Option<Rule>) -> crate::error::TaskError {
    let list = list_pages(vec![(keys(1, 1), None)]);
    let dest_head = head(vec![]);
    let mut rules: Vec<&Rule> = vec![&list, &dest_head, &copy];
    if let Some(h) = &source_head {
        rules.push(h);
    }
    let s3 = mock_client!(aws_sdk_s3, RuleMode::MatchAny, &rules);
    failed(copy_objects(&s3, &cfg(Some(KMS)), &input(None), None).await)
}

fn assert_names(e: &crate::error::TaskError, name: &str, parts: &[&str]) {
    assert_eq!(e.name(), name, "{e}");
    let text = e.to_string();
    for p in parts {
        assert!(text.contains(p), "{p:?} not in {text}");
    }
    assert!(
        text.contains("arn:aws:iam::210987654321:role/copier"),
        "{text}"
    );
}

#[tokio::test]
async fn each_denial_names_the_side_bucket_key_and_permission() {
    let key = keys(1, 1)[0].0.clone();

    // Listing the staging prefix.
    let list = mock!(aws_sdk_s3::Client::list_objects_v2)
        .then_error(|| ListObjectsV2Error::generic(meta("AccessDenied")));
    let s3 = mock_client!(aws_sdk_s3, RuleMode::MatchAny, &[&list]);
    let e = failed(copy_objects(&s3, &cfg(Some(KMS)), &input(None), None).await);
    assert_names(&e, "CopySourceDenied", &["s3:ListBucket", STAGING, PREFIX]);

    // The staging key (kms:Decrypt on the prod key, named by S3's message).
    let e = denial(
        denied_with("User: arn:aws:sts::2:assumed-role/copier/s is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:us-east-1:210987654321:key/prod"),
        None,
    )
    .await;
    assert_names(&e, "CopySourceDenied", &["kms:Decrypt", STAGING, &key]);

    // The analytics key.
    let e = denial(
        denied_with(
            "User: arn:aws:sts::2:assumed-role/copier/s is not authorized to perform: kms:GenerateDataKey on resource: arn:aws:kms:us-east-1:123456789012:key/analytics",
        ),
        None,
    )
    .await;
    assert_names(
        &e,
        "CopyDestinationDenied",
        &["kms:GenerateDataKey", KMS, ANALYTICS, &key],
    );

    // A bare AccessDenied: the probe of the staging object is denied too → the read side.
    let probe_denied = mock!(aws_sdk_s3::Client::head_object)
        .match_requests(|r| r.bucket() == Some(STAGING))
        .then_error(|| HeadObjectError::generic(meta("Forbidden")));
    let e = denial(denied_with("Access Denied"), Some(probe_denied)).await;
    assert_names(&e, "CopySourceDenied", &["s3:GetObject", STAGING, &key]);

    // A bare AccessDenied with a readable source → the write side.
    let probe_ok = mock!(aws_sdk_s3::Client::head_object)
        .match_requests(|r| r.bucket() == Some(STAGING))
        .then_output(|| HeadObjectOutput::builder().build());
    let e = denial(denied_with("Access Denied"), Some(probe_ok)).await;
    assert_names(
        &e,
        "CopyDestinationDenied",
        &["s3:PutObject", ANALYTICS, &key],
    );

    // Reading the analytics copy (HeadObject) is denied.
    let list = list_pages(vec![(keys(1, 1), None)]);
    let head_denied = mock!(aws_sdk_s3::Client::head_object)
        .then_error(|| HeadObjectError::generic(meta("Forbidden")));
    let s3 = mock_client!(aws_sdk_s3, RuleMode::MatchAny, &[&list, &head_denied]);
    let e = failed(copy_objects(&s3, &cfg(Some(KMS)), &input(None), None).await);
    assert_names(
        &e,
        "CopyDestinationDenied",
        &["s3:GetObject", ANALYTICS, &key],
    );
}

#[tokio::test]
async fn transient_copy_failures_are_retried_then_reported() {
    let list = list_pages(vec![(keys(1, 2), None)]);
    let head = head(vec![]);
    let copy = mock!(aws_sdk_s3::Client::copy_object)
        .then_error(|| CopyObjectError::generic(meta("SlowDown")));
    let s3 = mock_client!(
        aws_sdk_s3,
        RuleMode::MatchAny,
        &[&list, &head, &copy],
        |b| b.retry_config(aws_sdk_s3::config::retry::RetryConfig::disabled())
    );
    let e = failed(copy_objects(&s3, &cfg(Some(KMS)), &input(None), None).await);
    assert_eq!(e.name(), "CopyIncomplete");
    assert!(e.to_string().contains("2 of the objects"), "{e}");
    assert_eq!(copy.num_calls(), 6);
}

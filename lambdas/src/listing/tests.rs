//! Unit tests of `listing`: StartAfter on the first request only, the continuation after
//! it, the stop between pages only once progress is made, a foreign key refused before the
//! caller sees its page.

use std::time::{Duration, Instant};

use aws_sdk_s3::operation::list_objects_v2::ListObjectsV2Output;
use aws_sdk_s3::types::Object;
use aws_smithy_mocks::mock;

use super::*;
use crate::test_support::{failed, mocked, ok};

const PREFIX: &str = "rds/export-1/";

fn page(keys: &[&str], next: Option<&str>) -> ListObjectsV2Output {
    ListObjectsV2Output::builder()
        .set_contents(Some(
            keys.iter()
                .map(|k| Object::builder().key(*k).e_tag("\"e\"").size(3).build())
                .collect(),
        ))
        .is_truncated(next.is_some())
        .set_next_continuation_token(next.map(str::to_owned))
        .build()
}

fn keys(page: Page) -> Vec<String> {
    match page {
        Page::Objects(objects) => objects.into_iter().map(|o| o.key).collect(),
        other => panic!("expected objects, got {other:?}"),
    }
}

fn unexpected(e: &ListError) -> TaskError {
    panic!("unexpected listing error {e:?}")
}

#[tokio::test]
async fn resumes_after_start_after_then_follows_the_continuation() {
    let first = mock!(aws_sdk_s3::Client::list_objects_v2)
        .match_requests(|r| {
            r.prefix() == Some(PREFIX)
                && r.start_after() == Some("rds/export-1/a")
                && r.continuation_token().is_none()
        })
        .then_output(|| page(&["rds/export-1/b"], Some("token-2")));
    let second = mock!(aws_sdk_s3::Client::list_objects_v2)
        .match_requests(|r| r.start_after().is_none() && r.continuation_token() == Some("token-2"))
        .then_output(|| page(&["rds/export-1/c"], None));
    let s3 = mocked!(aws_sdk_s3, &[&first, &second]);
    let mut listing = PrefixListing::new(
        &s3,
        "bucket",
        PREFIX,
        Some("rds/export-1/a".into()),
        None,
        unexpected,
    );
    assert_eq!(keys(ok(listing.next_page(false).await)), ["rds/export-1/b"]);
    assert_eq!(keys(ok(listing.next_page(true).await)), ["rds/export-1/c"]);
    assert!(matches!(ok(listing.next_page(true).await), Page::Exhausted));
}

#[tokio::test]
async fn stops_past_the_deadline_only_once_progress_is_made() {
    let first = mock!(aws_sdk_s3::Client::list_objects_v2)
        .then_output(|| page(&["rds/export-1/a"], Some("token-2")));
    let s3 = mocked!(aws_sdk_s3, &[&first]);
    let past = Instant::now().checked_sub(Duration::from_secs(1));
    let mut listing = PrefixListing::new(&s3, "bucket", PREFIX, None, past, unexpected);
    // No progress yet: the first page is listed even past the deadline.
    assert_eq!(keys(ok(listing.next_page(false).await)), ["rds/export-1/a"]);
    assert!(matches!(ok(listing.next_page(true).await), Page::Stopped));
}

#[tokio::test]
async fn a_key_outside_the_prefix_fails_the_page() {
    let foreign = mock!(aws_sdk_s3::Client::list_objects_v2)
        .then_output(|| page(&["rds/export-1/a", "rds/export-10/b"], None));
    let s3 = mocked!(aws_sdk_s3, &[&foreign]);
    let mut listing = PrefixListing::new(&s3, "bucket", PREFIX, None, None, unexpected);
    let e = failed(listing.next_page(false).await);
    assert!(e.to_string().contains("KeyOutsidePrefix"), "{e}");
    assert!(e.to_string().contains("rds/export-10/b"), "{e}");
}

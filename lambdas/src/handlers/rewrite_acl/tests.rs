//! RewriteAcl over mocked S3: ownership, pagination, deadline continuation, denials,
//! transient failures and scope checks.

use std::time::{Duration, Instant};

use aws_sdk_s3::operation::get_bucket_ownership_controls::{
    GetBucketOwnershipControlsError, GetBucketOwnershipControlsOutput,
};
use aws_sdk_s3::operation::list_objects_v2::ListObjectsV2Output;
use aws_sdk_s3::operation::put_object_acl::{PutObjectAclError, PutObjectAclOutput};
use aws_sdk_s3::types::{
    Object, ObjectCannedAcl, ObjectOwnership, OwnershipControls, OwnershipControlsRule,
};
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use contract::{AclState, ExportStatus, RewriteAclInput};

use super::rewrite_acl;
use crate::config::RewriteAclConfig;
use crate::test_support::{BASE_ID, export_state, failed, job, meta, mocked, ok};

const PREFIX: &str = "rds/rds-orders-2026-11-24-03-10-0a1b2c3d/";

fn cfg() -> RewriteAclConfig {
    RewriteAclConfig {
        sources: Default::default(),
        bucket: "analytics-exports".into(),
        prefix: "rds".into(),
        prod_role: Some(crate::config::ProdRole {
            role_arn: "arn:aws:iam::2:role/prod".into(),
            external_id: None,
        }),
        concurrency: 4,
        deadline_margin: Duration::from_secs(30),
    }
}

fn input(acl: Option<AclState>) -> RewriteAclInput {
    RewriteAclInput {
        job: job(),
        export: export_state(BASE_ID, ExportStatus::Complete, "rds"),
        acl,
    }
}

fn ownership(kind: ObjectOwnership) -> Rule {
    mock!(aws_sdk_s3::Client::get_bucket_ownership_controls)
        .match_requests(|r| r.bucket() == Some("analytics-exports"))
        .then_output(move || {
            let rule = OwnershipControlsRule::builder()
                .object_ownership(kind.clone())
                .build()
                .unwrap_or_else(|e| panic!("{e}"));
            let controls = OwnershipControls::builder()
                .rules(rule)
                .build()
                .unwrap_or_else(|e| panic!("{e}"));
            GetBucketOwnershipControlsOutput::builder()
                .ownership_controls(controls)
                .build()
        })
}

fn page(keys: &[&str], next: Option<&str>) -> ListObjectsV2Output {
    ListObjectsV2Output::builder()
        .set_contents(Some(
            keys.iter()
                .map(|k| Object::builder().key(*k).build())
                .collect(),
        ))
        .is_truncated(next.is_some())
        .set_next_continuation_token(next.map(str::to_owned))
        .build()
}

fn keys(page_no: usize, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| format!("{PREFIX}db/t/part-{page_no}-{i:03}.parquet"))
        .collect()
}

fn list_pages(pages: Vec<(Vec<String>, Option<&'static str>)>) -> Rule {
    let mut seq = mock!(aws_sdk_s3::Client::list_objects_v2)
        .match_requests(|r| r.prefix() == Some(PREFIX) && r.bucket() == Some("analytics-exports"))
        .sequence();
    for (k, next) in pages {
        seq = seq.output(move || page(&k.iter().map(String::as_str).collect::<Vec<_>>(), next));
    }
    seq.build()
}

fn put_ok() -> Rule {
    mock!(aws_sdk_s3::Client::put_object_acl)
        .match_requests(|r| {
            r.key().is_some_and(|k| k.starts_with(PREFIX))
                && r.acl() == Some(&ObjectCannedAcl::BucketOwnerFullControl)
        })
        .then_output(|| PutObjectAclOutput::builder().build())
}

#[tokio::test]
async fn owner_enforced_bucket_is_skipped_without_any_acl_request() {
    let own_rule = ownership(ObjectOwnership::BucketOwnerEnforced);
    let own = mocked!(aws_sdk_s3, &[&own_rule]);
    let prod = mocked!(aws_sdk_s3, &[] as &[&Rule]);
    let acl = ok(rewrite_acl(&own, &prod, &cfg(), &input(None), None).await);
    assert_eq!(
        (acl.skipped, acl.done, acl.rewritten, acl.invocations),
        (true, true, 0, 1)
    );
    assert_eq!(acl.ownership, "BucketOwnerEnforced");
}

#[tokio::test]
async fn object_writer_bucket_rewrites_every_page() {
    let own_rule = ownership(ObjectOwnership::ObjectWriter);
    let own = mocked!(aws_sdk_s3, &[&own_rule]);
    let list = list_pages(vec![
        (keys(1, 10), Some("t1")),
        (keys(2, 10), Some("t2")),
        (keys(3, 5), None),
    ]);
    let put = put_ok();
    let prod = mock_client!(aws_sdk_s3, RuleMode::MatchAny, &[&list, &put]);
    let acl = ok(rewrite_acl(&own, &prod, &cfg(), &input(None), None).await);
    assert_eq!(
        (acl.rewritten, acl.failed, acl.done, acl.skipped),
        (25, 0, true, false)
    );
    assert_eq!(acl.start_after, None);
    assert_eq!(acl.ownership, "ObjectWriter");
    assert_eq!(list.num_calls(), 3);
    assert_eq!(put.num_calls(), 25);
}

#[tokio::test]
async fn no_ownership_controls_means_acls_apply() {
    let own_rule = mock!(aws_sdk_s3::Client::get_bucket_ownership_controls).then_error(|| {
        GetBucketOwnershipControlsError::generic(meta("OwnershipControlsNotFoundError"))
    });
    let own = mocked!(aws_sdk_s3, &[&own_rule]);
    let list = list_pages(vec![(keys(1, 3), None)]);
    let put = put_ok();
    let prod = mock_client!(aws_sdk_s3, RuleMode::MatchAny, &[&list, &put]);
    let acl = ok(rewrite_acl(&own, &prod, &cfg(), &input(None), None).await);
    assert_eq!((acl.ownership.as_str(), acl.rewritten), ("None", 3));
}

#[tokio::test]
async fn deadline_stops_between_pages_and_the_next_call_continues() {
    let own_rule = ownership(ObjectOwnership::BucketOwnerPreferred);
    let own = mocked!(aws_sdk_s3, &[&own_rule]);
    let first_keys = keys(1, 4);
    let last_of_first = first_keys[3].clone();
    let list = list_pages(vec![(first_keys, Some("t1"))]);
    let put = put_ok();
    let prod = mock_client!(aws_sdk_s3, RuleMode::MatchAny, &[&list, &put]);
    // Less than the 30 s margin left: one page, then stop.
    let deadline = Some(Instant::now() + Duration::from_secs(10));
    let first = ok(rewrite_acl(&own, &prod, &cfg(), &input(None), deadline).await);
    assert_eq!(
        (first.done, first.rewritten, first.invocations),
        (false, 4, 1)
    );
    assert_eq!(first.start_after.as_deref(), Some(last_of_first.as_str()));

    let expected_start = last_of_first.clone();
    let list2 = mock!(aws_sdk_s3::Client::list_objects_v2)
        .match_requests(move |r| {
            r.start_after() == Some(expected_start.as_str()) && r.continuation_token().is_none()
        })
        .then_output(|| {
            page(
                &keys(2, 3).iter().map(String::as_str).collect::<Vec<_>>(),
                None,
            )
        });
    let put2 = put_ok();
    let own2 = mocked!(aws_sdk_s3, &[] as &[&Rule]); // ownership is carried, not re-read
    let prod2 = mock_client!(aws_sdk_s3, RuleMode::MatchAny, &[&list2, &put2]);
    let second = ok(rewrite_acl(&own2, &prod2, &cfg(), &input(Some(first)), deadline).await);
    assert_eq!(
        (second.done, second.rewritten, second.invocations),
        (true, 7, 2)
    );
    assert_eq!(second.start_after, None);
    assert_eq!(second.ownership, "BucketOwnerPreferred");
}

#[tokio::test]
async fn denied_acl_names_the_role_and_permission() {
    let own_rule = ownership(ObjectOwnership::ObjectWriter);
    let own = mocked!(aws_sdk_s3, &[&own_rule]);
    let list = list_pages(vec![(keys(1, 2), None)]);
    let put = mock!(aws_sdk_s3::Client::put_object_acl)
        .then_error(|| PutObjectAclError::generic(meta("AccessDenied")));
    let prod = mock_client!(aws_sdk_s3, RuleMode::MatchAny, &[&list, &put]);
    let e = failed(rewrite_acl(&own, &prod, &cfg(), &input(None), None).await);
    assert_eq!(e.name(), "AclAccessDenied");
    assert!(
        e.to_string().contains("s3:PutObjectAcl")
            && e.to_string().contains("arn:aws:iam::2:role/prod"),
        "{e}"
    );
}

#[tokio::test]
async fn acl_not_supported_finishes_as_skipped() {
    let own_rule = ownership(ObjectOwnership::ObjectWriter);
    let own = mocked!(aws_sdk_s3, &[&own_rule]);
    let list = list_pages(vec![(keys(1, 2), Some("t1"))]);
    let put = mock!(aws_sdk_s3::Client::put_object_acl)
        .then_error(|| PutObjectAclError::generic(meta("AccessControlListNotSupported")));
    let prod = mock_client!(aws_sdk_s3, RuleMode::MatchAny, &[&list, &put]);
    let acl = ok(rewrite_acl(&own, &prod, &cfg(), &input(None), None).await);
    assert_eq!((acl.skipped, acl.done), (true, true));
    assert_eq!(list.num_calls(), 1);
}

#[tokio::test]
async fn transient_object_failures_are_retried_then_reported() {
    let own_rule = ownership(ObjectOwnership::ObjectWriter);
    let own = mocked!(aws_sdk_s3, &[&own_rule]);
    let list = list_pages(vec![(keys(1, 1), None)]);
    let put = mock!(aws_sdk_s3::Client::put_object_acl)
        .sequence()
        .http_status(503, None)
        .output(|| PutObjectAclOutput::builder().build())
        .build();
    let prod = mock_client!(aws_sdk_s3, RuleMode::MatchAny, &[&list, &put], |b| b
        .retry_config(aws_sdk_s3::config::retry::RetryConfig::disabled()));
    let acl = ok(rewrite_acl(&own, &prod, &cfg(), &input(None), None).await);
    assert_eq!((acl.rewritten, acl.failed), (1, 0));
    assert_eq!(put.num_calls(), 2);

    let own_rule = ownership(ObjectOwnership::ObjectWriter);
    let own = mocked!(aws_sdk_s3, &[&own_rule]);
    let list = list_pages(vec![(keys(1, 2), None)]);
    let put = mock!(aws_sdk_s3::Client::put_object_acl)
        .then_error(|| PutObjectAclError::generic(meta("SlowDown")));
    let prod = mock_client!(aws_sdk_s3, RuleMode::MatchAny, &[&list, &put], |b| b
        .retry_config(aws_sdk_s3::config::retry::RetryConfig::disabled()));
    let e = failed(rewrite_acl(&own, &prod, &cfg(), &input(None), None).await);
    assert_eq!(e.name(), "AclRewriteIncomplete");
    assert!(e.to_string().contains("2 of the objects"), "{e}");
    assert_eq!(put.num_calls(), 6);
}

#[tokio::test]
async fn scope_comes_from_config_not_input() {
    let own = mocked!(aws_sdk_s3, &[] as &[&Rule]);
    let prod = mocked!(aws_sdk_s3, &[] as &[&Rule]);
    let mut wider = input(None);
    wider.export.s3_prefix = "rds".into();
    let mut other_bucket = input(None);
    other_bucket.export.s3_bucket = "other".into();
    let mut bad_id = input(None);
    bad_id.export.export_task_id = "x/../y".into();
    bad_id.export.s3_prefix = "rds/x/../y".into();
    let mut running = input(None);
    running.export.status = ExportStatus::InProgress;
    for (case, what) in [
        (wider, "s3_prefix"),
        (other_bucket, "s3_bucket"),
        (bad_id, "export_task_id"),
        (running, "COMPLETE"),
    ] {
        let e = failed(rewrite_acl(&own, &prod, &cfg(), &case, None).await);
        assert_eq!(e.name(), "InvalidInput");
        assert!(e.to_string().contains(what), "{e}");
    }
}

#[tokio::test]
async fn a_listed_key_outside_the_prefix_is_never_touched() {
    let own_rule = ownership(ObjectOwnership::ObjectWriter);
    let own = mocked!(aws_sdk_s3, &[&own_rule]);
    let list = mock!(aws_sdk_s3::Client::list_objects_v2)
        .then_output(|| page(&["rds/other-export/x.parquet"], None));
    let put = put_ok();
    let prod = mock_client!(aws_sdk_s3, RuleMode::MatchAny, &[&list, &put]);
    let e = failed(rewrite_acl(&own, &prod, &cfg(), &input(None), None).await);
    assert_eq!(e.name(), "AwsError");
    assert_eq!(put.num_calls(), 0);
}

//! RewriteAcl against moto's S3: the ACL requests actually sent (moto's recorder), and no
//! key outside the export prefix touched.

use std::collections::BTreeSet;
use std::time::Duration;

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{ObjectOwnership, OwnershipControls, OwnershipControlsRule};
use contract::{ExportState, ExportStatus, Job, JobAction, RewriteAclInput, SourceKind, Trigger};
use lambdas::{Aws, RewriteAclConfig, rewrite_acl, s3_client};

use crate::server::Moto;

const ID: &str = "orders-2026-01-15-1a2b3c4d";

fn input(bucket: &str) -> RewriteAclInput {
    let job = Job {
        action: JobAction::Export,
        ignore_reason: None,
        snapshot_arn: "arn:aws:rds:us-east-1:123456789012:snapshot:orders-2026-01-15".into(),
        source_kind: SourceKind::DbSnapshot,
        snapshot_id: "orders-2026-01-15".into(),
        db_identifier: None,
        snapshot_type: None,
        trigger: Trigger::Manual,
        event_id: None,
        export_task_id: ID.into(),
        export_only: vec![],
    };
    let export = ExportState {
        export_task_id: ID.into(),
        attempt: 1,
        adopted: false,
        status: ExportStatus::Complete,
        percent_progress: 100,
        total_extracted_gb: None,
        failure_cause: String::new(),
        warnings: vec![],
        warnings_total: 0,
        snapshot_time: None,
        s3_bucket: bucket.into(),
        s3_prefix: format!("exports/{ID}"),
        started_at: 0,
        wait_started_at: 0,
        redrive_count: 0,
        checks: 1,
        next_poll_seconds: 30,
        progress: vec![],
    };
    RewriteAclInput {
        job,
        export,
        acl: None,
    }
}

fn cfg(bucket: &str) -> RewriteAclConfig {
    RewriteAclConfig {
        bucket: bucket.into(),
        prefix: "exports".into(),
        prod_role: None,
        concurrency: 8,
        deadline_margin: Duration::from_secs(30),
    }
}

async fn bucket_with_objects(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    ownership: ObjectOwnership,
) -> Vec<String> {
    s3.create_bucket()
        .bucket(bucket)
        .send()
        .await
        .unwrap_or_else(|e| panic!("create bucket: {e:?}"));
    let rule = OwnershipControlsRule::builder()
        .object_ownership(ownership)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let controls = OwnershipControls::builder()
        .rules(rule)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    s3.put_bucket_ownership_controls()
        .bucket(bucket)
        .ownership_controls(controls)
        .send()
        .await
        .unwrap_or_else(|e| panic!("ownership: {e:?}"));
    let ours: Vec<String> = (0..30)
        .map(|i| format!("exports/{ID}/orders/public.items/1/part-{i:05}.gz.parquet"))
        .collect();
    let decoys = [
        format!("exports/{ID}-r2/orders/part-0.gz.parquet"), // the next attempt's prefix
        format!("exports/{ID}x/part-0.gz.parquet"),          // shares the string prefix
        format!("exports/{ID}"),                             // the prefix itself, no slash
        format!("{ID}/part-0.gz.parquet"),                   // same id outside EXPORT_PREFIX
        "exports/other/part-0.gz.parquet".to_owned(),
    ];
    for key in ours.iter().chain(decoys.iter()) {
        s3.put_object()
            .bucket(bucket)
            .key(key)
            .body(ByteStream::from_static(b"parquet"))
            .send()
            .await
            .unwrap_or_else(|e| panic!("put {key}: {e:?}"));
    }
    ours
}

/// The keys of the PutObjectAcl requests recorded in `bucket`, checking their canned ACL.
fn acl_requests(moto: &Moto, bucket: &str) -> BTreeSet<String> {
    let marker = format!("/{bucket}/");
    moto.recording()
        .iter()
        .filter(|r| r["method"] == "PUT" && r["url"].as_str().is_some_and(|u| u.contains("?acl")))
        .map(|r| {
            let url = r["url"].as_str().unwrap_or_default();
            let acl = r["headers"]
                .as_object()
                .and_then(|h| h.iter().find(|(k, _)| k.eq_ignore_ascii_case("x-amz-acl")))
                .and_then(|(_, v)| v.as_str());
            assert_eq!(acl, Some("bucket-owner-full-control"), "{url}");
            let path = url.split_once(&marker).map(|(_, p)| p).unwrap_or_default();
            path.split('?').next().unwrap_or_default().to_owned()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn object_writer_bucket_gets_exactly_the_prefix_rewritten() {
    let moto = Moto::start();
    let sdk = moto.sdk_config().await;
    let s3 = s3_client(&sdk);
    let ours = bucket_with_objects(&s3, "writer-bucket", ObjectOwnership::ObjectWriter).await;
    let aws = Aws::from_sdk_config(sdk, None);
    let prod = aws.prod(ID).await;
    moto.start_recording();
    let acl = rewrite_acl(
        &aws.s3,
        &prod.s3,
        &cfg("writer-bucket"),
        &input("writer-bucket"),
        None,
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (acl.rewritten, acl.failed, acl.done, acl.skipped),
        (30, 0, true, false)
    );
    assert_eq!(acl.ownership, "ObjectWriter");
    let expected: BTreeSet<String> = ours.into_iter().collect();
    assert_eq!(acl_requests(&moto, "writer-bucket"), expected);
}

#[tokio::test(flavor = "multi_thread")]
async fn owner_enforced_bucket_sends_no_acl_request() {
    let moto = Moto::start();
    let sdk = moto.sdk_config().await;
    let s3 = s3_client(&sdk);
    bucket_with_objects(&s3, "enforced-bucket", ObjectOwnership::BucketOwnerEnforced).await;
    let aws = Aws::from_sdk_config(sdk, None);
    let prod = aws.prod(ID).await;
    moto.start_recording();
    let acl = rewrite_acl(
        &aws.s3,
        &prod.s3,
        &cfg("enforced-bucket"),
        &input("enforced-bucket"),
        None,
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((acl.skipped, acl.done, acl.rewritten), (true, true, 0));
    assert_eq!(acl.ownership, "BucketOwnerEnforced");
    assert!(acl_requests(&moto, "enforced-bucket").is_empty());
    assert!(
        !moto.recording().is_empty(),
        "the recorder saw nothing at all: is it recording?"
    );
}

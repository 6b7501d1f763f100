//! CopyObjects against moto's S3 with two accounts: the staging bucket in prod (reached as
//! the assumed copier role), the analytics bucket in the function's own account. The copies
//! land under the same keys with the analytics encryption and the source ETag, nothing
//! outside the prefix is read or written, and a second run copies nothing.

use std::time::Duration;

use aws_sdk_s3::primitives::ByteStream;
use contract::{CopyObjectsInput, ExportState, ExportStatus, Job, JobAction, SourceKind, Trigger};
use lambdas::copy::SOURCE_ETAG_METADATA;
use lambdas::{Aws, CopyObjectsConfig, ProdRole, copy_objects, s3_client};

use crate::server::Moto;

const ID: &str = "orders-2026-01-15-1a2b3c4d";
const STAGING: &str = "prod-staging";
const ANALYTICS: &str = "analytics-exports";
const KMS: &str = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555";

fn input() -> CopyObjectsInput {
    let job = Job {
        action: JobAction::Export,
        ignore_reason: None,
        snapshot_arn: "arn:aws:rds:us-east-1:222233334444:snapshot:orders-2026-01-15".into(),
        source_kind: SourceKind::DbSnapshot,
        snapshot_id: "orders-2026-01-15".into(),
        db_identifier: None,
        snapshot_type: None,
        trigger: Trigger::Manual,
        event_id: None,
        export_task_id: ID.into(),
        export_only: vec![],
        source_account: "123456789012".into(),
        source_region: "us-east-1".into(),
        source_name: String::new(),
        delivery: contract::DeliveryMode::ShareKey,
    };
    let export: ExportState = serde_json::from_value(serde_json::json!({
        "export_task_id": ID, "attempt": 1, "adopted": false, "status": "COMPLETE",
        "percent_progress": 100, "failure_cause": "", "warnings": [],
        "s3_bucket": STAGING, "s3_prefix": format!("exports/{ID}"), "started_at": 0,
        "wait_started_at": 0, "redrive_count": 0, "checks": 1, "next_poll_seconds": 30,
        "progress": []
    }))
    .unwrap_or_else(|e| panic!("export state: {e}"));
    assert_eq!(export.status, ExportStatus::Complete);
    CopyObjectsInput {
        job,
        export,
        copy: None,
    }
}

fn cfg() -> CopyObjectsConfig {
    CopyObjectsConfig {
        sources: Default::default(),
        source_bucket: STAGING.into(),
        prefix: "exports".into(),
        destination_bucket: ANALYTICS.into(),
        destination_kms_key_arn: Some(KMS.into()),
        copier_role: None,
        concurrency: 8,
        deadline_margin: Duration::from_secs(30),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn copies_the_prefix_across_accounts_once() {
    let moto = Moto::start();
    let sdk = moto.sdk_config().await;
    let own = s3_client(&sdk);
    let aws = Aws::from_sdk_config(sdk, None).with_copier_role(Some(ProdRole {
        role_arn: "arn:aws:iam::222233334444:role/snapshot-export-copier".into(),
        external_id: Some("ext-1".into()),
    }));
    let copier = aws.copier(ID).await;

    // Staging (prod): the export's objects and decoys next to its prefix.
    copier
        .create_bucket()
        .bucket(STAGING)
        .send()
        .await
        .unwrap_or_else(|e| panic!("staging bucket: {e:?}"));
    let ours: Vec<String> = (0..30)
        .map(|i| format!("exports/{ID}/orders/public.items/1/part-{i:05}.gz.parquet"))
        .collect();
    let decoys = [
        format!("exports/{ID}-r2/orders/part-0.gz.parquet"),
        format!("exports/{ID}x/part-0.gz.parquet"),
        "exports/other/part-0.gz.parquet".to_owned(),
    ];
    for key in ours.iter().chain(decoys.iter()) {
        copier
            .put_object()
            .bucket(STAGING)
            .key(key)
            .body(ByteStream::from(format!("parquet of {key}").into_bytes()))
            .send()
            .await
            .unwrap_or_else(|e| panic!("put {key}: {e:?}"));
    }
    // Analytics (the function's own account).
    own.create_bucket()
        .bucket(ANALYTICS)
        .send()
        .await
        .unwrap_or_else(|e| panic!("analytics bucket: {e:?}"));

    let state = copy_objects(&copier, &cfg(), &input(), None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (state.copied, state.already_copied, state.done),
        (30, 0, true)
    );

    let listed = own
        .list_objects_v2()
        .bucket(ANALYTICS)
        .send()
        .await
        .unwrap_or_else(|e| panic!("list: {e:?}"));
    let mut keys: Vec<String> = listed
        .contents()
        .iter()
        .filter_map(|o| o.key().map(str::to_owned))
        .collect();
    keys.sort();
    assert_eq!(keys, ours, "exactly the export's keys, no decoy");
    for key in &ours[..3] {
        let source = copier
            .head_object()
            .bucket(STAGING)
            .key(key)
            .send()
            .await
            .unwrap_or_else(|e| panic!("head source {key}: {e:?}"));
        let head = own
            .head_object()
            .bucket(ANALYTICS)
            .key(key)
            .send()
            .await
            .unwrap_or_else(|e| panic!("head copy {key}: {e:?}"));
        assert_eq!(head.ssekms_key_id(), Some(KMS), "{key}");
        assert_eq!(
            head.metadata()
                .and_then(|m| m.get(SOURCE_ETAG_METADATA))
                .map(String::as_str),
            source.e_tag().map(|e| e.trim_matches('"')),
            "{key}"
        );
    }

    // Again (a redrive, a duplicate event): everything is already there.
    let again = copy_objects(&copier, &cfg(), &input(), None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((again.copied, again.already_copied), (0, 30));
}

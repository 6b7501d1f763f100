//! Normalize, StartExport and CheckExport against moto's RDS, with moto's own export
//! behaviour (the harness control `"timeline": null`): a task is `complete` at once and no
//! object is written, so no export bucket is needed.

use contract::{CheckExportInput, ExportStatus, JobAction, StartExportInput};
use lambdas::{Aws, NormalizeConfig, StartExportConfig, check_export, normalize, start_export};

use crate::fixtures::policy;
use crate::server::Moto;

/// Creates a DB instance and a manual snapshot of it; returns the snapshot ARN.
pub(crate) async fn create_snapshot(rds: &aws_sdk_rds::Client, db: &str, snapshot: &str) -> String {
    rds.create_db_instance()
        .db_instance_identifier(db)
        .db_instance_class("db.t3.micro")
        .engine("postgres")
        .master_username("admin")
        .master_user_password("password123")
        .allocated_storage(20)
        .send()
        .await
        .unwrap_or_else(|e| panic!("create db: {e:?}"));
    let out = rds
        .create_db_snapshot()
        .db_instance_identifier(db)
        .db_snapshot_identifier(snapshot)
        .send()
        .await
        .unwrap_or_else(|e| panic!("create snapshot: {e:?}"));
    out.db_snapshot()
        .and_then(|s| s.db_snapshot_arn())
        .unwrap_or_else(|| panic!("no snapshot ARN"))
        .to_owned()
}

/// moto whose exports are moto's own, not the harness's scripted ones.
fn moto_exports() -> Moto {
    let moto = Moto::start();
    moto.controls(serde_json::json!({ "timeline": null }));
    moto
}

fn start_cfg() -> StartExportConfig {
    StartExportConfig {
        sources: Default::default(),
        bucket: "exports-bucket".into(),
        prefix: "rds".into(),
        kms_key_arn: "arn:aws:kms:us-east-1:123456789012:key/0000".into(),
        export_role_arn: "arn:aws:iam::123456789012:role/export".into(),
        prod_role: None,
        slots_table: None,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn normalize_start_adopt_and_check() {
    let moto = moto_exports();
    let aws = Aws::from_sdk_config(moto.sdk_config().await, None);
    let prod = aws.prod("x").await;
    let arn = create_snapshot(&prod.rds, "orders", "orders-manual-1").await;

    let job = normalize(
        &prod.rds,
        &NormalizeConfig::default(),
        &serde_json::json!({ "snapshot_arn": arn }),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(job.action, JobAction::Export);
    assert_eq!(job.db_identifier.as_deref(), Some("orders"));

    let input = StartExportInput {
        job: job.clone(),
        policy: policy(),
        max_attempts: contract::MAX_EXPORT_ATTEMPTS,
        redrive_count: 0,
        slots: false,
        execution_id: None,
    };
    let first = start_export(&prod.rds, &start_cfg(), &input, 1_000)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(first.export_task_id, job.export_task_id);
    assert!(!first.adopted);
    assert_eq!(first.s3_prefix, format!("rds/{}", job.export_task_id));
    assert_eq!(first.s3_bucket, "exports-bucket");

    // A duplicate event: same id, adopted, nothing started twice.
    let again = start_export(&prod.rds, &start_cfg(), &input, 2_000)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(again.adopted);
    assert_eq!(again.export_task_id, first.export_task_id);

    let checked = check_export(
        &prod.rds,
        CheckExportInput {
            job,
            export: first,
            policy: policy(),
            redrive_count: 0,
        },
        1_060,
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        checked.status,
        ExportStatus::Complete,
        "moto completes exports at once"
    );
    assert_eq!(checked.checks, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn real_error_codes_map_to_contract_names() {
    let moto = moto_exports();
    let aws = Aws::from_sdk_config(moto.sdk_config().await, None);
    let prod = aws.prod("x").await;
    let missing = "arn:aws:rds:us-east-1:123456789012:snapshot:does-not-exist";
    let e = normalize(
        &prod.rds,
        &NormalizeConfig::default(),
        &serde_json::json!({ "snapshot_arn": missing }),
    )
    .await
    .err()
    .unwrap_or_else(|| panic!("found a missing snapshot"));
    assert_eq!(e.name(), "SnapshotNotFound", "{e}");

    let arn = create_snapshot(&prod.rds, "billing", "billing-1").await;
    let job = normalize(
        &prod.rds,
        &NormalizeConfig::default(),
        &serde_json::json!({ "snapshot_arn": arn }),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let mut gone = job.clone();
    gone.snapshot_arn = missing.into();
    let e = start_export(
        &prod.rds,
        &start_cfg(),
        &StartExportInput {
            job: gone,
            policy: policy(),
            max_attempts: contract::MAX_EXPORT_ATTEMPTS,
            redrive_count: 0,
            slots: false,
            execution_id: None,
        },
        0,
    )
    .await
    .err()
    .unwrap_or_else(|| panic!("exported a missing snapshot"));
    assert_eq!(e.name(), "SnapshotNotFound", "{e}");

    let state = start_export(
        &prod.rds,
        &start_cfg(),
        &StartExportInput {
            job: job.clone(),
            policy: policy(),
            max_attempts: contract::MAX_EXPORT_ATTEMPTS,
            redrive_count: 0,
            slots: false,
            execution_id: None,
        },
        0,
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let mut unknown = state;
    unknown.export_task_id = "never-started-1".into();
    let e = check_export(
        &prod.rds,
        CheckExportInput {
            job,
            export: unknown,
            policy: policy(),
            redrive_count: 0,
        },
        0,
    )
    .await
    .err()
    .unwrap_or_else(|| panic!("found an unknown export"));
    assert_eq!(e.name(), "ExportNotFound", "{e}");
}

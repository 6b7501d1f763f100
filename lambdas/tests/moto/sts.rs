//! The prod-account role: assumed through moto's STS, calls land in the prod account.

use lambdas::{Aws, NormalizeConfig, ProdRole, normalize};

use crate::export::create_snapshot;
use crate::server::Moto;

#[tokio::test(flavor = "multi_thread")]
async fn prod_role_reaches_the_prod_account() {
    let moto = Moto::start();
    let role = ProdRole {
        role_arn: "arn:aws:iam::222233334444:role/snapshot-export-prod".into(),
        external_id: Some("ext-1".into()),
    };
    let cross = Aws::from_sdk_config(moto.sdk_config().await, Some(role));
    let prod = cross.prod("orders-1a2b3c4d").await;
    let arn = create_snapshot(&prod.rds, "orders", "orders-prod-1").await;
    assert!(
        arn.contains(":222233334444:"),
        "snapshot created outside the prod account: {arn}"
    );

    // Warm: the same export gets the same cached clients.
    let again = cross.prod("orders-1a2b3c4d").await;
    assert!(std::sync::Arc::ptr_eq(&prod, &again));

    let input = serde_json::json!({ "snapshot_arn": arn });
    let job = normalize(&prod.rds, &NormalizeConfig::default(), &input)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(job.db_identifier.as_deref(), Some("orders"));

    // The function's own account does not have the snapshot.
    let single = Aws::from_sdk_config(moto.sdk_config().await, None);
    let own = single.prod("orders-1a2b3c4d").await;
    let e = normalize(&own.rds, &NormalizeConfig::default(), &input)
        .await
        .err()
        .unwrap_or_else(|| panic!("found"));
    assert_eq!(e.name(), "SnapshotNotFound");
}

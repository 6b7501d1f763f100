//! Tests of the environment parsing: defaults, trimming, and errors naming the variable.

use super::*;

fn env(pairs: &[(&'static str, &str)]) -> Env {
    Env::from_pairs(pairs.iter().map(|(k, v)| (*k, (*v).to_owned())))
}

fn err_text(r: Result<impl std::fmt::Debug, TaskError>) -> String {
    match r {
        Err(e) => {
            assert_eq!(e.name(), "InvalidConfig");
            e.to_string()
        }
        Ok(v) => panic!("accepted: {v:?}"),
    }
}

const START_OK: [(&str, &str); 4] = [
    ("EXPORT_BUCKET", "analytics-exports"),
    ("EXPORT_PREFIX", "/rds/"),
    ("EXPORT_KMS_KEY_ARN", "arn:aws:kms:us-east-1:1:key/k"),
    ("EXPORT_ROLE_ARN", "arn:aws:iam::1:role/export"),
];

#[test]
fn start_export_reads_and_trims() {
    let c = StartExportConfig::from_env(&env(&START_OK)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.prefix, "rds");
    assert_eq!(c.bucket, "analytics-exports");
    assert_eq!(c.prod_role, None);
    assert_eq!(export_s3_prefix(&c.prefix, "x-1"), "rds/x-1");
    assert_eq!(export_s3_prefix("", "x-1"), "x-1");
}

#[test]
fn each_required_variable_is_named_when_missing() {
    for missing in ["EXPORT_BUCKET", "EXPORT_KMS_KEY_ARN", "EXPORT_ROLE_ARN"] {
        let pairs: Vec<_> = START_OK
            .iter()
            .copied()
            .filter(|(k, _)| *k != missing)
            .collect();
        let text = err_text(StartExportConfig::from_env(&env(&pairs)));
        assert!(text.contains(missing), "{text}");
    }
    assert!(
        err_text(CrawlerConfig::from_env(&env(&[("CRAWLER_NAME", "  ")]))).contains("CRAWLER_NAME")
    );
}

#[test]
fn malformed_values_are_named() {
    let cases: [(&str, &str); 6] = [
        ("EXPORT_BUCKET", "Bad_Bucket"),
        ("EXPORT_PREFIX", "a//b"),
        ("EXPORT_KMS_KEY_ARN", "alias/x"),
        ("EXPORT_ROLE_ARN", "export"),
        ("PROD_ROLE_ARN", "prod"),
        ("EXPORT_PREFIX", "a/../b"),
    ];
    for (name, value) in cases {
        let mut pairs: Vec<_> = START_OK
            .iter()
            .copied()
            .filter(|(k, _)| *k != name)
            .collect();
        pairs.push((name, value));
        let text = err_text(StartExportConfig::from_env(&env(&pairs)));
        assert!(text.contains(name), "{text}");
    }
}

#[test]
fn rewrite_acl_numbers() {
    let base = [("EXPORT_BUCKET", "b-1")];
    let c = RewriteAclConfig::from_env(&env(&base)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.concurrency, 64);
    assert_eq!(c.deadline_margin, Duration::from_secs(30));
    for (k, v) in [
        ("ACL_CONCURRENCY", "0"),
        ("ACL_CONCURRENCY", "x"),
        ("ACL_DEADLINE_MARGIN_SECONDS", "-1"),
    ] {
        let text = err_text(RewriteAclConfig::from_env(&env(&[base[0], (k, v)])));
        assert!(text.contains(k), "{text}");
    }
    let c = RewriteAclConfig::from_env(&env(&[base[0], ("ACL_CONCURRENCY", "8")]))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.concurrency, 8);
}

#[test]
fn normalize_lists() {
    let c = NormalizeConfig::from_env(&env(&[
        ("DB_IDENTIFIERS", "orders, billing"),
        ("SNAPSHOT_TYPES", "Automated,copy"),
        ("EXPORT_ONLY", "orders.public.items"),
        ("PROD_ROLE_ARN", "arn:aws:iam::2:role/p"),
        ("PROD_ROLE_EXTERNAL_ID", "ext"),
    ]))
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        c.db_identifiers,
        Some(vec!["orders".into(), "billing".into()])
    );
    assert_eq!(
        c.snapshot_types,
        Some(vec![SnapshotType::Automated, SnapshotType::Copy])
    );
    assert_eq!(c.export_only, vec!["orders.public.items".to_owned()]);
    assert_eq!(c.prod_role.map(|r| r.external_id), Some(Some("ext".into())));
    assert!(
        err_text(NormalizeConfig::from_env(&env(&[(
            "SNAPSHOT_TYPES",
            "weekly"
        )])))
        .contains("SNAPSHOT_TYPES")
    );
    assert!(
        err_text(NormalizeConfig::from_env(&env(&[(
            "EXPORT_ONLY",
            "a.b.c.d"
        )])))
        .contains("EXPORT_ONLY")
    );
    assert!(
        err_text(NormalizeConfig::from_env(&env(&[(
            "PROD_ROLE_EXTERNAL_ID",
            "x"
        )])))
        .contains("PROD_ROLE_ARN")
    );
}

#[test]
fn notify_defaults() {
    let c = NotifyConfig::from_env(&Env::default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.event_bus_name, None);
    assert_eq!(c.event_source, "snapshot-export");
}

#[test]
fn copy_objects_reads_defaults_and_names_errors() {
    let base = [
        ("EXPORT_BUCKET", "prod-staging"),
        ("DESTINATION_BUCKET", "analytics-exports"),
    ];
    let c = CopyObjectsConfig::from_env(&env(&base)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (c.source_bucket.as_str(), c.destination_bucket.as_str()),
        ("prod-staging", "analytics-exports")
    );
    assert_eq!((c.concurrency, c.copier_role.clone()), (128, None));
    assert_eq!(c.deadline_margin, Duration::from_secs(120));
    assert_eq!(c.destination_kms_key_arn, None);
    let c = CopyObjectsConfig::from_env(&env(&[
        base[0],
        base[1],
        ("EXPORT_PREFIX", "/rds/"),
        ("DESTINATION_KMS_KEY_ARN", "arn:aws:kms:us-east-1:1:key/a"),
        ("COPIER_ROLE_ARN", "arn:aws:iam::2:role/copier"),
        ("COPIER_ROLE_EXTERNAL_ID", "xid"),
        ("COPY_CONCURRENCY", "16"),
    ]))
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.prefix, "rds");
    assert_eq!(c.concurrency, 16);
    assert_eq!(
        c.copier_role,
        Some(ProdRole {
            role_arn: "arn:aws:iam::2:role/copier".into(),
            external_id: Some("xid".into())
        })
    );
    for (k, v) in [
        ("COPY_CONCURRENCY", "0"),
        ("COPY_DEADLINE_MARGIN_SECONDS", "901"),
        ("DESTINATION_KMS_KEY_ARN", "alias/x"),
        ("COPIER_ROLE_EXTERNAL_ID", "only-the-id"),
        ("DESTINATION_BUCKET", "prod-staging"),
        ("DESTINATION_BUCKET", "Bad_Bucket"),
    ] {
        let mut pairs: Vec<(&'static str, &str)> =
            base.iter().copied().filter(|(n, _)| *n != k).collect();
        pairs.push((k, v));
        let text = err_text(CopyObjectsConfig::from_env(&env(&pairs)));
        assert!(text.contains(k.trim_end_matches("_EXTERNAL_ID")), "{text}");
    }
    let text = err_text(CopyObjectsConfig::from_env(&env(&base[..1])));
    assert!(text.contains("DESTINATION_BUCKET"), "{text}");
}

#[test]
fn catalog_tables_database_and_concurrency() {
    let text = err_text(CatalogTablesConfig::from_env(&env(&[])));
    assert!(text.contains("GLUE_DATABASE"), "{text}");
    let c = CatalogTablesConfig::from_env(&env(&[("GLUE_DATABASE", " analytics ")]))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.database, "analytics");
    assert_eq!(c.concurrency, DEFAULT_CATALOG_CONCURRENCY);
    for v in ["0", "257", "x"] {
        let text = err_text(CatalogTablesConfig::from_env(&env(&[
            ("GLUE_DATABASE", "analytics"),
            ("CATALOG_CONCURRENCY", v),
        ])));
        assert!(text.contains("CATALOG_CONCURRENCY"), "{text}");
    }
}

#[test]
fn catalog_tables_on_partial_and_row_drop_threshold() {
    let base = ("GLUE_DATABASE", "analytics");
    let c = CatalogTablesConfig::from_env(&env(&[base])).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.on_partial, OnPartial::Notify);
    assert!((c.row_drop_threshold - DEFAULT_ROW_DROP_THRESHOLD).abs() < f64::EPSILON);
    let c = CatalogTablesConfig::from_env(&env(&[
        base,
        ("ON_PARTIAL", "FAIL"),
        ("ROW_DROP_THRESHOLD", "0.9"),
    ]))
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.on_partial, OnPartial::Fail);
    assert!((c.row_drop_threshold - 0.9).abs() < f64::EPSILON);
    for (name, v) in [
        ("ON_PARTIAL", "ignore"),
        ("ROW_DROP_THRESHOLD", "0"),
        ("ROW_DROP_THRESHOLD", "1.5"),
        ("ROW_DROP_THRESHOLD", "NaN"),
        ("ROW_DROP_THRESHOLD", "half"),
    ] {
        let e = CatalogTablesConfig::from_env(&env(&[base, (name, v)]));
        assert!(
            matches!(&e, Err(TaskError::InvalidConfig(t)) if t.contains(name)),
            "{name}={v}: {e:?}"
        );
    }
}

//! The verdict's rules: skipped, failed, disappeared, row drops, ExportOnly coverage.

use super::*;
use crate::catalog::discover::{Discovery, TableFolder, TableInfo};

fn folder(db: &str, table: &str) -> TableFolder {
    TableFolder {
        id: format!("{db}/{table}"),
        database: db.into(),
        table: table.into(),
        prefix: format!("root/{db}/{table}/"),
    }
}

fn discovery() -> Discovery {
    let mut d = Discovery::default();
    d.tables = vec![
        folder("shop", "public.orders"),
        folder("shop", "public.tmp_x"),
    ];
    d.info.insert(
        "shop.public.audit".into(),
        TableInfo {
            status: "FAILED".into(),
            original_types: Default::default(),
        },
    );
    d
}

#[test]
fn nothing_left_out_is_complete() {
    let mut d = discovery();
    d.info.clear();
    d.tables.truncate(1);
    let v = classify(&d, &[], 0);
    assert_eq!(v.verdict(), Verdict::Complete);
}

#[test]
fn failed_skipped_and_unattributed_warnings_are_partial() {
    let warnings = vec![
        "Table shop.public.tmp_x was skipped: unsupported name".to_owned(),
        "something general".to_owned(),
    ];
    let v = classify(&discovery(), &warnings, 2);
    assert_eq!(v.verdict(), Verdict::Partial);
    assert_eq!(v.count(&TableStatus::Failed), 1);
    assert_eq!(v.count(&TableStatus::Skipped), 1);
    assert_eq!(v.general.len(), 1);
    // Warnings RDS gave beyond those kept are a problem too.
    let v = classify(&Discovery::default(), &[], 3);
    assert_eq!(v.verdict(), Verdict::Partial);
    assert!(v.general[0].reason.contains("3 of 3"), "{:?}", v.general);
}

#[test]
fn a_table_of_the_previous_export_without_trace_disappeared() {
    let previous = vec![
        PreviousTable {
            name: "shop_public_orders".into(),
            target: "shop.public.orders".into(),
            export_id: "e1".into(),
        },
        PreviousTable {
            name: "shop_public_gone".into(),
            target: "shop.public.gone".into(),
            export_id: "e1".into(),
        },
        PreviousTable {
            name: "other_public_x".into(),
            target: "other.public.x".into(),
            export_id: "e1".into(),
        },
    ];
    let mut v = classify(&discovery(), &[], 0);
    add_disappeared(&mut v, &previous, &discovery(), &[], &["shop".to_owned()]);
    let gone: Vec<&str> = v
        .left_out
        .iter()
        .filter(|t| t.status == TableStatus::Disappeared)
        .map(|t| t.target.as_str())
        .collect();
    // other.public.x is outside ExportOnly: not expected in this export.
    assert_eq!(gone, ["shop.public.gone"]);
    assert_eq!(v.verdict(), Verdict::Partial);
}

#[test]
fn export_only_coverage() {
    assert!(covered(&[], "a.b.c"));
    assert!(covered(&["a".into()], "a.b.c"));
    assert!(covered(&["a.b".into()], "a.b.c"));
    assert!(!covered(&["a.b".into()], "a.bc.d"));
    assert!(!covered(&["x".into()], "a.b.c"));
}

#[test]
fn row_drops() {
    assert!(row_drop(Some(1_000), 0, 0.5));
    assert!(row_drop(Some(1_000), 499, 0.5));
    assert!(!row_drop(Some(1_000), 500, 0.5));
    assert!(!row_drop(Some(0), 0, 0.5));
    assert!(!row_drop(None, 0, 0.5));
    assert!(row_drop(Some(1_000), 899, 0.1));
}

#[test]
fn the_partial_cause_lists_at_most_the_sample_and_says_how_to_accept() {
    let mut d = Discovery::default();
    for i in 0..30 {
        d.info.insert(
            format!("shop.public.t{i:02}"),
            TableInfo {
                status: "FAILED".into(),
                original_types: Default::default(),
            },
        );
    }
    let v = classify(&d, &[], 0);
    let cause = partial_cause(&v, 20, "s3://b/r/report.json");
    assert!(
        cause.contains("30 problems, the first 20 listed"),
        "{cause}"
    );
    assert!(
        cause.contains("shop.public.t19") && !cause.contains("shop.public.t20"),
        "{cause}"
    );
    assert!(
        cause.contains("on_partial = \"notify\"") && cause.contains("Redrive"),
        "{cause}"
    );
    assert!(cause.contains("s3://b/r/report.json"), "{cause}");
}

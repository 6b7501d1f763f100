//! The compatibility rules and generation names.

use super::*;

fn cols(items: &[(&str, &str)]) -> Vec<ColumnType> {
    items
        .iter()
        .map(|(n, t)| ColumnType {
            name: (*n).into(),
            hive_type: (*t).into(),
        })
        .collect()
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(n, t)| ((*n).to_owned(), (*t).to_owned()))
        .collect()
}

#[test]
fn widening_is_compatible_in_both_directions_and_the_table_keeps_the_wider() {
    assert_eq!(wider("int", "bigint").as_deref(), Some("bigint"));
    assert_eq!(wider("bigint", "tinyint").as_deref(), Some("bigint"));
    assert_eq!(wider("float", "double").as_deref(), Some("double"));
    assert_eq!(wider("decimal(10,2)", "decimal(12,2)"), None);
    assert_eq!(wider("bigint", "string"), None);
    assert_eq!(wider("int", "double"), None);
    assert_eq!(wider("array<int>", "array<bigint>"), None);
}

#[test]
fn added_removed_and_widened_columns_merge() {
    let existing = pairs(&[("id", "int"), ("gone", "string")]);
    let merged = merge(
        &existing,
        &["snapshot_export_id".to_owned()],
        &cols(&[("id", "bigint"), ("added", "date")]),
    );
    assert_eq!(
        merged,
        Ok(pairs(&[
            ("id", "bigint"),
            ("gone", "string"),
            ("added", "date")
        ]))
    );
}

#[test]
fn a_type_change_or_a_partition_key_collision_is_incompatible() {
    let existing = pairs(&[("id", "bigint")]);
    let bad = merge(&existing, &[], &cols(&[("id", "string")]));
    assert_eq!(
        bad,
        Err(vec![Incompatible {
            column: "id".into(),
            from: "bigint".into(),
            to: "string".into()
        }])
    );
    let bad = merge(
        &existing,
        &["export_id".to_owned()],
        &cols(&[("id", "bigint"), ("export_id", "int")]),
    );
    assert!(matches!(bad, Err(v) if v[0].column == "export_id" && v[0].from == "partition key"));
}

#[test]
fn generation_names() {
    assert_eq!(history_name("t", 1), "t_history");
    assert_eq!(history_name("t", 2), "t_history_v2");
    assert_eq!(
        history_name("t", MAX_GENERATION).len(),
        1 + LONGEST_HISTORY_SUFFIX.len()
    );
}

//! Unit tests of the per-source Glue names.

use super::*;
use crate::test_support::job;

fn folder(database: &str, table: &str) -> TableFolder {
    TableFolder {
        id: format!("{database}/{table}"),
        database: database.into(),
        table: table.into(),
        prefix: format!("exp/{database}/{table}/"),
    }
}

#[test]
fn single_account_names_are_unchanged() {
    let j = job();
    assert_eq!(glue_name_prefix(&j), "");
    let f = folder("shop", "public.orders");
    assert_eq!(
        source_glue_name(&glue_name_prefix(&j), &f),
        "shop_public_orders"
    );
    assert_eq!(source_glue_name("", &f), f.glue_name());
}

#[test]
fn two_sources_with_the_same_table_get_different_names() {
    let f = folder("shop", "public.orders");
    let mut a = job();
    a.source_name = "payments".into();
    let mut b = job();
    b.source_name = "retail".into();
    let (na, nb) = (
        source_glue_name(&glue_name_prefix(&a), &f),
        source_glue_name(&glue_name_prefix(&b), &f),
    );
    assert_eq!(na, "payments_shop_public_orders");
    assert_eq!(nb, "retail_shop_public_orders");
}

#[test]
fn a_long_name_with_a_prefix_is_still_capped() {
    let f = folder("shop", &format!("public.{}", "x".repeat(400)));
    let name = source_glue_name("payments_", &f);
    assert!(name.starts_with("payments_shop_public_x"));
    assert_eq!(
        name,
        glue_table_name(&format!("payments_shop_public.{}", "x".repeat(400)))
    );
    assert!(name.len() <= 255);
}

#[test]
fn a_target_and_its_folder_get_the_same_name() {
    let f = folder("shop", "public.orders");
    for prefix in ["", "payments_"] {
        assert_eq!(
            target_glue_name(prefix, &f.target()),
            source_glue_name(prefix, &f)
        );
    }
}

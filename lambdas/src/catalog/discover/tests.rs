//! Unit tests of `discover`.

use super::*;

#[test]
fn names_are_lower_case_with_runs_replaced() {
    assert_eq!(
        glue_table_name("Orders_public.Line-Items"),
        "orders_public_line_items"
    );
    assert_eq!(
        glue_table_name("db_My Schema..$Weird  Table"),
        "db_my_schema_weird_table"
    );
    assert_eq!(glue_table_name("a__b"), "a_b");
    assert_eq!(glue_table_name("Ünï.cødé"), "_n_c_d_");
    let folder = TableFolder {
        id: "Shop/Sales.Orders".into(),
        database: "Shop".into(),
        table: "Sales.Orders".into(),
        prefix: "x/".into(),
    };
    assert_eq!(folder.glue_name(), "shop_sales_orders");
    assert_eq!(folder.target(), "Shop.Sales.Orders");
}

#[test]
fn long_names_are_cut_with_a_hash_and_leave_room_for_history() {
    let long = format!("db_public.{}", "x".repeat(400));
    let name = glue_table_name(&long);
    assert_eq!(name.len(), LATEST_NAME_MAX);
    assert!(
        format!("{name}{}", crate::catalog::schema::LONGEST_HISTORY_SUFFIX).len() <= GLUE_NAME_MAX
    );
    let other = glue_table_name(&format!("db_public.{}y", "x".repeat(400)));
    assert_ne!(name, other, "distinct long names keep distinct hashes");
    assert_eq!(name[..LATEST_NAME_MAX - 9], other[..LATEST_NAME_MAX - 9]);
    assert!(name[LATEST_NAME_MAX - 9..].starts_with('_'));
    assert!(
        name[LATEST_NAME_MAX - 8..]
            .chars()
            .all(|c| c.is_ascii_hexdigit())
    );
    let exact = "a".repeat(LATEST_NAME_MAX);
    assert_eq!(glue_table_name(&exact), exact);
}

#[test]
fn tables_info_is_read_where_present() {
    let mut info = BTreeMap::new();
    merge_tables_info(
        &mut info,
        r#"{"perTableStatus":[
                {"target":"shop.public.orders","status":"COMPLETE","sizeGB":0.1,
                 "schemaMetadata":{"originalTypeMappings":[
                   {"columnName":"Amount","originalType":"numeric","expectedExportedType":"decimal(12,2)"}]}},
                {"target":"shop.public.audit","status":"FAILED"},
                {"status":"COMPLETE"}
            ]}"#,
    );
    assert_eq!(info.len(), 2);
    assert_eq!(info["shop.public.orders"].status, "COMPLETE");
    assert_eq!(
        info["shop.public.orders"].original_types["amount"],
        "numeric"
    );
    assert_eq!(info["shop.public.audit"].status, "FAILED");
    merge_tables_info(&mut info, "not json");
    merge_tables_info(&mut info, r#"{"other": 1}"#);
    assert_eq!(info.len(), 2);
}

//! Unit tests of `types`.

use super::*;
use std::sync::Arc;

use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;

/// Writes a real (empty) Parquet file with the parquet crate's writer and reads its
/// schema back from the footer bytes alone, as the catalog does.
fn written(message: &str) -> Vec<ColumnType> {
    let schema = Arc::new(parse_message_type(message).unwrap_or_else(|e| panic!("{e}")));
    let mut buf = Vec::new();
    let writer = SerializedFileWriter::new(
        &mut buf,
        schema,
        Arc::new(WriterProperties::builder().build()),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    writer.close().unwrap_or_else(|e| panic!("{e}"));
    let footer =
        crate::catalog::footer::decode(&buf, "t.parquet").unwrap_or_else(|e| panic!("{e}"));
    columns(footer.file_metadata().schema_descr().root_schema())
}

fn types(message: &str) -> Vec<(String, String)> {
    written(message)
        .into_iter()
        .map(|c| (c.name, c.hive_type))
        .collect()
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

#[test]
fn scalars_and_logical_types() {
    let got = types(
        "message m {
               required int32 d32 (DECIMAL(9,2));
               optional int64 d64 (DECIMAL(18,4));
               optional fixed_len_byte_array(16) dfix (DECIMAL(38,10));
               optional binary dbin (DECIMAL(20,3));
               optional int32 day (DATE);
               optional int64 ts_us (TIMESTAMP(MICROS,true));
               optional int64 ts_ms (TIMESTAMP(MILLIS,false));
               optional int64 ts_ns (TIMESTAMP(NANOS,true));
               optional int96 legacy_ts;
               optional binary name (STRING);
               optional binary kind (ENUM);
               optional binary doc (JSON);
               optional binary raw;
               optional fixed_len_byte_array(4) fixed;
               optional boolean flag;
               optional float ratio;
               optional double amount;
               optional int32 plain32;
               optional int64 plain64;
               optional int32 tiny (INTEGER(8,true));
               optional int32 small (INTEGER(16,true));
               optional int32 u8 (INTEGER(8,false));
               optional int64 u64 (INTEGER(64,false));
               optional binary CamelCase (UTF8);
             }",
    );
    assert_eq!(
        got,
        pairs(&[
            ("d32", "decimal(9,2)"),
            ("d64", "decimal(18,4)"),
            ("dfix", "decimal(38,10)"),
            ("dbin", "decimal(20,3)"),
            ("day", "date"),
            ("ts_us", "timestamp"),
            ("ts_ms", "timestamp"),
            ("ts_ns", "timestamp"),
            ("legacy_ts", "timestamp"),
            ("name", "string"),
            ("kind", "string"),
            ("doc", "string"),
            ("raw", "binary"),
            ("fixed", "binary"),
            ("flag", "boolean"),
            ("ratio", "float"),
            ("amount", "double"),
            ("plain32", "int"),
            ("plain64", "bigint"),
            ("tiny", "tinyint"),
            ("small", "smallint"),
            ("u8", "smallint"),
            ("u64", "decimal(20,0)"),
            ("camelcase", "string"),
        ])
    );
}

#[test]
fn nested_types() {
    let got = types(
        "message m {
               optional group tags (LIST) {
                 repeated group list { optional binary element (UTF8); }
               }
               optional group points (LIST) {
                 repeated group list {
                   optional group element { required double x; required double y; }
                 }
               }
               optional group legacy (LIST) { repeated int32 item; }
               optional group pairs (LIST) {
                 repeated group array { required int32 a; required int32 b; }
               }
               optional group attrs (MAP) {
                 repeated group key_value {
                   required binary key (UTF8);
                   optional int64 value (DECIMAL(12,2));
                 }
               }
               optional group address {
                 optional binary city (UTF8);
                 optional group geo { optional double lat; optional double lon; }
               }
               repeated int64 bare;
               optional group nested (LIST) {
                 repeated group list {
                   optional group element (LIST) {
                     repeated group list { optional int32 element (DATE); }
                   }
                 }
               }
             }",
    );
    assert_eq!(
        got,
        pairs(&[
            ("tags", "array<string>"),
            ("points", "array<struct<x:double,y:double>>"),
            ("legacy", "array<int>"),
            ("pairs", "array<struct<a:int,b:int>>"),
            ("attrs", "map<string,decimal(12,2)>"),
            (
                "address",
                "struct<city:string,geo:struct<lat:double,lon:double>>"
            ),
            ("bare", "array<bigint>"),
            ("nested", "array<array<date>>"),
        ])
    );
}

#[test]
fn legacy_converted_types_without_logical_annotation() {
    // Hand-built schema: converted types only, as older writers leave them.
    use parquet::schema::types::Type as T;
    let fields = vec![
        Arc::new(
            T::primitive_type_builder("amount", Physical::INT64)
                .with_converted_type(ConvertedType::DECIMAL)
                .with_precision(15)
                .with_scale(3)
                .build()
                .unwrap_or_else(|e| panic!("{e}")),
        ),
        Arc::new(
            T::primitive_type_builder("at", Physical::INT64)
                .with_converted_type(ConvertedType::TIMESTAMP_MILLIS)
                .build()
                .unwrap_or_else(|e| panic!("{e}")),
        ),
        Arc::new(
            T::primitive_type_builder("label", Physical::BYTE_ARRAY)
                .with_converted_type(ConvertedType::UTF8)
                .build()
                .unwrap_or_else(|e| panic!("{e}")),
        ),
    ];
    let root = T::group_type_builder("schema")
        .with_fields(fields)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let got: Vec<(String, String)> = columns(&root)
        .into_iter()
        .map(|c| (c.name, c.hive_type))
        .collect();
    assert_eq!(
        got,
        pairs(&[
            ("amount", "decimal(15,3)"),
            ("at", "timestamp"),
            ("label", "string"),
        ])
    );
}

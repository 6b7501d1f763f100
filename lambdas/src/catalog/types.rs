//! Parquet schema → Glue (Hive) column types, as Athena reads them.
//!
//! The logical type decides when there is one (`DECIMAL` on INT32, INT64, BYTE_ARRAY or
//! FIXED_LEN_BYTE_ARRAY is `decimal(p,s)`, `DATE` is `date`, `TIMESTAMP` is `timestamp`,
//! `STRING`/`ENUM`/`JSON` are `string`, `INTEGER(8|16)` are `tinyint`/`smallint`),
//! else the legacy converted type, else the physical type. Groups become `struct<...>`,
//! `LIST` groups `array<...>` (with the format's backward-compatibility rules for two-level
//! lists), `MAP` groups `map<k,v>`, and a repeated field outside a list an `array` of it.

use parquet::basic::{ConvertedType, LogicalType, Repetition, Type as Physical};
use parquet::schema::types::Type;

/// One Glue column: name and Hive type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ColumnType {
    /// The column name, lower case (Glue stores names in lower case).
    pub name: String,
    /// The Hive type, e.g. `decimal(12,2)`, `array<struct<a:int>>`.
    pub hive_type: String,
}

/// The top-level columns of a Parquet file's schema (its root group's fields).
pub(super) fn columns(root: &Type) -> Vec<ColumnType> {
    if !root.is_group() {
        return vec![ColumnType {
            name: root.name().to_ascii_lowercase(),
            hive_type: field_type(root),
        }];
    }
    root.get_fields()
        .iter()
        .map(|f| ColumnType {
            name: f.name().to_ascii_lowercase(),
            hive_type: field_type(f),
        })
        .collect()
}

/// The Hive type of a field, its repetition included (a repeated field outside a LIST
/// group is an array of its values).
fn field_type(t: &Type) -> String {
    let inner = value_type(t);
    if t.get_basic_info().has_repetition()
        && t.get_basic_info().repetition() == Repetition::REPEATED
    {
        format!("array<{inner}>")
    } else {
        inner
    }
}

/// The Hive type of a field's values, its repetition left aside.
fn value_type(t: &Type) -> String {
    match t {
        Type::PrimitiveType { .. } => primitive(t),
        Type::GroupType { .. } => {
            let info = t.get_basic_info();
            let logical = info.logical_type_ref();
            let converted = info.converted_type();
            if matches!(logical, Some(LogicalType::List)) || converted == ConvertedType::LIST {
                list(t)
            } else if matches!(logical, Some(LogicalType::Map))
                || matches!(converted, ConvertedType::MAP | ConvertedType::MAP_KEY_VALUE)
            {
                map(t)
            } else {
                group(t)
            }
        }
    }
}

fn group(t: &Type) -> String {
    let fields: Vec<String> = t
        .get_fields()
        .iter()
        .map(|f| format!("{}:{}", f.name().to_ascii_lowercase(), field_type(f)))
        .collect();
    format!("struct<{}>", fields.join(","))
}

/// A LIST group: `<list> { repeated <element or group list { element }> }`.
fn list(t: &Type) -> String {
    let Some(repeated) = t.get_fields().first() else {
        return "array<string>".to_owned();
    };
    let element = match &**repeated {
        // Two-level list: the repeated field is the element.
        Type::PrimitiveType { .. } => value_type(repeated),
        Type::GroupType { fields, .. } => {
            let legacy_name =
                repeated.name() == "array" || repeated.name() == format!("{}_tuple", t.name());
            if fields.len() == 1 && !legacy_name {
                // Three-level list: the repeated group holds the element.
                field_type(&fields[0])
            } else {
                // The repeated group itself is the element (a struct).
                group(repeated)
            }
        }
    };
    format!("array<{element}>")
}

/// A MAP group: `<map> { repeated group key_value { required key; optional value } }`.
fn map(t: &Type) -> String {
    let (key, value) = match t.get_fields().first().map(|kv| &**kv) {
        Some(Type::GroupType { fields, .. }) if fields.len() == 2 => {
            (field_type(&fields[0]), field_type(&fields[1]))
        }
        // A key set (MAP_KEY_VALUE without values).
        Some(Type::GroupType { fields, .. }) if fields.len() == 1 => {
            (field_type(&fields[0]), "boolean".to_owned())
        }
        _ => ("string".to_owned(), "string".to_owned()),
    };
    format!("map<{key},{value}>")
}

fn decimal(precision: i32, scale: i32) -> String {
    format!("decimal({precision},{scale})")
}

fn primitive(t: &Type) -> String {
    let info = t.get_basic_info();
    let physical = t.get_physical_type();
    if let Some(logical) = info.logical_type_ref() {
        match logical {
            LogicalType::Decimal(d) => return decimal(d.precision, d.scale),
            LogicalType::Date => return "date".to_owned(),
            LogicalType::Timestamp(_) => return "timestamp".to_owned(),
            LogicalType::String | LogicalType::Enum | LogicalType::Json => {
                return "string".to_owned();
            }
            LogicalType::Integer(i) => {
                return match (i.bit_width, i.is_signed) {
                    (8, true) => "tinyint",
                    (16, true) | (8, false) => "smallint",
                    (32, true) | (16, false) => "int",
                    (64, true) | (32, false) => "bigint",
                    // UINT64 does not fit a bigint.
                    _ => "decimal(20,0)",
                }
                .to_owned();
            }
            LogicalType::Float16 => return "float".to_owned(),
            // TIME, UUID, BSON and others have no Hive type: their physical type decides.
            _ => {}
        }
    }
    match info.converted_type() {
        ConvertedType::DECIMAL => return decimal(t.get_precision(), t.get_scale()),
        ConvertedType::DATE => return "date".to_owned(),
        ConvertedType::TIMESTAMP_MILLIS | ConvertedType::TIMESTAMP_MICROS => {
            return "timestamp".to_owned();
        }
        ConvertedType::UTF8 | ConvertedType::ENUM | ConvertedType::JSON => {
            return "string".to_owned();
        }
        ConvertedType::INT_8 => return "tinyint".to_owned(),
        ConvertedType::INT_16 | ConvertedType::UINT_8 => return "smallint".to_owned(),
        ConvertedType::UINT_16 => return "int".to_owned(),
        ConvertedType::UINT_32 => return "bigint".to_owned(),
        ConvertedType::UINT_64 => return "decimal(20,0)".to_owned(),
        _ => {}
    }
    match physical {
        Physical::BOOLEAN => "boolean",
        Physical::INT32 => "int",
        Physical::INT64 => "bigint",
        // Legacy timestamps (Impala, Spark).
        Physical::INT96 => "timestamp",
        Physical::FLOAT => "float",
        Physical::DOUBLE => "double",
        Physical::BYTE_ARRAY | Physical::FIXED_LEN_BYTE_ARRAY => "binary",
    }
    .to_owned()
}

#[cfg(test)]
mod tests;

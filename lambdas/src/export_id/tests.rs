//! Unit tests of `export_id`.

use super::*;

#[test]
fn bad_arns_are_invalid_input_naming_the_field() {
    let e = parse_snapshot_arn("arn:aws:rds:us-east-1:1:db:orders")
        .err()
        .unwrap_or_else(|| panic!("accepted a DB instance ARN"));
    assert_eq!(e.name(), "InvalidInput");
    assert!(e.to_string().contains("snapshot_arn"), "{e}");
}

#[test]
fn ids_from_the_input_are_checked() {
    let base = export_task_id("arn:aws:rds:us-east-1:1:snapshot:s", "s", &[]);
    assert!(check_base_id(&base).is_ok());
    assert!(check_attempt_id(&attempt_id(&base, 99)).is_ok());
    for bad in ["", "1a", "a--b", "a/../b", "a-"] {
        assert!(check_base_id(bad).is_err(), "{bad:?}");
        assert!(check_attempt_id(bad).is_err(), "{bad:?}");
    }
}

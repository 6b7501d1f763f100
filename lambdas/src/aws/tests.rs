//! Unit tests of `aws`.

use super::*;

#[test]
fn session_names_are_valid_and_bounded() {
    assert_eq!(
        session_name("orders-1a2b3c4d"),
        "snapshot-export-orders-1a2b3c4d"
    );
    let long = session_name(&"a".repeat(100));
    assert_eq!(long.len(), 64);
    assert_eq!(session_name("a/b c:é"), "snapshot-export-a-b-c--");
}

//! Unit tests of `footer`.

use super::*;

#[test]
fn garbage_is_unreadable_naming_the_key() {
    for bytes in [&b""[..], b"PAR1", b"not parquet at all", b"\x10\0\0\0PAR1"] {
        let e = match decode(bytes, "exports/x/db/public.t/1/part-0.parquet") {
            Err(e) => e,
            Ok(_) => panic!("accepted {bytes:?}"),
        };
        assert_eq!(e.name(), "ParquetUnreadable");
        assert!(e.to_string().contains("public.t/1/part-0.parquet"), "{e}");
    }
}

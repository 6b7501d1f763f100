//! Unit tests of `s3_stub`.

use super::*;

#[test]
fn keys_sort_as_indexes_and_start_after_finds_the_next() {
    let stub = Stub::new("b", "exports/e1/", 2_500, Duration::ZERO);
    assert!(stub.key(9) < stub.key(10));
    assert_eq!(stub.first_after(&stub.key(41)), 42);
    assert_eq!(stub.first_after("exports/"), 0);
    assert_eq!(stub.first_after("zzz"), 2_500);
    assert_eq!(stub.index_of(&stub.key(7)), Some(7));
    assert_eq!(stub.index_of("exports/e2/x"), None);
}

#[test]
fn puts_are_counted_once() {
    let stub = Stub::new("b", "p/", 100, Duration::ZERO);
    let key = stub.key(3);
    stub.put_acl(&key, Some("bucket-owner-full-control"));
    stub.put_acl(&key, Some("bucket-owner-full-control"));
    stub.put_acl(&key, Some("private"));
    assert_eq!(
        (
            stub.rewritten(),
            stub.duplicates.load(Ordering::Relaxed),
            stub.rejected.load(Ordering::Relaxed)
        ),
        (1, 1, 1)
    );
}

#[test]
fn query_decoding() {
    let q = parse_query("list-type=2&prefix=exports%2Fe1%2F&acl");
    assert_eq!(q[1], ("prefix".to_owned(), "exports/e1/".to_owned()));
    assert_eq!(q[2], ("acl".to_owned(), String::new()));
}

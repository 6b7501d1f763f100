//! Unit tests of `copy_stub`.

use super::*;

#[test]
fn keys_sizes_and_marks() {
    let stub = CopyStub::new("s", "d", "p/e1/", 200, Duration::ZERO).with_big_objects(1, 12 << 30);
    assert_eq!((stub.size(0), stub.size(1)), (12 << 30, SMALL_SIZE));
    assert_eq!(stub.index_of(&stub.key(7)), Some(7));
    assert_eq!(stub.first_after(&stub.key(41)), 42);
    stub.mark(3);
    stub.mark(3);
    assert!(stub.is_done(3));
    assert_eq!((stub.copied(), stub.counters()[5]), (1, 1));
}

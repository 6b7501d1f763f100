//! Unit tests of `memory`.

#[test]
fn reads_a_plausible_peak() {
    let kib = super::peak_rss_kib().unwrap_or(0);
    assert!(kib > 100, "VmHWM {kib} KiB");
}

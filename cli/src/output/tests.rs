//! Unit tests of `output`.

use super::*;

#[test]
fn tables_align_and_cut() {
    let mut table = Table::new(&["NAME", "STATUS"]);
    table.row(vec!["a".into(), "RUNNING".into()]);
    table.row(vec!["longer-name".into(), "x\ny".into()]);
    assert_eq!(
        table.render(),
        "NAME         STATUS\na            RUNNING\nlonger-name  x y\n"
    );
    let long = "c".repeat(100);
    let mut cut = Table::new(&["CAUSE"]);
    cut.row(vec![long]);
    let line = cut.render().lines().nth(1).unwrap().to_owned();
    assert_eq!(line.chars().count(), MAX_CELL);
    assert!(line.ends_with('…'));
}

#[test]
fn progress_bars() {
    assert_eq!(progress_bar(0), "[--------------------]   0%");
    assert_eq!(progress_bar(45), "[#########-----------]  45%");
    assert_eq!(progress_bar(250), "[####################] 100%");
}

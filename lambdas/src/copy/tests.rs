//! Unit tests of `copy`.

use super::*;

#[test]
fn copy_source_encodes_the_key_but_not_slashes() {
    assert_eq!(
        copy_source("b", "rds/e1/db/public.t/1/part a=1+é.parquet"),
        "b/rds/e1/db/public.t/1/part%20a%3D1%2B%C3%A9.parquet"
    );
}

#[test]
fn part_sizes_stay_within_s3_limits() {
    let gib = 1024 * 1024 * 1024;
    assert_eq!(part_size(12 * gib), PART_SIZE);
    assert_eq!((12 * gib).div_ceil(part_size(12 * gib)), 24);
    let huge = 5 * 1024 * gib; // 5 TiB, S3's largest object
    assert!(huge.div_ceil(part_size(huge)) <= MAX_PARTS);
    assert!(part_size(huge) <= 5 * gib);
}

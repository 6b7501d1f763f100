//! placeholder
use aws_sdk_sfn as _;
fn main() {}

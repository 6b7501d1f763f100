//! The benchmarks' command-line flags: `--name value` pairs, nothing more (the benchmarks
//! are run by hand with the flags their module docs list).

/// The value after `--name`, if given.
pub fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

/// The number after `--name`, or `default` when absent or not a number.
pub fn num(args: &[String], name: &str, default: u64) -> u64 {
    arg(args, name)
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The decimal number after `--name`, or `default` when absent or not a number.
pub fn float(args: &[String], name: &str, default: f64) -> f64 {
    arg(args, name)
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

//! One module per subcommand, plus `inspect` (reading executions back), which several use.

pub mod executions;
pub mod inspect;
pub mod preflight;
pub mod redrive;
pub mod render;
pub mod send_test_event;
pub mod start;
pub mod status;
pub mod validate;

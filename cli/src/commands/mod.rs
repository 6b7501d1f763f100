//! One module per subcommand, plus `inspect` (reading executions back), which several use.

pub(crate) mod executions;
pub(crate) mod inspect;
pub(crate) mod preflight;
pub(crate) mod redrive;
pub(crate) mod render;
pub(crate) mod send_test_event;
pub(crate) mod start;
pub(crate) mod status;
pub(crate) mod validate;

//! The command line: global AWS options, the output switch, and one subcommand per
//! operator task. Parsing only; `commands/` does the work.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Environment variable that can stand in for `--state-machine-arn`.
pub const STATE_MACHINE_ARN_ENV: &str = "SNAPSHOT_EXPORT_STATE_MACHINE_ARN";
/// The environment variable `--slots-table` defaults to.
pub const SLOTS_TABLE_ENV: &str = "SNAPSHOT_EXPORT_SLOTS_TABLE";

/// Operate the RDS snapshot export pipeline: render and validate its Step Functions
/// definition, start exports, list failures, redrive or re-run them, and watch progress.
///
/// Region, credentials and endpoint come from the standard AWS environment
/// (AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL, ...), as with the aws CLI.
#[derive(Debug, Parser)]
#[command(name = "snapshot-export", version, propagate_version = true)]
pub struct Cli {
    /// Options shared by every command.
    #[command(flatten)]
    pub global: GlobalOptions,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Clone, Default, Args)]
pub struct GlobalOptions {
    /// The AWS Region to use; overrides AWS_REGION and the profile's region.
    #[arg(long, global = true, value_name = "REGION")]
    pub region: Option<String>,
    /// Use a specific profile from your credentials file; overrides AWS_PROFILE.
    #[arg(long, global = true, value_name = "PROFILE")]
    pub profile: Option<String>,
    /// Override every service's endpoint URL (e.g. a local emulator); overrides AWS_ENDPOINT_URL.
    #[arg(long, global = true, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// Print JSON for scripts instead of tables.
    #[arg(long, global = true)]
    pub json: bool,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write the pipeline's ASL definition (or its Mermaid diagram) for a configuration, or
    /// the function table; the one way to regenerate the committed files.
    Render(RenderArgs),
    /// Check a pipeline configuration or an ASL definition file; errors are named.
    Validate(ValidateArgs),
    /// Start an export of one snapshot (idempotent: a second start reports the first).
    Start(StartArgs),
    /// List executions with their snapshot, export id, failed state, error and cause.
    Executions(ExecutionsArgs),
    /// Redrive failed executions (the normal recovery), or re-run them as new executions.
    ///
    /// A failed execution stopped at the task that raised the error; once its cause is
    /// fixed, a redrive re-runs that task and goes on (the console's Redrive button does
    /// the same). --rerun starts a new execution `<name>-rerun-<n>` with the same input,
    /// for a changed definition: every task is idempotent (the export id is derived from
    /// the snapshot). InvalidInput cannot be redriven away: start a corrected execution.
    Redrive(RedriveArgs),
    /// Show running executions with their export's progress and the crawler's state.
    Status(StatusArgs),
    /// Put a synthetic RDS snapshot-created event on an event bus.
    SendTestEvent(SendTestEventArgs),
    /// Check a deployed stack before the first snapshot, acting as the pipeline's roles;
    /// one line per check, non-zero exit on any failure (docs/operations.md).
    Preflight(crate::commands::preflight::PreflightArgs),
}

/// What `render` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RenderFormat {
    /// The ASL definition, pretty JSON.
    Json,
    /// A Mermaid flowchart for the docs.
    Mermaid,
    /// The function table (`contract::functions`) as the `functions.json` the Terraform,
    /// the scripts and the e2e harness read; `--config` does not change it.
    Functions,
}

/// `render`.
#[derive(Debug, Args)]
pub struct RenderArgs {
    /// A PipelineConfig TOML file; the defaults when omitted.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// What to write.
    #[arg(long, value_enum, default_value_t = RenderFormat::Json)]
    pub format: RenderFormat,
    /// Where to write it; stdout when omitted.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// `validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// A PipelineConfig TOML file to check (and build the graph from).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// An ASL definition file to check (e.g. state-machine/definition.asl.json).
    #[arg(long, value_name = "FILE")]
    pub definition: Option<PathBuf>,
}

/// The state machine to work on.
#[derive(Debug, Clone, Args)]
pub struct StateMachineArg {
    /// ARN of the pipeline's state machine.
    #[arg(long, value_name = "ARN", env = STATE_MACHINE_ARN_ENV)]
    pub state_machine_arn: String,
}

/// `start`.
#[derive(Debug, Args)]
pub struct StartArgs {
    /// The state machine.
    #[command(flatten)]
    pub machine: StateMachineArg,
    /// ARN of the DB snapshot or DB cluster snapshot to export.
    #[arg(long, value_name = "ARN")]
    pub snapshot_arn: String,
    /// Export only these databases, schemas or tables (`db`, `db.schema`, `db.schema.table`).
    #[arg(long, value_name = "NAME", num_args = 1..)]
    pub export_only: Vec<String>,
}

/// Execution status filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum StatusFilter {
    /// Failed executions.
    Failed,
    /// Running executions.
    Running,
    /// Succeeded executions.
    Succeeded,
    /// Executions stopped by their timeout.
    TimedOut,
    /// Executions stopped by someone.
    Aborted,
}

/// `executions`.
#[derive(Debug, Args)]
pub struct ExecutionsArgs {
    /// The state machine.
    #[command(flatten)]
    pub machine: StateMachineArg,
    /// Only executions with this status.
    #[arg(long, value_enum)]
    pub status: Option<StatusFilter>,
    /// Only executions started within this long (`30m`, `12h`, `7d`, `2w`).
    #[arg(long, default_value = "7d", value_name = "AGE")]
    pub since: String,
}

/// `redrive`.
#[derive(Debug, Args)]
pub struct RedriveArgs {
    /// ARN of the execution to redrive (or re-run).
    #[arg(
        value_name = "EXECUTION_ARN",
        required_unless_present = "all_failed",
        conflicts_with = "all_failed"
    )]
    pub execution_arn: Option<String>,
    /// Every FAILED, TIMED_OUT or ABORTED execution of the state machine within --since.
    #[arg(long, requires = "state_machine_arn")]
    pub all_failed: bool,
    /// ARN of the state machine (with --all-failed).
    #[arg(long, value_name = "ARN", env = STATE_MACHINE_ARN_ENV)]
    pub state_machine_arn: Option<String>,
    /// With --all-failed: only executions started within this long.
    #[arg(long, default_value = "7d", value_name = "AGE")]
    pub since: String,
    /// Start a new execution with the same input instead of redriving (after a definition
    /// change; a redrive keeps the definition the execution started with).
    #[arg(long)]
    pub rerun: bool,
}

/// `status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// ARN of the pipeline's state machine: its running executions are listed (not
    /// needed with --execution).
    #[arg(
        long,
        value_name = "ARN",
        env = STATE_MACHINE_ARN_ENV,
        required_unless_present_any = ["execution", "slots_table"]
    )]
    pub state_machine_arn: Option<String>,
    /// Show this execution's verification: the verdict and counts of its `$.catalog`.
    #[arg(long, value_name = "ARN")]
    pub execution: Option<String>,
    /// With --execution: one line per table, from the verification report in S3.
    #[arg(long, requires = "execution")]
    pub tables: bool,
    /// The export-slots table (`terraform output -raw export_slots_table`): per account
    /// and Region, the slots in use, their holders and the waiting executions.
    #[arg(long, value_name = "NAME", env = SLOTS_TABLE_ENV)]
    pub slots_table: Option<String>,
    /// Redraw every --interval seconds until Ctrl-C.
    #[arg(long)]
    pub watch: bool,
    /// Seconds between two redraws with --watch.
    #[arg(long, default_value_t = 10, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
    pub interval: u64,
    /// Also show this Glue crawler's state.
    #[arg(long, value_name = "NAME")]
    pub crawler: Option<String>,
}

/// `send-test-event`.
#[derive(Debug, Args)]
pub struct SendTestEventArgs {
    /// ARN of the snapshot the event announces (instance or cluster snapshot).
    #[arg(long, value_name = "ARN")]
    pub snapshot_arn: String,
    /// Name or ARN of the event bus to put the event on.
    #[arg(long, value_name = "NAME")]
    pub bus: String,
    /// The RDS event id; RDS-EVENT-0042 (instance) or RDS-EVENT-0075 (cluster) by default.
    #[arg(long, value_name = "ID")]
    pub event_id: Option<String>,
    /// The event's source. AWS refuses `aws.*` sources from PutEvents
    /// (NotAuthorizedForSourceException): in a real account pass e.g.
    /// `snapshot-export.test` and use the test rule described in docs/operations.md.
    #[arg(long, default_value = "aws.rds", value_name = "SOURCE")]
    pub source: String,
}

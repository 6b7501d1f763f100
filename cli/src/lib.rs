//! `snapshot-export`, the operator CLI of the RDS snapshot export pipeline.
//!
//! - `args`: the command line (clap).
//! - `aws`: the SDK clients from the standard AWS environment.
//! - `commands`: one module per subcommand.
//! - `names`: ARNs, execution names, ages.
//! - `output`: tables and JSON.
//! - `error`: the one error type; `main` prints it on one line.
//!
//! The binary is a thin `main` over [`run`]; tests call the command functions directly
//! with mocked clients, or run the binary against moto.

pub mod args;
pub mod aws;
pub mod commands;
pub mod error;
pub mod names;
pub mod output;

use args::{Cli, Command};
use aws::Clients;
use commands::{executions, redrive, render, send_test_event, start, status, validate};
pub use error::CliError;
use output::print;

/// Runs one parsed command line.
pub async fn run(cli: Cli) -> Result<(), CliError> {
    let json = cli.global.json;
    match &cli.command {
        Command::Render(args) => return render::run(args),
        Command::Validate(args) => return print(&validate::run(args)?, json),
        Command::Preflight(args) => return commands::preflight::run(&cli.global, args).await,
        _ => {}
    }
    let clients = Clients::from_env(&cli.global).await?;
    match &cli.command {
        Command::Render(_) | Command::Validate(_) | Command::Preflight(_) => Ok(()),
        Command::Start(args) => print(&start::run(&clients, args).await?, json),
        Command::Executions(args) => print(&executions::run(&clients, args).await?, json),
        Command::Redrive(args) => print(&redrive::run(&clients, args).await?, json),
        Command::Status(args) => status::run(&clients, args, json).await,
        Command::SendTestEvent(args) => print(&send_test_event::run(&clients, args).await?, json),
    }
}

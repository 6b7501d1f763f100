//! `snapshot-export`, the operator CLI of the RDS snapshot export pipeline.
//!
//! - `args`: the command line (clap).
//! - `aws`: the SDK clients from the standard AWS environment.
//! - `commands`: one module per subcommand.
//! - `names`: ARNs, execution names, ages.
//! - `output`: tables and JSON.
//! - `error`: the one error type; `main` prints it on one line.
//!
//! The binary is a thin `main` over [`run`], and this library is there for it: its API is
//! [`run`], the command line it takes ([`args`]) and the error it returns. Everything else
//! is private to the crate; the commands' unit tests call them with mocked clients, the
//! integration tests (`cli/tests/cli`) run the binary against moto.

pub mod args;
mod aws;
mod commands;
mod error;
#[cfg(test)]
mod mocks;
mod names;
mod output;

use args::{Cli, Command};
use aws::Clients;
use commands::{executions, redrive, render, send_test_event, start, status, validate};
pub use error::{CliError, one_line};
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

//! The `snapshot-export` binary: parse the command line, run it, and turn any error into
//! one line on stderr and exit status 1 (clap's usage errors exit 2).

use std::process::ExitCode;

use clap::Parser;
use snapshot_export_cli::args::Cli;
use snapshot_export_cli::one_line;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match snapshot_export_cli::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // One line, whatever the error carries (TOML errors quote the file over lines).
            eprintln!("snapshot-export: error: {}", one_line(&error.to_string()));
            ExitCode::FAILURE
        }
    }
}

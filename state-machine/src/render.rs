//! `render`: writes the pipeline's ASL definition (or its Mermaid diagram) for a config.
//!
//! ```text
//! render [--config FILE] [--out FILE] [--format json|mermaid]
//! ```
//!
//! Without `--config` the default configuration is used; without `--out` the output goes
//! to stdout. `cargo run -p state-machine --bin render -- --out
//! state-machine/definition.asl.json` regenerates the committed definition.

use std::path::PathBuf;
use std::process::ExitCode;

use state_machine::{PipelineConfig, pipeline};

const USAGE: &str = "usage: render [--config FILE] [--out FILE] [--format json|mermaid]";

/// What to render.
enum Format {
    Json,
    Mermaid,
}

struct Args {
    config: Option<PathBuf>,
    out: Option<PathBuf>,
    format: Format,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut parsed = Args {
        config: None,
        out: None,
        format: Format::Json,
    };
    while let Some(arg) = args.next() {
        let mut value = |flag: &str| args.next().ok_or(format!("{flag} needs a value"));
        match arg.as_str() {
            "--config" => parsed.config = Some(value("--config")?.into()),
            "--out" => parsed.out = Some(value("--out")?.into()),
            "--format" => {
                parsed.format = match value("--format")?.as_str() {
                    "json" => Format::Json,
                    "mermaid" => Format::Mermaid,
                    other => return Err(format!("unknown format `{other}`: json or mermaid")),
                }
            }
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(parsed)
}

fn run(args: Args) -> Result<(), String> {
    let config = match &args.config {
        Some(path) => PipelineConfig::from_file(path).map_err(|e| e.to_string())?,
        None => PipelineConfig::default(),
    };
    let machine = pipeline(&config).map_err(|e| e.to_string())?;
    let text = match args.format {
        Format::Json => machine.to_json().map_err(|e| e.to_string())?,
        Format::Mermaid => machine.to_mermaid(),
    };
    match &args.out {
        Some(path) => {
            std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
        }
        None => {
            print!("{text}");
            Ok(())
        }
    }
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("render: {message}");
            }
            eprintln!("{USAGE}");
            return if message.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            };
        }
    };
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("render: {message}");
            ExitCode::FAILURE
        }
    }
}

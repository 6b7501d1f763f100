//! `render`: the pipeline's ASL definition (or Mermaid diagram) for a configuration, or the
//! function table as JSON. The committed `state-machine/definition.asl.json` and
//! `infra/modules/analytics-account/functions.json` are this command's output, and tests
//! fail when either is stale.

use std::path::Path;

use state_machine::{PipelineConfig, pipeline};

use crate::args::{RenderArgs, RenderFormat};
use crate::error::CliError;

/// Reads a configuration file, or the defaults without one.
pub(crate) fn load_config(path: Option<&Path>) -> Result<PipelineConfig, CliError> {
    match path {
        Some(path) => PipelineConfig::from_file(path).map_err(|source| CliError::InvalidFile {
            path: path.to_owned(),
            source,
        }),
        None => Ok(PipelineConfig::default()),
    }
}

/// The rendered text.
pub(crate) fn render_text(args: &RenderArgs) -> Result<String, CliError> {
    let config = load_config(args.config.as_deref())?;
    Ok(match args.format {
        RenderFormat::Json => pipeline(&config)?.to_json()?,
        RenderFormat::Mermaid => pipeline(&config)?.to_mermaid(),
        RenderFormat::Functions => contract::functions::table_json(),
    })
}

/// Writes the text to `--out` or stdout.
pub(crate) fn run(args: &RenderArgs) -> Result<(), CliError> {
    let text = render_text(args)?;
    match &args.out {
        Some(path) => std::fs::write(path, text).map_err(|source| CliError::Io {
            action: "cannot write",
            path: path.clone(),
            source,
        }),
        None => {
            print!("{text}");
            Ok(())
        }
    }
}

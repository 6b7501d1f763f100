//! `validate`: checks a pipeline configuration (and that a graph builds from it) and/or an
//! ASL definition file; a rejected one fails with the named error the state-machine crate
//! gives (`state `X`: Next names `Y`, which is not a state of this machine`).

use serde::Serialize;
use state_machine::{StateMachine, pipeline};

use crate::args::ValidateArgs;
use crate::commands::render::load_config;
use crate::error::CliError;
use crate::output::{Report, Table};

/// What was checked.
#[derive(Debug, Serialize)]
pub(crate) struct ValidateReport {
    /// One line per file checked.
    pub(crate) checked: Vec<Checked>,
}

/// One checked file.
#[derive(Debug, Serialize)]
pub(crate) struct Checked {
    /// `config`, `default config` or `definition`.
    pub(crate) kind: &'static str,
    /// The file, or `-` for the defaults.
    pub(crate) path: String,
    /// How many states the (built or parsed) machine has.
    pub(crate) states: usize,
}

impl Report for ValidateReport {
    fn table(&self) -> String {
        let mut table = Table::new(&["CHECKED", "FILE", "STATES", "RESULT"]);
        for c in &self.checked {
            table.row(vec![
                c.kind.into(),
                c.path.clone(),
                c.states.to_string(),
                "valid".into(),
            ]);
        }
        table.render()
    }
}

/// Checks what the arguments name (the default configuration when nothing is named).
pub(crate) fn run(args: &ValidateArgs) -> Result<ValidateReport, CliError> {
    let mut checked = Vec::new();
    if args.config.is_some() || args.definition.is_none() {
        let config = load_config(args.config.as_deref())?;
        let machine = pipeline(&config).map_err(|source| CliError::InvalidFile {
            path: args
                .config
                .clone()
                .unwrap_or_else(|| "default config".into()),
            source,
        })?;
        checked.push(Checked {
            kind: if args.config.is_some() {
                "config"
            } else {
                "default config"
            },
            path: args
                .config
                .as_ref()
                .map_or_else(|| "-".to_owned(), |p| p.display().to_string()),
            states: machine.states().count(),
        });
    }
    if let Some(path) = &args.definition {
        let text = std::fs::read_to_string(path).map_err(|source| CliError::Io {
            action: "cannot read",
            path: path.clone(),
            source,
        })?;
        let machine = StateMachine::from_json(&text).map_err(|source| CliError::InvalidFile {
            path: path.clone(),
            source,
        })?;
        checked.push(Checked {
            kind: "definition",
            path: path.display().to_string(),
            states: machine.states().count(),
        });
    }
    Ok(ValidateReport { checked })
}

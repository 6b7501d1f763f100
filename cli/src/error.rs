//! The CLI's one error type: every way a command can fail, each printed as one line on
//! stderr (`snapshot-export: error: ...`) with a non-zero exit, never a panic.

use std::path::PathBuf;

use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use state_machine::AslError;

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// An argument has the wrong shape (an ARN of the wrong type, a bad duration).
    #[error("{flag}: {value:?} is not {expected}")]
    InvalidArgument {
        /// The flag or argument (`--snapshot-arn`).
        flag: &'static str,
        /// The rejected value.
        value: String,
        /// What is accepted.
        expected: String,
    },
    /// No Region in the flags, the environment or the profile.
    #[error("no AWS Region: pass --region, set AWS_REGION or set a region in the AWS profile")]
    MissingRegion,
    /// A state machine definition or pipeline configuration was rejected.
    #[error("{0}")]
    Asl(#[from] AslError),
    /// A configuration or definition file was rejected.
    #[error("{path}: {source}")]
    InvalidFile {
        /// The file.
        path: PathBuf,
        /// Why.
        source: AslError,
    },
    /// A file could not be read or written.
    #[error("{action} {path}: {source}")]
    Io {
        /// `cannot read` / `cannot write`.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The named execution, state machine or crawler does not exist.
    #[error("{what} {name} does not exist ({code})")]
    NotFound {
        /// `execution`, `state machine`, `crawler`.
        what: &'static str,
        /// Its ARN or name.
        name: String,
        /// The AWS error code.
        code: String,
    },
    /// An AWS call failed.
    #[error("{operation} failed: {code}{message}")]
    Aws {
        /// The API operation (`StartExecution`).
        operation: &'static str,
        /// The AWS error code, or `error` when there is none (network, credentials).
        code: String,
        /// `: <message>` or empty.
        message: String,
    },
    /// EventBridge refused the event (PutEvents answers 200 with a failed entry).
    #[error("EventBridge refused the event: {code}: {message}{hint}")]
    EventRejected {
        /// The entry's ErrorCode.
        code: String,
        /// The entry's ErrorMessage.
        message: String,
        /// What to do about it, or empty.
        hint: String,
    },
    /// The command ran, printed its report, and some items failed (redrive of several
    /// executions): the report says which and why.
    #[error("{failed} of {total} executions could not be {verb}; see the report above")]
    Incomplete {
        /// How many failed.
        failed: usize,
        /// How many were tried.
        total: usize,
        /// `redriven` / `re-run`.
        verb: &'static str,
    },
    /// `preflight` printed its report and some checks failed: the report says which.
    #[error("preflight: {failed} of {total} checks failed; see the report above")]
    PreflightFailed {
        /// How many failed.
        failed: usize,
        /// How many ran.
        total: usize,
    },
    /// An execution document is not what the pipeline writes (e.g. input that is not JSON).
    #[error("execution {arn}: {reason}")]
    UnexpectedExecution {
        /// The execution ARN.
        arn: String,
        /// What is wrong.
        reason: String,
    },
}

impl CliError {
    /// An `InvalidArgument` error.
    pub(crate) fn invalid(flag: &'static str, value: &str, expected: impl Into<String>) -> Self {
        Self::InvalidArgument {
            flag,
            value: value.to_owned(),
            expected: expected.into(),
        }
    }

    /// An AWS error from an SDK error: the service's code and message when it answered,
    /// otherwise the whole error chain on one line (no credentials, no connection).
    pub(crate) fn aws<E>(operation: &'static str, err: &E) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        match err.code() {
            Some(code) => Self::Aws {
                operation,
                code: code.to_owned(),
                message: err.message().map(|m| format!(": {m}")).unwrap_or_default(),
            },
            None => Self::Aws {
                operation,
                code: "error".to_owned(),
                message: format!(": {}", one_line(&chain(err))),
            },
        }
    }
}

/// An error and its sources, `: `-separated, each once (the SDK's Display of an outer
/// error often repeats its source).
fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current = Some(err);
    while let Some(e) = current {
        let text = e.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        current = e.source();
    }
    parts.join(": ")
}

/// Collapses whitespace and newlines so every error stays on one line.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The error code of an SDK error, when the service answered with one.
pub(crate) fn code_of<E: ProvideErrorMetadata>(err: &E) -> Option<&str> {
    err.code()
}

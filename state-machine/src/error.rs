//! The one error type of this crate: every way a state machine or a pipeline configuration
//! can be wrong, each naming the state (or config key) and saying why.
//!
//! Validation runs when a machine is built or parsed, so a bad graph never reaches
//! `definition.asl.json`, Terraform or Step Functions.

use std::path::PathBuf;

/// Why a state machine, a definition file or a pipeline configuration was rejected.
#[derive(Debug, thiserror::Error)]
pub enum AslError {
    /// A state name is empty.
    #[error("state #{position}: the state name is empty")]
    EmptyStateName {
        /// Position of the state in insertion order (0-based).
        position: usize,
    },
    /// A state name is longer than Step Functions accepts.
    #[error("state `{name}`: the name is {len} characters long, at most 80 are allowed")]
    StateNameTooLong {
        /// The offending name.
        name: String,
        /// Its length in characters.
        len: usize,
    },
    /// Two states have the same name.
    #[error("state `{name}` is defined twice: as state #{first} and as state #{second}")]
    DuplicateStateName {
        /// The duplicated name.
        name: String,
        /// Position (0-based, insertion order) of the first definition.
        first: usize,
        /// Position of the second definition.
        second: usize,
    },
    /// The machine has no states.
    #[error("the state machine has no states")]
    NoStates,
    /// `StartAt` names no state.
    #[error("StartAt names `{target}`, which is not a state of this machine")]
    UnknownStartAt {
        /// The missing state.
        target: String,
    },
    /// A `Next`, `Default` or `Catch` target names no state.
    #[error("state `{state}`: {field} names `{target}`, which is not a state of this machine")]
    UnknownTarget {
        /// The state holding the transition.
        state: String,
        /// Which field (`Next`, `Default`, `Choices[1].Next`, `Catch[0].Next`).
        field: String,
        /// The missing state.
        target: String,
    },
    /// A state cannot be reached from `StartAt`.
    #[error("state `{state}` cannot be reached from StartAt `{start_at}`")]
    Unreachable {
        /// The unreachable state.
        state: String,
        /// The machine's start state.
        start_at: String,
    },
    /// No state ends the execution.
    #[error("no state ends the execution: add a Succeed or Fail state or a state with End")]
    NoTerminalState,
    /// A Retry or Catch entry has an empty `ErrorEquals`.
    #[error("state `{state}`: {field} is empty, it needs at least one error name")]
    EmptyErrorEquals {
        /// The state holding the retrier or catcher.
        state: String,
        /// Which list (`Retry[0].ErrorEquals`).
        field: String,
    },
    /// `States.ALL` shares its `ErrorEquals` with other names.
    #[error(
        "state `{state}`: {field} lists States.ALL with other errors; States.ALL must be alone"
    )]
    StatesAllNotAlone {
        /// The state holding the retrier or catcher.
        state: String,
        /// Which list (`Catch[0].ErrorEquals`).
        field: String,
    },
    /// A retrier or catcher on `States.ALL` is followed by another one.
    #[error("state `{state}`: {field} matches States.ALL but is not the last entry of its list")]
    StatesAllNotLast {
        /// The state holding the retrier or catcher.
        state: String,
        /// Which entry (`Retry[0]`).
        field: String,
    },
    /// A Retry number is outside the range Step Functions accepts.
    #[error("state `{state}`: {field} is {value}, it must be {allowed}")]
    RetryOutOfRange {
        /// The state holding the retrier.
        state: String,
        /// Which field (`Retry[1].BackoffRate`).
        field: String,
        /// The rejected value.
        value: String,
        /// The accepted range.
        allowed: &'static str,
    },
    /// A Choice state has no rule.
    #[error("state `{state}`: a Choice state needs at least one rule in Choices")]
    ChoiceWithoutRules {
        /// The Choice state.
        state: String,
    },
    /// A Choice condition is malformed (empty And/Or, missing Variable, two operators...).
    #[error("state `{state}`: {field}: {reason}")]
    InvalidCondition {
        /// The Choice state.
        state: String,
        /// Which rule (`Choices[0]`).
        field: String,
        /// What is wrong.
        reason: String,
    },
    /// A string that should be a JSONPath is not one.
    #[error("`{path}` is not a valid JSONPath: {reason}")]
    InvalidJsonPath {
        /// The rejected text.
        path: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// A context-object path (`$$.`) where ASL only accepts paths into the state's data.
    #[error("state `{state}`: {field} is `{path}`, but a context path ($$) is not allowed there")]
    ContextPathNotAllowed {
        /// The state holding the path.
        state: String,
        /// Which field (`ResultPath`).
        field: String,
        /// The rejected path.
        path: String,
    },
    /// A `"key.$"` entry of Parameters or ResultSelector is not a path or intrinsic function.
    #[error(
        "state `{state}`: {field} key `{key}` must hold a JSONPath or an intrinsic function, found {value}"
    )]
    InvalidPayloadPath {
        /// The state holding the template.
        state: String,
        /// `Parameters` or `ResultSelector`.
        field: &'static str,
        /// The `.$` key.
        key: String,
        /// The rejected value.
        value: String,
    },
    /// A field is set twice in incompatible forms (`Error` and `ErrorPath`).
    #[error("state `{state}`: {first} and {second} cannot both be set")]
    ConflictingFields {
        /// The state.
        state: String,
        /// One field.
        first: &'static str,
        /// The other.
        second: &'static str,
    },
    /// The raw extra fields of a state redefine a field the model owns.
    #[error("state `{state}`: extra field `{key}` is modeled; set it through the typed field")]
    ReservedExtraField {
        /// The state.
        state: String,
        /// The extra key (`Type`, `Next`, `End`, ...).
        key: String,
    },
    /// A TimeoutSeconds of zero.
    #[error("{owner}: TimeoutSeconds must be at least 1, found {value}")]
    InvalidTimeout {
        /// `state `X`` or `the state machine`.
        owner: String,
        /// The rejected value.
        value: u64,
    },
    /// A definition file is not valid JSON or not valid ASL.
    #[error("the definition cannot be parsed: {0}")]
    Parse(#[from] serde_json::Error),
    /// The definition cannot be rendered as JSON.
    #[error("the definition cannot be rendered: {source}")]
    Render {
        /// The serializer's error.
        source: serde_json::Error,
    },
    /// The pipeline calls a Task state that no function of the function table lists.
    #[error("no function of contract::functions::FUNCTIONS lists the Task state {0:?}")]
    NoFunction(String),
    /// A configuration file cannot be read.
    #[error("cannot read configuration {path}: {source}")]
    ConfigRead {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A configuration is not valid TOML or has an unknown key or a wrong type.
    #[error("invalid pipeline configuration: {0}")]
    ConfigParse(#[from] toml::de::Error),
    /// A configuration value is out of range.
    #[error("invalid pipeline configuration: `{key}` is {value}: {reason}")]
    ConfigValue {
        /// The dotted key (`export.min_poll_seconds`).
        key: &'static str,
        /// The rejected value.
        value: String,
        /// What is accepted.
        reason: String,
    },
}

//! One struct per ASL state type and the `State` enum tagged by `Type`.
//!
//! Field order here is the key order of the rendered JSON. Every struct keeps an `extra`
//! map: the escape hatch for ASL fields this model does not know (e.g. `Credentials`,
//! `HeartbeatSeconds`); it is written after the modeled fields and may not redefine them.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::choice::ChoiceRule;
use super::path::{JsonPath, ResultPath, StateName, deserialize_result_path};
use super::task::Task;
use super::transition::Transition;

/// Any state, tagged by its `Type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "Type")]
pub enum State {
    /// Runs a resource (here: a Lambda function).
    Task(Task),
    /// Passes (and optionally reshapes) its input.
    Pass(Pass),
    /// Waits, then continues.
    Wait(Wait),
    /// Branches on the data.
    Choice(Choice),
    /// Ends the execution successfully.
    Succeed(Succeed),
    /// Ends the execution with an error.
    Fail(Fail),
}

impl State {
    /// The raw fields not modeled.
    pub(crate) fn extra(&self) -> &Map<String, Value> {
        match self {
            Self::Task(s) => &s.extra,
            Self::Pass(s) => &s.extra,
            Self::Wait(s) => &s.extra,
            Self::Choice(s) => &s.extra,
            Self::Succeed(s) => &s.extra,
            Self::Fail(s) => &s.extra,
        }
    }

    /// `Next`/`End` for Task, Pass and Wait; `None` for the others.
    pub(crate) fn transition(&self) -> Option<&Transition> {
        match self {
            Self::Task(s) => Some(&s.transition),
            Self::Pass(s) => Some(&s.transition),
            Self::Wait(s) => Some(&s.transition),
            Self::Choice(_) | Self::Succeed(_) | Self::Fail(_) => None,
        }
    }

    /// True when the execution can end in this state.
    pub(crate) fn is_terminal(&self) -> bool {
        match self {
            Self::Succeed(_) | Self::Fail(_) => true,
            Self::Choice(_) => false,
            other => other.transition() == Some(&Transition::End),
        }
    }

    /// Every state this one can go to, with the field naming it, in document order.
    pub(crate) fn targets(&self) -> Vec<(String, &StateName)> {
        let mut out = Vec::new();
        if let Some(Transition::Next(next)) = self.transition() {
            out.push(("Next".to_owned(), next));
        }
        match self {
            Self::Choice(choice) => {
                for (i, rule) in choice.choices.iter().enumerate() {
                    out.push((format!("Choices[{i}].Next"), &rule.next));
                }
                if let Some(default) = &choice.default {
                    out.push(("Default".to_owned(), default));
                }
            }
            Self::Task(task) => {
                for (i, catcher) in task.catch.iter().enumerate() {
                    out.push((format!("Catch[{i}].Next"), &catcher.next));
                }
            }
            _ => {}
        }
        out
    }
}

/// A Pass state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Pass {
    /// What the state is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Selects the part of the input the state sees.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_path: Option<JsonPath>,
    /// A template built from the input: the state's result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<Value>,
    /// A literal result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Value>,
    /// Where the result goes.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "deserialize_result_path"
    )]
    pub result_path: Option<ResultPath>,
    /// Selects the part of the state's output passed on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_path: Option<JsonPath>,
    /// `Next` or `End`.
    #[serde(flatten)]
    pub transition: Transition,
    /// Fields not modeled.
    #[serde(flatten, default)]
    pub extra: Map<String, Value>,
}

impl Pass {
    /// A Pass state passing its input on to `transition`.
    pub fn new(transition: Transition) -> Self {
        Self {
            comment: None,
            input_path: None,
            parameters: None,
            result: None,
            result_path: None,
            output_path: None,
            transition,
            extra: Map::new(),
        }
    }
}

/// How long a Wait state waits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum WaitFor {
    /// A fixed number of seconds.
    Seconds(u64),
    /// Seconds read from the input.
    SecondsPath(JsonPath),
    /// Until an RFC 3339 timestamp.
    Timestamp(String),
    /// Until a timestamp read from the input.
    TimestampPath(JsonPath),
}

/// A Wait state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Wait {
    /// What the state is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Selects the part of the input the state sees.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_path: Option<JsonPath>,
    /// Selects the part passed on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_path: Option<JsonPath>,
    /// Seconds, SecondsPath, Timestamp or TimestampPath.
    #[serde(flatten)]
    pub wait: WaitFor,
    /// `Next` or `End`.
    #[serde(flatten)]
    pub transition: Transition,
    /// Fields not modeled.
    #[serde(flatten, default)]
    pub extra: Map<String, Value>,
}

impl Wait {
    /// Waits as `wait` says, then takes `transition`.
    pub(crate) fn new(wait: WaitFor, transition: Transition) -> Self {
        Self {
            comment: None,
            input_path: None,
            output_path: None,
            wait,
            transition,
            extra: Map::new(),
        }
    }
}

/// A Choice state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Choice {
    /// What the state is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Selects the part of the input the rules see.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_path: Option<JsonPath>,
    /// Selects the part passed on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_path: Option<JsonPath>,
    /// Rules, tried in order (at least one).
    pub choices: Vec<ChoiceRule>,
    /// Where to go when no rule holds (unset: `States.NoChoiceMatched`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<StateName>,
    /// Fields not modeled.
    #[serde(flatten, default)]
    pub extra: Map<String, Value>,
}

impl Choice {
    /// A Choice with these rules and no default.
    pub fn new(choices: Vec<ChoiceRule>) -> Self {
        Self {
            comment: None,
            input_path: None,
            output_path: None,
            choices,
            default: None,
            extra: Map::new(),
        }
    }

    /// Sets `Default`.
    pub fn default(mut self, state: impl Into<StateName>) -> Self {
        self.default = Some(state.into());
        self
    }
}

/// A Succeed state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Succeed {
    /// What the state is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Selects the part of the input the state sees.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_path: Option<JsonPath>,
    /// Selects the execution's output.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_path: Option<JsonPath>,
    /// Fields not modeled.
    #[serde(flatten, default)]
    pub extra: Map<String, Value>,
}

/// A Fail state: a literal Error/Cause, or ones read from the data.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Fail {
    /// What the state is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// A literal error name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The error name, read from the input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_path: Option<JsonPath>,
    /// A literal cause.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
    /// The cause, read from the input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause_path: Option<JsonPath>,
    /// Fields not modeled.
    #[serde(flatten, default)]
    pub extra: Map<String, Value>,
}

impl Fail {
    /// A literal error and cause.
    pub fn literal(error: impl Into<String>, cause: impl Into<String>) -> Self {
        Self {
            error: Some(error.into()),
            cause: Some(cause.into()),
            ..Self::default()
        }
    }
}

impl From<Task> for State {
    fn from(state: Task) -> Self {
        Self::Task(state)
    }
}

impl From<Pass> for State {
    fn from(state: Pass) -> Self {
        Self::Pass(state)
    }
}

impl From<Wait> for State {
    fn from(state: Wait) -> Self {
        Self::Wait(state)
    }
}

impl From<Choice> for State {
    fn from(state: Choice) -> Self {
        Self::Choice(state)
    }
}

impl From<Succeed> for State {
    fn from(state: Succeed) -> Self {
        Self::Succeed(state)
    }
}

impl From<Fail> for State {
    fn from(state: Fail) -> Self {
        Self::Fail(state)
    }
}

#[cfg(test)]
mod tests;

//! A typed model of the Amazon States Language: build a [`StateMachine`] from typed states,
//! render it as deterministic JSON, or parse a definition back and validate it.
//!
//! A `StateMachine` only exists validated (see `validate.rs`), so whatever renders is a
//! graph Step Functions accepts: targets exist, every state is reachable, retries are in
//! range.

mod choice;
mod path;
mod retry;
mod states;
mod task;
mod transition;
mod validate;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::AslError;
pub use choice::{ChoiceRule, CompareOp, Condition, Test, TypeTest};
pub use path::{JsonPath, ResultPath, StateName};
pub use retry::{Catcher, JitterStrategy, Retrier};
pub use states::{Choice, Fail, Pass, State, Succeed, Wait, WaitFor};
pub use task::Task;
pub use transition::Transition;

/// A validated state machine definition (deserializing one validates it too).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields, try_from = "Unchecked")]
pub struct StateMachine {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    comment: Option<String>,
    start_at: StateName,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    timeout_seconds: Option<u64>,
    states: States,
}

/// The wire form before validation.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct Unchecked {
    #[serde(default)]
    comment: Option<String>,
    start_at: StateName,
    #[serde(default)]
    timeout_seconds: Option<u64>,
    states: States,
}

impl Unchecked {
    fn check(self) -> Result<StateMachine, AslError> {
        let machine = StateMachine {
            comment: self.comment,
            start_at: self.start_at,
            timeout_seconds: self.timeout_seconds,
            states: self.states,
        };
        validate::validate(&machine)?;
        Ok(machine)
    }
}

impl TryFrom<Unchecked> for StateMachine {
    type Error = AslError;

    fn try_from(unchecked: Unchecked) -> Result<Self, AslError> {
        unchecked.check()
    }
}

/// The states in insertion order. A plain list (not a map) so a duplicated name survives
/// parsing and validation can report both places.
#[derive(Debug, Clone, PartialEq)]
struct States(Vec<(StateName, State)>);

impl StateMachine {
    /// Starts a machine whose execution begins at `start_at`.
    pub fn builder(start_at: impl Into<StateName>) -> StateMachineBuilder {
        StateMachineBuilder {
            machine: Self {
                comment: None,
                start_at: start_at.into(),
                timeout_seconds: None,
                states: States(Vec::new()),
            },
        }
    }

    /// Parses a definition (e.g. `definition.asl.json`) and validates it.
    pub fn from_json(json: &str) -> Result<Self, AslError> {
        // Through `Unchecked`, so a rule violation comes back as its own variant rather
        // than as a parse error.
        serde_json::from_str::<Unchecked>(json)?.check()
    }

    /// The definition as pretty JSON (2-space indent) with a trailing newline.
    pub fn to_json(&self) -> Result<String, AslError> {
        let mut json =
            serde_json::to_string_pretty(self).map_err(|source| AslError::Render { source })?;
        json.push('\n');
        Ok(json)
    }

    /// The machine's `Comment`.
    pub fn comment(&self) -> Option<&str> {
        self.comment.as_deref()
    }

    /// The first state.
    pub(crate) fn start_at(&self) -> &StateName {
        &self.start_at
    }

    /// The states in order.
    pub fn states(&self) -> impl Iterator<Item = (&StateName, &State)> {
        self.states.0.iter().map(|(name, state)| (name, state))
    }

    /// The state called `name`.
    pub fn state(&self, name: &str) -> Option<&State> {
        self.states()
            .find(|(n, _)| n.as_str() == name)
            .map(|(_, s)| s)
    }
}

/// Collects states, then validates the whole graph in [`StateMachineBuilder::build`].
#[derive(Debug, Clone)]
pub struct StateMachineBuilder {
    machine: StateMachine,
}

impl StateMachineBuilder {
    /// Sets the machine's `Comment`.
    pub(crate) fn comment(&mut self, comment: impl Into<String>) -> &mut Self {
        self.machine.comment = Some(comment.into());
        self
    }

    /// Sets the machine's `TimeoutSeconds`.
    pub fn timeout_seconds(&mut self, seconds: u64) -> &mut Self {
        self.machine.timeout_seconds = Some(seconds);
        self
    }

    /// Adds a state; states render in the order they are added.
    pub fn state(&mut self, name: impl Into<StateName>, state: impl Into<State>) -> &mut Self {
        self.machine.states.0.push((name.into(), state.into()));
        self
    }

    /// Validates the graph.
    pub fn build(&self) -> Result<StateMachine, AslError> {
        validate::validate(&self.machine)?;
        Ok(self.machine.clone())
    }
}

impl Serialize for States {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, state) in &self.0 {
            map.serialize_entry(name, state)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for States {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct StatesVisitor;

        impl<'de> Visitor<'de> for StatesVisitor {
            type Value = States;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object of states by name")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<States, A::Error> {
                let mut states = Vec::new();
                while let Some((name, state)) = access.next_entry::<StateName, State>()? {
                    states.push((name, state));
                }
                Ok(States(states))
            }
        }

        deserializer.deserialize_map(StatesVisitor)
    }
}

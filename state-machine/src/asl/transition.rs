//! `Next` / `End` as one type: a state either names its successor or ends the execution,
//! never both and never neither. Terminal states (Succeed, Fail) and Choice have no
//! transition field at all, so mixing is impossible by construction.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::path::StateName;

/// How a Task, Pass or Wait state continues.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transition {
    /// `"Next": "<state>"`.
    Next(StateName),
    /// `"End": true`.
    End,
}

impl Transition {
    /// `Next` to the named state.
    pub fn next(state: impl Into<StateName>) -> Self {
        Self::Next(state.into())
    }

    /// The successor, if any.
    pub(crate) fn target(&self) -> Option<&StateName> {
        match self {
            Self::Next(target) => Some(target),
            Self::End => None,
        }
    }
}

/// The wire form: the two keys that are flattened into the state object.
#[derive(Serialize, Deserialize)]
struct Wire {
    #[serde(rename = "Next", default, skip_serializing_if = "Option::is_none")]
    next: Option<StateName>,
    #[serde(rename = "End", default, skip_serializing_if = "Option::is_none")]
    end: Option<bool>,
}

impl Serialize for Transition {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let wire = match self {
            Self::Next(target) => Wire {
                next: Some(target.clone()),
                end: None,
            },
            Self::End => Wire {
                next: None,
                end: Some(true),
            },
        };
        wire.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Transition {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Wire::deserialize(deserializer)? {
            Wire {
                next: Some(target),
                end: None | Some(false),
            } => Ok(Self::Next(target)),
            Wire {
                next: None,
                end: Some(true),
            } => Ok(Self::End),
            Wire {
                next: Some(_),
                end: Some(true),
            } => Err(D::Error::custom(
                "a state cannot have both `Next` and `\"End\": true`",
            )),
            Wire { next: None, .. } => Err(D::Error::custom(
                "a Task, Pass or Wait state needs `Next` or `\"End\": true`",
            )),
        }
    }
}

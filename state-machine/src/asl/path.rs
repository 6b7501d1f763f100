//! Newtypes for the strings ASL gives a meaning: state names, JSONPaths and ResultPath.
//!
//! A `JsonPath` can only be built valid (it starts with `$`), so a typo such as
//! `job.action` is caught when the graph is built, not when an execution reaches it.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::AslError;

/// Longest state name Step Functions accepts.
pub(super) const MAX_STATE_NAME_LEN: usize = 80;

/// A state's name. Length is checked when the machine is built (so the error can say where).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct StateName(String);

impl StateName {
    /// Wraps a name.
    pub(crate) fn new(name: impl Into<String>) -> Self {
        Self(name.into())
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&str> for StateName {
    fn from(name: &str) -> Self {
        Self::new(name)
    }
}

impl From<String> for StateName {
    fn from(name: String) -> Self {
        Self(name)
    }
}

impl fmt::Display for StateName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A JSONPath into the state's data (`$.export.status`) or, where ASL allows it, into the
/// context object (`$$.Execution.Id`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct JsonPath(String);

impl JsonPath {
    /// Checks and wraps a path: it must start with `$` (or `$$` for the context object),
    /// followed by nothing, `.` or `[`.
    pub fn new(path: impl Into<String>) -> Result<Self, AslError> {
        let path = path.into();
        let invalid = |reason| AslError::InvalidJsonPath {
            path: path.clone(),
            reason,
        };
        let rest = if let Some(rest) = path.strip_prefix("$$") {
            rest
        } else if let Some(rest) = path.strip_prefix('$') {
            rest
        } else {
            return Err(invalid("it must start with `$`"));
        };
        if !(rest.is_empty() || rest.starts_with('.') || rest.starts_with('[')) {
            return Err(invalid("`$` must be followed by `.`, `[` or nothing"));
        }
        if rest.ends_with('.') {
            return Err(invalid("it must not end with `.`"));
        }
        if path.chars().any(char::is_whitespace) {
            return Err(invalid("it must not contain whitespace"));
        }
        Ok(Self(path))
    }

    /// True for a context-object path (`$$...`).
    pub(crate) fn is_context(&self) -> bool {
        self.0.starts_with("$$")
    }

    /// The path as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for JsonPath {
    type Error = AslError;

    fn try_from(path: String) -> Result<Self, Self::Error> {
        Self::new(path)
    }
}

impl From<JsonPath> for String {
    fn from(path: JsonPath) -> Self {
        path.0
    }
}

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where a state puts its result: a path into the input, or `null` to discard the result
/// and pass the input through unchanged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResultPath {
    /// Merge the result into the input at this path (`$` replaces the input).
    Path(JsonPath),
    /// `"ResultPath": null`: keep the input, drop the result.
    Discard,
}

impl ResultPath {
    /// Checks and wraps a path.
    pub fn path(path: impl Into<String>) -> Result<Self, AslError> {
        JsonPath::new(path).map(Self::Path)
    }
}

impl Serialize for ResultPath {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Path(path) => path.serialize(serializer),
            Self::Discard => serializer.serialize_none(),
        }
    }
}

/// Reads an optional `ResultPath` where `null` means [`ResultPath::Discard`] and a missing
/// key means unset (plain `Option` would read `null` as unset).
pub(crate) fn deserialize_result_path<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<ResultPath>, D::Error> {
    let path = Option::<JsonPath>::deserialize(deserializer)?;
    Ok(Some(path.map_or(ResultPath::Discard, ResultPath::Path)))
}

#[cfg(test)]
mod tests;

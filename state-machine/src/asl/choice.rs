//! Choice rules: comparisons of a `Variable` with a literal or another path, combined with
//! `And` / `Or` / `Not`.
//!
//! A top-level rule carries `Next`; nested conditions cannot (the type has no field for it).
//! Serde is written by hand because an ASL condition is a flat object whose operator is a
//! key (`"StringEquals": "x"`), and parse errors should name that key.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Number, Value};

use super::path::{JsonPath, StateName};

/// The five ordered comparisons, shared by strings, numbers and timestamps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    /// `...Equals`.
    Equals,
    /// `...LessThan`.
    LessThan,
    /// `...GreaterThan`.
    GreaterThan,
    /// `...LessThanEquals`.
    LessThanEquals,
    /// `...GreaterThanEquals`.
    GreaterThanEquals,
}

impl CompareOp {
    const ALL: [Self; 5] = [
        Self::Equals,
        Self::LessThan,
        Self::GreaterThan,
        Self::LessThanEquals,
        Self::GreaterThanEquals,
    ];

    /// The operator's suffix (`GreaterThan`).
    pub(crate) const fn suffix(self) -> &'static str {
        match self {
            Self::Equals => "Equals",
            Self::LessThan => "LessThan",
            Self::GreaterThan => "GreaterThan",
            Self::LessThanEquals => "LessThanEquals",
            Self::GreaterThanEquals => "GreaterThanEquals",
        }
    }

    /// A short symbol for diagrams.
    pub(crate) const fn symbol(self) -> &'static str {
        match self {
            Self::Equals => "=",
            Self::LessThan => "<",
            Self::GreaterThan => ">",
            Self::LessThanEquals => "<=",
            Self::GreaterThanEquals => ">=",
        }
    }
}

/// The type tests (`IsPresent`, `IsNull`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeTest {
    /// `IsPresent`.
    Present,
    /// `IsNull`.
    Null,
    /// `IsString`.
    String,
    /// `IsNumeric`.
    Numeric,
    /// `IsBoolean`.
    Boolean,
    /// `IsTimestamp`.
    Timestamp,
}

impl TypeTest {
    const ALL: [Self; 6] = [
        Self::Present,
        Self::Null,
        Self::String,
        Self::Numeric,
        Self::Boolean,
        Self::Timestamp,
    ];

    /// The ASL key (`IsPresent`).
    pub(crate) const fn key(self) -> &'static str {
        match self {
            Self::Present => "IsPresent",
            Self::Null => "IsNull",
            Self::String => "IsString",
            Self::Numeric => "IsNumeric",
            Self::Boolean => "IsBoolean",
            Self::Timestamp => "IsTimestamp",
        }
    }
}

/// What a comparison checks the `Variable` against.
#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    /// `String<Op>`: compare with a literal string.
    String(CompareOp, String),
    /// `String<Op>Path`: compare with a string at another path.
    StringPath(CompareOp, JsonPath),
    /// `StringMatches`: glob with `*`.
    StringMatches(String),
    /// `Numeric<Op>`: compare with a literal number.
    Numeric(CompareOp, Number),
    /// `Numeric<Op>Path`.
    NumericPath(CompareOp, JsonPath),
    /// `Timestamp<Op>`: compare with an RFC 3339 timestamp.
    Timestamp(CompareOp, String),
    /// `Timestamp<Op>Path`.
    TimestampPath(CompareOp, JsonPath),
    /// `BooleanEquals`.
    BooleanEquals(bool),
    /// `BooleanEqualsPath`.
    BooleanEqualsPath(JsonPath),
    /// `Is<Type>`: true or false.
    Is(TypeTest, bool),
}

impl Test {
    /// The ASL operator key (`NumericGreaterThanEqualsPath`).
    pub(crate) fn key(&self) -> String {
        match self {
            Self::String(op, _) => format!("String{}", op.suffix()),
            Self::StringPath(op, _) => format!("String{}Path", op.suffix()),
            Self::StringMatches(_) => "StringMatches".to_owned(),
            Self::Numeric(op, _) => format!("Numeric{}", op.suffix()),
            Self::NumericPath(op, _) => format!("Numeric{}Path", op.suffix()),
            Self::Timestamp(op, _) => format!("Timestamp{}", op.suffix()),
            Self::TimestampPath(op, _) => format!("Timestamp{}Path", op.suffix()),
            Self::BooleanEquals(_) => "BooleanEquals".to_owned(),
            Self::BooleanEqualsPath(_) => "BooleanEqualsPath".to_owned(),
            Self::Is(test, _) => test.key().to_owned(),
        }
    }

    /// The operand as JSON.
    pub(crate) fn operand(&self) -> Value {
        match self {
            Self::String(_, s) | Self::StringMatches(s) | Self::Timestamp(_, s) => {
                Value::String(s.clone())
            }
            Self::StringPath(_, p)
            | Self::NumericPath(_, p)
            | Self::TimestampPath(_, p)
            | Self::BooleanEqualsPath(p) => Value::String(p.as_str().to_owned()),
            Self::Numeric(_, n) => Value::Number(n.clone()),
            Self::BooleanEquals(b) | Self::Is(_, b) => Value::Bool(*b),
        }
    }

    /// Parses one operator key and its operand; `Ok(None)` when `key` is no operator.
    fn parse(key: &str, value: &Value) -> Result<Option<Self>, String> {
        let want = |what: &str| format!("`{key}` needs {what}, found {value}");
        let path = || {
            value
                .as_str()
                .ok_or_else(|| want("a JSONPath string"))
                .and_then(|s| JsonPath::new(s).map_err(|e| e.to_string()))
        };
        let string = || {
            value
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| want("a string"))
        };
        let boolean = || value.as_bool().ok_or_else(|| want("true or false"));
        if let Some(test) = TypeTest::ALL.into_iter().find(|t| t.key() == key) {
            return boolean().map(|b| Some(Self::Is(test, b)));
        }
        match key {
            "StringMatches" => return string().map(|s| Some(Self::StringMatches(s))),
            "BooleanEquals" => return boolean().map(|b| Some(Self::BooleanEquals(b))),
            "BooleanEqualsPath" => return path().map(|p| Some(Self::BooleanEqualsPath(p))),
            _ => {}
        }
        for family in ["String", "Numeric", "Timestamp"] {
            let Some(rest) = key.strip_prefix(family) else {
                continue;
            };
            let (op_text, is_path) = match rest.strip_suffix("Path") {
                Some(op) => (op, true),
                None => (rest, false),
            };
            let Some(op) = CompareOp::ALL.into_iter().find(|op| op.suffix() == op_text) else {
                continue;
            };
            let test = match (family, is_path) {
                ("String", false) => Self::String(op, string()?),
                ("String", true) => Self::StringPath(op, path()?),
                ("Numeric", false) => match value {
                    Value::Number(n) => Self::Numeric(op, n.clone()),
                    _ => return Err(want("a number")),
                },
                ("Numeric", true) => Self::NumericPath(op, path()?),
                (_, false) => Self::Timestamp(op, string()?),
                (_, true) => Self::TimestampPath(op, path()?),
            };
            return Ok(Some(test));
        }
        Ok(None)
    }
}

/// A condition: a comparison or a boolean combination of conditions.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// `{"Variable": ..., "<Operator>": ...}`.
    Compare {
        /// The path compared.
        variable: JsonPath,
        /// The operator and operand.
        test: Test,
    },
    /// All must hold (at least one condition).
    And(Vec<Condition>),
    /// One must hold (at least one condition).
    Or(Vec<Condition>),
    /// Must not hold.
    Not(Box<Condition>),
}

impl Condition {
    /// `variable` compared with `test`.
    pub(crate) fn compare(variable: JsonPath, test: Test) -> Self {
        Self::Compare { variable, test }
    }

    /// `StringEquals`.
    pub(crate) fn string_equals(variable: JsonPath, value: impl Into<String>) -> Self {
        Self::compare(variable, Test::String(CompareOp::Equals, value.into()))
    }

    /// `BooleanEquals`.
    pub(crate) fn boolean_equals(variable: JsonPath, value: bool) -> Self {
        Self::compare(variable, Test::BooleanEquals(value))
    }

    /// `IsPresent`.
    pub fn is_present(variable: JsonPath, present: bool) -> Self {
        Self::compare(variable, Test::Is(TypeTest::Present, present))
    }

    /// The JSON object of this condition (without `Next`).
    pub(crate) fn to_map(&self) -> Map<String, Value> {
        let mut map = Map::new();
        match self {
            Self::Compare { variable, test } => {
                map.insert("Variable".into(), Value::String(variable.as_str().into()));
                map.insert(test.key(), test.operand());
            }
            Self::And(all) => {
                let list = all.iter().map(|c| Value::Object(c.to_map())).collect();
                map.insert("And".into(), Value::Array(list));
            }
            Self::Or(any) => {
                let list = any.iter().map(|c| Value::Object(c.to_map())).collect();
                map.insert("Or".into(), Value::Array(list));
            }
            Self::Not(inner) => {
                map.insert("Not".into(), Value::Object(inner.to_map()));
            }
        }
        map
    }

    /// Parses a condition object (without `Next`).
    pub(crate) fn from_map(mut map: Map<String, Value>) -> Result<Self, String> {
        let nested = |value: Value| match value {
            Value::Object(inner) => Self::from_map(inner),
            other => Err(format!(
                "a nested condition must be an object, found {other}"
            )),
        };
        for combinator in ["And", "Or", "Not"] {
            let Some(value) = map.remove(combinator) else {
                continue;
            };
            if let Some(other) = map.keys().next() {
                return Err(format!(
                    "`{combinator}` must be alone, found `{other}` beside it"
                ));
            }
            return match (combinator, value) {
                ("Not", value) => nested(value).map(|c| Self::Not(Box::new(c))),
                (_, Value::Array(list)) => {
                    let list = list
                        .into_iter()
                        .map(nested)
                        .collect::<Result<Vec<_>, _>>()?;
                    Ok(if combinator == "And" {
                        Self::And(list)
                    } else {
                        Self::Or(list)
                    })
                }
                (_, other) => Err(format!("`{combinator}` needs a list, found {other}")),
            };
        }
        let variable = match map.remove("Variable") {
            Some(Value::String(path)) => JsonPath::new(path).map_err(|e| e.to_string())?,
            Some(other) => return Err(format!("`Variable` must be a string, found {other}")),
            None => return Err("a comparison needs `Variable`".to_owned()),
        };
        let mut tests = Vec::new();
        for (key, value) in &map {
            match Test::parse(key, value)? {
                Some(test) => tests.push(test),
                None => return Err(format!("unknown condition key `{key}`")),
            }
        }
        match <[Test; 1]>::try_from(tests) {
            Ok([test]) => Ok(Self::Compare { variable, test }),
            Err(tests) => Err(format!(
                "a comparison needs exactly one operator, found {}",
                tests.len()
            )),
        }
    }
}

impl Serialize for Condition {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_map().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Condition {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Self::from_map(Map::deserialize(deserializer)?).map_err(D::Error::custom)
    }
}

/// A top-level rule of a Choice state: a condition and where to go when it holds.
#[derive(Debug, Clone, PartialEq)]
pub struct ChoiceRule {
    /// The condition.
    pub condition: Condition,
    /// The state to go to when it holds.
    pub next: StateName,
}

impl ChoiceRule {
    /// Goes to `next` when `condition` holds.
    pub fn new(condition: Condition, next: impl Into<StateName>) -> Self {
        Self {
            condition,
            next: next.into(),
        }
    }
}

impl Serialize for ChoiceRule {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = self.condition.to_map();
        map.insert("Next".into(), Value::String(self.next.as_str().into()));
        map.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for ChoiceRule {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut map = Map::deserialize(deserializer)?;
        let next = match map.remove("Next") {
            Some(Value::String(next)) => StateName::new(next),
            _ => {
                return Err(D::Error::custom(
                    "a Choice rule needs `Next` (a state name)",
                ));
            }
        };
        let condition = Condition::from_map(map).map_err(D::Error::custom)?;
        Ok(Self { condition, next })
    }
}

#[cfg(test)]
mod tests;

//! The Task state: runs a resource (here a Lambda function, payload-only) with its input
//! and output processing, timeout, Retry and Catch.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::path::{JsonPath, ResultPath, deserialize_result_path};
use super::retry::{Catcher, Retrier};
use super::transition::Transition;

/// A Task state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Task {
    /// What the state is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// The resource ARN (or a Terraform placeholder for it).
    pub resource: String,
    /// Selects the part of the input the state sees.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_path: Option<JsonPath>,
    /// The payload template sent to the resource (`"key.$"` entries are paths).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<Value>,
    /// A template applied to the resource's result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_selector: Option<Value>,
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
    /// Fails the state with `States.Timeout` after this long.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<u64>,
    /// Retry policies, tried in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub retry: Vec<Retrier>,
    /// Where to go when retries are exhausted, tried in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub catch: Vec<Catcher>,
    /// `Next` or `End`.
    #[serde(flatten)]
    pub transition: Transition,
    /// Fields not modeled, written as they are.
    #[serde(flatten, default)]
    pub extra: Map<String, Value>,
}

impl Task {
    /// A task running `resource`, then taking `transition`.
    pub fn new(resource: impl Into<String>, transition: Transition) -> Self {
        Self {
            comment: None,
            resource: resource.into(),
            input_path: None,
            parameters: None,
            result_selector: None,
            result_path: None,
            output_path: None,
            timeout_seconds: None,
            retry: Vec::new(),
            catch: Vec::new(),
            transition,
            extra: Map::new(),
        }
    }

    /// Sets `Parameters`.
    pub fn parameters(mut self, template: Value) -> Self {
        self.parameters = Some(template);
        self
    }

    /// Sets `ResultSelector`.
    pub fn result_selector(mut self, template: Value) -> Self {
        self.result_selector = Some(template);
        self
    }

    /// Sets `ResultPath`.
    pub fn result_path(mut self, path: ResultPath) -> Self {
        self.result_path = Some(path);
        self
    }

    /// Sets `TimeoutSeconds`.
    pub fn timeout_seconds(mut self, seconds: u64) -> Self {
        self.timeout_seconds = Some(seconds);
        self
    }

    /// Sets the Retry list.
    pub fn retry(mut self, retriers: Vec<Retrier>) -> Self {
        self.retry = retriers;
        self
    }

    /// Sets the Catch list.
    pub fn catch(mut self, catchers: Vec<Catcher>) -> Self {
        self.catch = catchers;
        self
    }
}

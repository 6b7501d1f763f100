//! Retry and Catch: which errors a task retries (and how fast), and where it goes when it
//! gives up.
//!
//! Fields left at their ASL default are not written out, so the rendered JSON says only
//! what differs from what Step Functions would do anyway.

use serde::{Deserialize, Serialize};

use super::path::{ResultPath, StateName, deserialize_result_path};

/// The wildcard error name; must be alone in its list and its entry last.
pub(super) const STATES_ALL: &str = "States.ALL";

/// ASL default IntervalSeconds.
pub(super) const DEFAULT_INTERVAL_SECONDS: u32 = 1;
/// ASL default MaxAttempts.
pub(super) const DEFAULT_MAX_ATTEMPTS: u32 = 3;
/// ASL default BackoffRate.
pub(super) const DEFAULT_BACKOFF_RATE: f64 = 2.0;
/// Largest MaxDelaySeconds Step Functions accepts (one year and a day).
pub(super) const MAX_DELAY_SECONDS_LIMIT: u32 = 31_622_400;

/// How retry delays are randomised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum JitterStrategy {
    /// A random delay between 0 and the computed one.
    Full,
    /// The computed delay (the ASL default).
    None,
}

/// One Retry entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Retrier {
    /// Error names this entry retries.
    pub error_equals: Vec<String>,
    /// Seconds before the first retry (unset: 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval_seconds: Option<u32>,
    /// Retries before giving up (unset: 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_attempts: Option<u32>,
    /// Multiplier of the interval per retry (unset: 2.0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backoff_rate: Option<f64>,
    /// Cap on one retry's delay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_delay_seconds: Option<u32>,
    /// Jitter (unset: NONE).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jitter_strategy: Option<JitterStrategy>,
}

impl Retrier {
    /// Retries these errors with the ASL defaults.
    pub fn on<I, S>(errors: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            error_equals: errors.into_iter().map(Into::into).collect(),
            interval_seconds: None,
            max_attempts: None,
            backoff_rate: None,
            max_delay_seconds: None,
            jitter_strategy: None,
        }
    }

    /// Seconds before the first retry; the default (1) is left unset.
    pub fn interval_seconds(mut self, seconds: u32) -> Self {
        self.interval_seconds = (seconds != DEFAULT_INTERVAL_SECONDS).then_some(seconds);
        self
    }

    /// Retries before giving up; the default (3) is left unset.
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = (attempts != DEFAULT_MAX_ATTEMPTS).then_some(attempts);
        self
    }

    /// Interval multiplier; the default (2.0) is left unset.
    pub fn backoff_rate(mut self, rate: f64) -> Self {
        // Exact comparison on purpose: only the literal default is dropped.
        self.backoff_rate = (rate.to_bits() != DEFAULT_BACKOFF_RATE.to_bits()).then_some(rate);
        self
    }

    /// Cap on one retry's delay.
    pub fn max_delay_seconds(mut self, seconds: u32) -> Self {
        self.max_delay_seconds = Some(seconds);
        self
    }

    /// Jitter; the default (NONE) is left unset.
    pub(crate) fn jitter(mut self, jitter: JitterStrategy) -> Self {
        self.jitter_strategy = (jitter != JitterStrategy::None).then_some(jitter);
        self
    }
}

/// One Catch entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Catcher {
    /// Error names this entry catches.
    pub error_equals: Vec<String>,
    /// Where the error object (`{"Error","Cause"}`) goes (unset: replaces the input).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "deserialize_result_path"
    )]
    pub result_path: Option<ResultPath>,
    /// The state to go to.
    pub next: StateName,
}

impl Catcher {
    /// Catches these errors and goes to `next`.
    pub fn on<I, S>(errors: I, next: impl Into<StateName>) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            error_equals: errors.into_iter().map(Into::into).collect(),
            result_path: None,
            next: next.into(),
        }
    }

    /// Catches everything (`States.ALL`) and goes to `next`.
    pub fn all(next: impl Into<StateName>) -> Self {
        Self::on([STATES_ALL], next)
    }

    /// Puts the error object at `path` instead of replacing the input.
    pub(crate) fn result_path(mut self, path: ResultPath) -> Self {
        self.result_path = Some(path);
        self
    }
}

#[cfg(test)]
mod tests;

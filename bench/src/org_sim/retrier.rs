//! Today's StartExport quota retrier and export attempts, read from the state machine the
//! CLI renders with the default configuration (not copied), so the baseline is the graph
//! that runs.

use crate::rng::Rng;
use contract::errors::EXPORT_QUOTA_REACHED;
use contract::functions::states::START_EXPORT;
use state_machine::{JitterStrategy, PipelineConfig, Retrier};

/// What the simulation takes from the pipeline's definition.
#[derive(Debug, Clone)]
pub struct Pipeline {
    /// StartExport's Retry entry for ExportQuotaReached.
    pub quota_retry: QuotaRetry,
    /// Export attempts per execution (`[export] max_attempts`): a FAILED export is
    /// started again until this many ended FAILED.
    pub max_attempts: usize,
}

/// One Retry entry, with the ASL defaults filled in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QuotaRetry {
    /// Seconds before the first retry.
    pub interval: f64,
    /// Retries before the error fails the execution.
    pub max_attempts: u32,
    /// Growth of the delay per retry.
    pub backoff: f64,
    /// Cap on one delay, seconds.
    pub max_delay: Option<f64>,
    /// Full jitter: a delay uniform in [0, computed).
    pub full_jitter: bool,
}

impl QuotaRetry {
    /// The delay before retry number `retry` (1 = the first retry).
    pub fn delay(&self, retry: u32, rng: &mut Rng) -> f64 {
        let exponent = i32::try_from(retry.saturating_sub(1)).unwrap_or(i32::MAX);
        let mut delay = self.interval * self.backoff.powi(exponent);
        if let Some(cap) = self.max_delay {
            delay = delay.min(cap);
        }
        if self.full_jitter {
            delay = rng.uniform(0.0, delay);
        }
        delay.max(1.0)
    }

    /// The longest the retries can wait in total (no jitter), seconds.
    pub fn longest(&self) -> f64 {
        let mut quiet = *self;
        quiet.full_jitter = false;
        let mut rng = Rng::new(0);
        (1..=self.max_attempts)
            .map(|r| quiet.delay(r, &mut rng))
            .sum()
    }
}

impl Pipeline {
    /// Renders the default pipeline and reads StartExport's quota retrier from it.
    pub fn from_definition() -> Result<Self, String> {
        let config = PipelineConfig::default();
        let machine = state_machine::pipeline(&config).map_err(|e| e.to_string())?;
        let json = serde_json::to_value(&machine).map_err(|e| e.to_string())?;
        let retries = json
            .pointer(&format!("/States/{START_EXPORT}/Retry"))
            .cloned()
            .ok_or_else(|| format!("{START_EXPORT} has no Retry in the definition"))?;
        let retries: Vec<Retrier> = serde_json::from_value(retries).map_err(|e| e.to_string())?;
        let entry = retries
            .into_iter()
            .find(|r| r.error_equals.iter().any(|e| e == EXPORT_QUOTA_REACHED))
            .ok_or_else(|| format!("{START_EXPORT} does not retry {EXPORT_QUOTA_REACHED}"))?;
        Ok(Self {
            quota_retry: QuotaRetry {
                // The ASL defaults for what an entry leaves unset.
                interval: f64::from(entry.interval_seconds.unwrap_or(1)),
                max_attempts: entry.max_attempts.unwrap_or(3),
                backoff: entry.backoff_rate.unwrap_or(2.0),
                max_delay: entry.max_delay_seconds.map(f64::from),
                full_jitter: entry.jitter_strategy == Some(JitterStrategy::Full),
            },
            max_attempts: usize::try_from(config.export.max_attempts.max(1)).unwrap_or(1),
        })
    }
}

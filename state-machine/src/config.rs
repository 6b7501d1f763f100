//! `PipelineConfig`: the knobs of the export graph, read from TOML.
//!
//! Keys and defaults are the ones documented in `docs/state-machine.md`. Unknown keys are
//! rejected (a typo must not silently fall back to a default) and every value is checked,
//! the error naming the dotted key.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::AslError;
use contract::{CrawlPolicy, MAX_EXPORT_POLLS_PER_EXECUTION, PollPolicy};

/// Longest Standard workflow execution: one year.
const MAX_EXECUTION_HOURS: u32 = 365 * 24;
/// Most `export.max_attempts`: each attempt may wait `max_wait_hours`, and the poll budget
/// is split between them.
const MAX_EXPORT_ATTEMPTS_PER_RUN: u32 = 10;
/// History events of one Wait loop: WaitForExport (entered, exited), CheckExport (entered,
/// scheduled, started, succeeded, exited), ExportStatus (entered, exited). The unit of
/// [`MAX_EXPORT_POLLS_PER_EXECUTION`].
const WAIT_LOOP_HISTORY_EVENTS: u32 = 9;
/// History events of one callback loop that ends in the fallback poll: WaitForExportEvent
/// (entered, scheduled, started, submitted, timed out, exited) in place of the Wait's two.
const CALLBACK_LOOP_HISTORY_EVENTS: u32 = 13;

/// The whole configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PipelineConfig {
    /// How the export reaches the analytics account.
    pub delivery: Delivery,
    /// How the export is cataloged.
    pub catalog: Catalog,
    /// Export polling and capacity retries.
    pub export: ExportConfig,
    /// The ACL rewrite step.
    pub acl: AclConfig,
    /// The Glue crawler step.
    pub crawler: CrawlerConfig,
    /// The NotifySuccess state.
    pub notifications: NotificationsConfig,
    /// The execution as a whole.
    pub execution: ExecutionConfig,
}

/// `delivery`: how the analytics account gets to read the export.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Delivery {
    /// The export stays where RDS wrote it, under the prod key shared with analytics;
    /// RewriteAcl gives the bucket owner the objects (when ACLs are enabled).
    #[default]
    ShareKey,
    /// The export lands in a prod staging bucket and CopyObjects copies it into the
    /// analytics bucket, re-encrypted with an analytics key: the prod key stays in prod.
    Copy,
    /// Many prod accounts, each with its own delivery: the `DeliveryMode` Choice reads
    /// `$.job.delivery` (the source's, written by Normalize) and goes to the RewriteAcl loop
    /// (share-key; straight on when `[acl]` is off) or the CopyObjects loop (copy).
    PerSource,
}

/// `catalog`: how the export is cataloged for Athena.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Catalog {
    /// CatalogTables writes one latest and one history table per exported table.
    #[default]
    Tables,
    /// A Glue crawler (`[crawler]`).
    Crawler,
    /// No catalog step.
    None,
}

/// `[export]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExportConfig {
    /// Shortest wait between two CheckExport calls, seconds.
    pub min_poll_seconds: u32,
    /// Longest wait between two CheckExport calls, seconds.
    pub max_poll_seconds: u32,
    /// CheckExport fails with ExportWaitTimedOut after this long, hours.
    pub max_wait_hours: u32,
    /// First retry of ExportQuotaReached / SnapshotNotAvailable, seconds.
    pub capacity_retry_interval_seconds: u32,
    /// Retries of ExportQuotaReached / SnapshotNotAvailable.
    pub capacity_retry_max_attempts: u32,
    /// Export attempts that may end FAILED or CANCELED before StartExport fails the
    /// execution; each redrive allows one more.
    pub max_attempts: u32,
    /// True (the default): RDS's export-finished events wake the execution (a callback
    /// Task, WaitForExportEvent, whose timeout is the fallback poll); false: the Wait loop
    /// polls (`configs/wait-loop.toml`).
    pub events: bool,
    /// True (the default): the export slots schedule the account's 5 exports
    /// (AcquireExportSlot before StartExport, ReleaseExportSlot after COMPLETE, one
    /// execution per snapshot); false: StartExport retries the RDS quota blindly
    /// (`configs/slots-off.toml`).
    pub slots: bool,
    /// AcquireExportSlot's TimeoutSeconds, in hours: how long an execution may stay parked
    /// for a slot before it fails there with `States.Timeout` (a redrive parks it again,
    /// keeping its place). Generous: a busy account's queue drains in a few hours
    /// (docs/scheduling.md).
    pub slot_wait_hours: u32,
}

impl Default for ExportConfig {
    fn default() -> Self {
        Self {
            min_poll_seconds: 30,
            max_poll_seconds: 1800,
            max_wait_hours: 24,
            capacity_retry_interval_seconds: 60,
            capacity_retry_max_attempts: 40,
            // One automatic retry: it absorbs a transient RDS failure, while a lasting
            // cause (a permission, a KMS grant) fails once more and then waits for an
            // operator's fix and Redrive, instead of spending hours of export per attempt.
            max_attempts: 2,
            // The events wake an execution within a minute of the export's end, with a
            // few status checks; polling alone waits up to max_poll_seconds past the end
            // and checks a 2-hour export ~14 times (docs/performance.md, poll-sim). The
            // fallback interval covers a lost event, since their delivery is best effort.
            events: true,
            // The quota is scheduled, not raced (issue #22): on unless a set-up has no
            // export-slots table.
            slots: true,
            slot_wait_hours: 20,
        }
    }
}

/// `[acl]` (share-key delivery; copy delivery has no ACL step).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AclConfig {
    /// False: no RewriteAcl / AclDone (BucketOwnerEnforced-only set-ups).
    pub enabled: bool,
}

impl Default for AclConfig {
    fn default() -> Self {
        Self { enabled: true }
    }
}

/// `[crawler]` (`catalog = "crawler"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CrawlerConfig {
    /// False: succeed once the crawl has started.
    pub wait_for_completion: bool,
    /// WaitForCrawler, seconds.
    pub poll_seconds: u32,
    /// WaitForRunningCrawl, seconds.
    pub busy_retry_seconds: u32,
    /// CheckCrawler fails with CrawlWaitTimedOut after this long, minutes.
    pub max_wait_minutes: u32,
}

impl Default for CrawlerConfig {
    fn default() -> Self {
        Self {
            wait_for_completion: true,
            poll_seconds: 60,
            busy_retry_seconds: 120,
            max_wait_minutes: 120,
        }
    }
}

/// `[notifications]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NotificationsConfig {
    /// False: no NotifySuccess state (failures are notified by the status-change rule).
    pub enabled: bool,
}

impl Default for NotificationsConfig {
    fn default() -> Self {
        Self { enabled: true }
    }
}

/// `[execution]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExecutionConfig {
    /// The machine's TimeoutSeconds, in hours.
    pub timeout_hours: u32,
}

impl Default for ExecutionConfig {
    fn default() -> Self {
        Self { timeout_hours: 72 }
    }
}

impl PipelineConfig {
    /// Parses and checks a TOML document.
    pub fn from_toml_str(toml: &str) -> Result<Self, AslError> {
        let config: Self = toml::from_str(toml)?;
        config.validate()?;
        Ok(config)
    }

    /// Reads, parses and checks a TOML file.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, AslError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| AslError::ConfigRead {
            path: path.to_owned(),
            source,
        })?;
        Self::from_toml_str(&text)
    }

    /// Checks every value; the error names the first bad key.
    pub(crate) fn validate(&self) -> Result<(), AslError> {
        let e = &self.export;
        at_least("export.min_poll_seconds", e.min_poll_seconds, 1)?;
        at_least(
            "export.max_poll_seconds",
            e.max_poll_seconds,
            e.min_poll_seconds,
        )
        .map_err(|err| with_reason(err, "must be at least export.min_poll_seconds"))?;
        at_least("export.max_wait_hours", e.max_wait_hours, 1)?;
        at_least(
            "export.capacity_retry_interval_seconds",
            e.capacity_retry_interval_seconds,
            1,
        )?;
        at_most(
            "export.capacity_retry_interval_seconds",
            e.capacity_retry_interval_seconds,
            86_400,
        )?;
        at_least(
            "export.capacity_retry_max_attempts",
            e.capacity_retry_max_attempts,
            1,
        )?;
        at_most(
            "export.capacity_retry_max_attempts",
            e.capacity_retry_max_attempts,
            1000,
        )?;
        at_least("export.max_attempts", e.max_attempts, 1)?;
        at_least("export.slot_wait_hours", e.slot_wait_hours, 1)?;
        at_most(
            "export.slot_wait_hours",
            e.slot_wait_hours,
            MAX_EXECUTION_HOURS,
        )?;
        at_most(
            "export.max_attempts",
            e.max_attempts,
            MAX_EXPORT_ATTEMPTS_PER_RUN,
        )?;
        let c = &self.crawler;
        at_least("crawler.poll_seconds", c.poll_seconds, 1)?;
        at_least("crawler.busy_retry_seconds", c.busy_retry_seconds, 1)?;
        at_least("crawler.max_wait_minutes", c.max_wait_minutes, 1)?;
        let hours = self.execution.timeout_hours;
        at_least("execution.timeout_hours", hours, 1)?;
        at_most("execution.timeout_hours", hours, MAX_EXECUTION_HOURS)?;
        // The execution must outlive every attempt's export wait, or the machine's own
        // timeout would cut the pipeline short without the named ExportWaitTimedOut error.
        if u64::from(hours) * 60
            <= u64::from(e.max_wait_hours) * 60 * u64::from(e.max_attempts)
                + u64::from(c.max_wait_minutes)
        {
            return Err(AslError::ConfigValue {
                key: "execution.timeout_hours",
                value: hours.to_string(),
                reason: "must be longer than export.max_wait_hours times export.max_attempts \
                         plus crawler.max_wait_minutes"
                    .to_owned(),
            });
        }
        Ok(())
    }

    /// The literal `policy` handed to StartExport and CheckExport. The execution's poll
    /// budget is shared by its automatic attempts and one redrive's attempt, so that a
    /// failed execution stays redrivable (history under 24,999 events) and a redrive
    /// still fits in the history limit. A callback loop writes more history than a Wait
    /// loop, so with events on the budget buys fewer loops: the policy only bounds the
    /// number of loops, whatever the fallback interval it chooses.
    pub fn poll_policy(&self) -> PollPolicy {
        let loop_events = if self.export.events {
            CALLBACK_LOOP_HISTORY_EVENTS
        } else {
            WAIT_LOOP_HISTORY_EVENTS
        };
        let loops = MAX_EXPORT_POLLS_PER_EXECUTION * WAIT_LOOP_HISTORY_EVENTS / loop_events;
        PollPolicy {
            min_poll_seconds: self.export.min_poll_seconds,
            max_poll_seconds: self.export.max_poll_seconds,
            max_wait_seconds: u64::from(self.export.max_wait_hours) * 3600,
            max_polls: loops / (self.export.max_attempts + 1),
            events: self.export.events,
        }
    }

    /// The literal `policy` handed to CheckCrawler.
    pub fn crawl_policy(&self) -> CrawlPolicy {
        CrawlPolicy {
            max_wait_seconds: u64::from(self.crawler.max_wait_minutes) * 60,
        }
    }

    /// The machine's TimeoutSeconds.
    pub(crate) fn execution_timeout_seconds(&self) -> u64 {
        u64::from(self.execution.timeout_hours) * 3600
    }
}

fn at_least(key: &'static str, value: u32, min: u32) -> Result<(), AslError> {
    if value < min {
        return Err(AslError::ConfigValue {
            key,
            value: value.to_string(),
            reason: format!("must be at least {min}"),
        });
    }
    Ok(())
}

fn at_most(key: &'static str, value: u32, max: u32) -> Result<(), AslError> {
    if value > max {
        return Err(AslError::ConfigValue {
            key,
            value: value.to_string(),
            reason: format!("must be at most {max}"),
        });
    }
    Ok(())
}

fn with_reason(err: AslError, reason: &str) -> AslError {
    match err {
        AslError::ConfigValue { key, value, .. } => AslError::ConfigValue {
            key,
            value,
            reason: reason.to_owned(),
        },
        other => other,
    }
}

#[cfg(test)]
mod tests;

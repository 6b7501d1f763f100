//! StartCrawler's and CheckCrawler's payloads: the crawl as the pipeline tracks it at
//! `$.crawler`.

use serde::{Deserialize, Serialize};

use crate::{Job, PipelineState};

/// Whether StartCrawler started a crawl.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CrawlStart {
    /// A crawl of ours started.
    Started,
    /// Another crawl was running: wait, then start again (it may predate the export).
    AlreadyRunning,
}

impl CrawlStart {
    /// The exact string the graph's Choice compares `$.crawler.start` with.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Started => "STARTED",
            Self::AlreadyRunning => "ALREADY_RUNNING",
        }
    }
}

/// The crawl's outcome as CheckCrawler sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CrawlOutcome {
    /// Not looked at yet (StartCrawler's output).
    Pending,
    /// Our crawl is running or stopping.
    Running,
    /// Our crawl finished (Glue SUCCEEDED; moto says COMPLETED).
    Succeeded,
    /// Our crawl failed; `error_message` says why.
    Failed,
    /// Our crawl was cancelled.
    Cancelled,
}

impl CrawlOutcome {
    /// The exact string the graph's Choice compares `$.crawler.outcome` with.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "PENDING",
            Self::Running => "RUNNING",
            Self::Succeeded => "SUCCEEDED",
            Self::Failed => "FAILED",
            Self::Cancelled => "CANCELLED",
        }
    }
}

/// StartCrawler's input (Parameters `{"state.$": "$", "redrive_count.$":
/// "$$.Execution.RedriveCount"}`): the whole state document, because `$.crawler` is absent
/// on the first call and holds the previous crawl when the graph comes back (another crawl
/// was running, or ours ended FAILED or CANCELLED).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartCrawlerInput {
    /// The state document (`job` required, `crawler` when coming back).
    pub state: PipelineState,
    /// `$$.Execution.RedriveCount`: 0 before any redrive.
    #[serde(default)]
    pub redrive_count: u32,
}

/// StartCrawler's and CheckCrawler's output, kept at `$.crawler`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrawlerState {
    /// The Glue crawler's name.
    pub crawler_name: String,
    /// Whether our crawl started or another one was running.
    pub start: CrawlStart,
    /// When our crawl was started (or StartCrawler last tried), seconds since the epoch.
    pub started_at: i64,
    /// The crawl's outcome so far.
    pub outcome: CrawlOutcome,
    /// LastCrawl.ErrorMessage; always a non-empty string once the outcome is FAILED or
    /// CANCELLED (the graph reads it there), empty before.
    #[serde(default)]
    pub error_message: String,
    /// GetCrawler calls so far.
    #[serde(default)]
    pub checks: u32,
    /// When the current wait began: `started_at`, or the first check after a redrive.
    #[serde(default)]
    pub wait_started_at: i64,
    /// The execution's RedriveCount when this crawl was last looked at: a FAILED or
    /// CANCELLED crawl is started again only by a later redrive.
    #[serde(default)]
    pub redrive_count: u32,
}

/// CheckCrawler's bounds, written into the graph from `PipelineConfig`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrawlPolicy {
    /// Total time a crawl may take, from StartCrawler, before `CrawlWaitTimedOut`.
    pub max_wait_seconds: u64,
}

/// CheckCrawler's input (Parameters `{"job.$": "$.job", "crawler.$": "$.crawler", "policy":
/// {...}, "redrive_count.$": "$$.Execution.RedriveCount"}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckCrawlerInput {
    /// The job Normalize produced.
    pub job: Job,
    /// The previous StartCrawler / CheckCrawler output.
    pub crawler: CrawlerState,
    /// Bounds.
    pub policy: CrawlPolicy,
    /// `$$.Execution.RedriveCount`: 0 before any redrive.
    #[serde(default)]
    pub redrive_count: u32,
}

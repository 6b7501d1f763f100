//! CheckCrawler: follows the crawl StartCrawler requested.
//!
//! Only a finished crawl that started after ours was requested (minus a little clock skew)
//! is trusted: an older last crawl is not ours yet. A redrive of CheckCrawler after
//! `CrawlWaitTimedOut` restarts the wait clock.

use aws_sdk_glue::types::{Crawler, CrawlerState as GlueCrawlerState, LastCrawlStatus};
use contract::functions::{self, Function};
use contract::{CheckCrawlerInput, CrawlOutcome, CrawlerState};

use crate::aws::Aws;
use crate::config::{CrawlerConfig, Env};
use crate::error::TaskError;
use crate::glue_crawler::{get_crawler, started_at, started_since, succeeded};
use crate::runtime::{Handler, Invocation};

/// Looks at the crawl once.
pub async fn check_crawler(
    glue: &aws_sdk_glue::Client,
    cfg: &CrawlerConfig,
    input: CheckCrawlerInput,
    now: i64,
) -> Result<CrawlerState, TaskError> {
    let name = &cfg.crawler_name;
    let mut state = input.crawler;
    if input.redrive_count > state.redrive_count {
        tracing::info!(
            redrive_count = input.redrive_count,
            "redriven: the crawl wait starts again"
        );
        state.redrive_count = input.redrive_count;
        state.wait_started_at = now;
    }
    let crawler = get_crawler(glue, name).await?;
    state.checks = state.checks.saturating_add(1);
    let (outcome, error_message) = our_crawl_outcome(&crawler, state.started_at, name);
    state.outcome = outcome;
    state.error_message = error_message;
    let elapsed = now.saturating_sub(state.started_at.max(state.wait_started_at));
    if outcome == CrawlOutcome::Running
        && u64::try_from(elapsed).unwrap_or(0) > input.policy.max_wait_seconds
    {
        return Err(TaskError::CrawlWaitTimedOut(format!(
            "crawl of {name} has not finished after {elapsed} s (limit {} s): check the crawler in the Glue console \
             and raise crawler.max_wait_minutes if crawls of this size are expected",
            input.policy.max_wait_seconds
        )));
    }
    tracing::info!(crawler = %name, outcome = outcome.as_str(), checks = state.checks, "crawler observed");
    Ok(state)
}

/// The outcome of the crawl requested at `requested_at`, with the error message of a failed
/// or cancelled one (never empty): `Running` until the crawler is ready with a last crawl
/// that started after the request.
fn our_crawl_outcome(crawler: &Crawler, requested_at: i64, name: &str) -> (CrawlOutcome, String) {
    let last = crawler.last_crawl();
    let ours = started_at(last).is_some_and(|started| started_since(started, requested_at));
    let ready = crawler.state() == Some(&GlueCrawlerState::Ready);
    if !(ready && ours) {
        return (CrawlOutcome::Running, String::new());
    }
    let message = last.and_then(|l| l.error_message());
    match last.and_then(|l| l.status()) {
        Some(s) if succeeded(s) => (CrawlOutcome::Succeeded, String::new()),
        Some(LastCrawlStatus::Failed) => (
            CrawlOutcome::Failed,
            non_empty(message, || {
                format!("crawl of {name} FAILED; Glue gave no ErrorMessage")
            }),
        ),
        Some(LastCrawlStatus::Cancelled) => (
            CrawlOutcome::Cancelled,
            non_empty(message, || format!("crawl of {name} was CANCELLED")),
        ),
        _ => (CrawlOutcome::Running, String::new()),
    }
}

fn non_empty(given: Option<&str>, fallback: impl FnOnce() -> String) -> String {
    match given.map(str::trim) {
        Some(s) if !s.is_empty() => s.to_owned(),
        _ => fallback(),
    }
}

/// The `check-crawler` function.
#[derive(Debug)]
pub struct CheckCrawlerHandler {
    cfg: CrawlerConfig,
    aws: Aws,
}

impl Handler for CheckCrawlerHandler {
    const FUNCTION: &'static Function = &functions::CHECK_CRAWLER;
    type Config = CrawlerConfig;
    type Input = CheckCrawlerInput;
    type Output = CrawlerState;

    fn config(env: &Env) -> Result<CrawlerConfig, TaskError> {
        CrawlerConfig::from_env(env)
    }

    async fn init(cfg: CrawlerConfig) -> Self {
        Self {
            cfg,
            aws: Aws::load(None).await,
        }
    }

    fn export_id(input: &CheckCrawlerInput) -> Option<String> {
        Some(input.job.export_task_id.clone())
    }

    async fn handle(
        &self,
        input: CheckCrawlerInput,
        invocation: Invocation,
    ) -> Result<CrawlerState, TaskError> {
        check_crawler(&self.aws.glue, &self.cfg, input, invocation.now).await
    }
}

#[cfg(test)]
mod tests;

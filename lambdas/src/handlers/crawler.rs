//! StartCrawler and CheckCrawler: start the Glue crawl over the export and follow it.
//!
//! A crawl that was already running when we asked may predate the export, so the graph
//! waits and starts again (`ALREADY_RUNNING`), unless a crawl that started after our first
//! request has succeeded meanwhile (it read the delivered export: no second crawl). CheckCrawler only trusts a finished crawl
//! that started after ours was requested (minus a little clock skew).
//!
//! The graph comes back to StartCrawler when our crawl ends FAILED or CANCELLED: it then
//! fails with `CrawlFailed` / `CrawlCancelled` at this state, unless the execution has been
//! redriven since CheckCrawler saw the failure, in which case it starts a new crawl. A run
//! whose crawl already succeeded never starts another. A redrive of CheckCrawler after
//! `CrawlWaitTimedOut` restarts the wait clock.

use aws_sdk_glue::types::{CrawlerState as GlueCrawlerState, LastCrawlStatus};
use contract::{CheckCrawlerInput, CrawlOutcome, CrawlStart, CrawlerState, StartCrawlerInput};

use crate::aws::Aws;
use crate::config::{CrawlerConfig, Env};
use crate::error::TaskError;
use contract::functions::{self, Function};

use crate::runtime::{Handler, Invocation};
use crate::sdk_error::{classify, code};

/// Seconds of clock skew allowed between our clock and Glue's crawl start time.
pub const CLOCK_SKEW_SECONDS: i64 = 5;

fn not_found(name: &str) -> TaskError {
    TaskError::CrawlerNotFound(format!(
        "Glue crawler {name:?} does not exist in this account and Region: check CRAWLER_NAME and the infra"
    ))
}

/// Starts a crawl, unless the previous one of this run succeeded (returned as is) or failed
/// with no redrive since (the failure, named).
pub async fn start_crawler(
    glue: &aws_sdk_glue::Client,
    cfg: &CrawlerConfig,
    input: &StartCrawlerInput,
    now: i64,
) -> Result<CrawlerState, TaskError> {
    let name = &cfg.crawler_name;
    if input.state.job.is_none() {
        return Err(TaskError::InvalidInput(
            "StartCrawler's state has no `job`: it runs after Normalize".into(),
        ));
    }
    if let Some(previous) = &input.state.crawler {
        let not_redriven = input.redrive_count <= previous.redrive_count;
        let fix = "fix the cause (the crawler's configuration, its role's access to the export \
                   prefix or KMS key), then Redrive the execution: a new crawl starts";
        match previous.outcome {
            CrawlOutcome::Succeeded => {
                tracing::info!(crawler = %name, "this run's crawl already succeeded: not starting another");
                return Ok(previous.clone());
            }
            CrawlOutcome::Failed if not_redriven => {
                return Err(TaskError::CrawlFailed(format!(
                    "crawl of {name} FAILED: {}; {fix}",
                    previous.error_message
                )));
            }
            CrawlOutcome::Cancelled if not_redriven => {
                return Err(TaskError::CrawlCancelled(format!(
                    "crawl of {name} was CANCELLED: {}; {fix}",
                    previous.error_message
                )));
            }
            _ => {}
        }
    }
    // Back from waiting out a crawl that was running when we first asked: a crawl that
    // started after that request (a duplicate execution's, a scheduled one) has read the
    // delivered export, so when it succeeded it is adopted instead of crawling again.
    let requested_at = match &input.state.crawler {
        Some(previous) if previous.start == CrawlStart::AlreadyRunning => previous.started_at,
        _ => now,
    };
    if requested_at < now
        && let Some(adopted) =
            succeeded_since(glue, name, requested_at, input.redrive_count).await?
    {
        tracing::info!(crawler = %name, "a crawl started after our request succeeded: adopted");
        return Ok(adopted);
    }
    let start = match glue.start_crawler().name(name).send().await {
        Ok(_) => CrawlStart::Started,
        Err(e) if code(&e) == Some("CrawlerRunningException") => CrawlStart::AlreadyRunning,
        Err(e) if code(&e) == Some("EntityNotFoundException") => return Err(not_found(name)),
        Err(e) => return Err(classify("glue:StartCrawler", &e)),
    };
    tracing::info!(crawler = %name, start = start.as_str(), "crawler start requested");
    Ok(CrawlerState {
        crawler_name: name.clone(),
        start,
        started_at: requested_at,
        outcome: CrawlOutcome::Pending,
        error_message: String::new(),
        checks: 0,
        wait_started_at: now,
        redrive_count: input.redrive_count,
    })
}

/// The crawler's last crawl as this run's, when it started at or after `since` (minus the
/// clock skew) and succeeded.
async fn succeeded_since(
    glue: &aws_sdk_glue::Client,
    name: &str,
    since: i64,
    redrive_count: u32,
) -> Result<Option<CrawlerState>, TaskError> {
    let out = match glue.get_crawler().name(name).send().await {
        Ok(out) => out,
        Err(e) if code(&e) == Some("EntityNotFoundException") => return Err(not_found(name)),
        Err(e) => return Err(classify("glue:GetCrawler", &e)),
    };
    let crawler = out.crawler().ok_or_else(|| not_found(name))?;
    let last = crawler.last_crawl();
    let started = last.and_then(|l| l.start_time()).map(|t| t.secs());
    let succeeded = last.and_then(|l| l.status()).is_some_and(|s| {
        // moto reports a finished crawl as COMPLETED.
        *s == LastCrawlStatus::Succeeded || s.as_str().eq_ignore_ascii_case("COMPLETED")
    });
    let ready = crawler.state() == Some(&GlueCrawlerState::Ready);
    Ok(match started {
        Some(started) if ready && succeeded && started >= since - CLOCK_SKEW_SECONDS => {
            Some(CrawlerState {
                crawler_name: name.to_owned(),
                start: CrawlStart::Started,
                started_at: started,
                outcome: CrawlOutcome::Succeeded,
                error_message: String::new(),
                checks: 1,
                wait_started_at: started,
                redrive_count,
            })
        }
        _ => None,
    })
}

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
    let out = match glue.get_crawler().name(name).send().await {
        Ok(out) => out,
        Err(e) if code(&e) == Some("EntityNotFoundException") => return Err(not_found(name)),
        Err(e) => return Err(classify("glue:GetCrawler", &e)),
    };
    let crawler = out.crawler().ok_or_else(|| not_found(name))?;
    state.checks = state.checks.saturating_add(1);
    let last = crawler.last_crawl();
    let ours = last
        .and_then(|l| l.start_time())
        .is_some_and(|t| t.secs() >= state.started_at - CLOCK_SKEW_SECONDS);
    let (outcome, error_message) = match crawler.state() {
        Some(GlueCrawlerState::Ready) if ours => match last.and_then(|l| l.status()) {
            Some(LastCrawlStatus::Succeeded) => (CrawlOutcome::Succeeded, String::new()),
            // moto reports a finished crawl as COMPLETED.
            Some(s) if s.as_str().eq_ignore_ascii_case("COMPLETED") => {
                (CrawlOutcome::Succeeded, String::new())
            }
            Some(LastCrawlStatus::Failed) => (
                CrawlOutcome::Failed,
                non_empty(last.and_then(|l| l.error_message()), || {
                    format!("crawl of {name} FAILED; Glue gave no ErrorMessage")
                }),
            ),
            Some(LastCrawlStatus::Cancelled) => (
                CrawlOutcome::Cancelled,
                non_empty(last.and_then(|l| l.error_message()), || {
                    format!("crawl of {name} was CANCELLED")
                }),
            ),
            _ => (CrawlOutcome::Running, String::new()),
        },
        _ => (CrawlOutcome::Running, String::new()),
    };
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

fn non_empty(given: Option<&str>, fallback: impl FnOnce() -> String) -> String {
    match given.map(str::trim) {
        Some(s) if !s.is_empty() => s.to_owned(),
        _ => fallback(),
    }
}

/// The `start-crawler` function.
#[derive(Debug)]
pub struct StartCrawlerHandler {
    cfg: CrawlerConfig,
    aws: Aws,
}

impl Handler for StartCrawlerHandler {
    const FUNCTION: &'static Function = &functions::START_CRAWLER;
    type Input = StartCrawlerInput;
    type Output = CrawlerState;

    async fn init(env: &Env) -> Result<Self, TaskError> {
        Ok(Self {
            cfg: CrawlerConfig::from_env(env)?,
            aws: Aws::load(None).await,
        })
    }

    fn export_id(input: &StartCrawlerInput) -> Option<String> {
        input.state.job.as_ref().map(|j| j.export_task_id.clone())
    }

    async fn handle(
        &self,
        input: StartCrawlerInput,
        invocation: Invocation,
    ) -> Result<CrawlerState, TaskError> {
        start_crawler(&self.aws.glue, &self.cfg, &input, invocation.now).await
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
    type Input = CheckCrawlerInput;
    type Output = CrawlerState;

    async fn init(env: &Env) -> Result<Self, TaskError> {
        Ok(Self {
            cfg: CrawlerConfig::from_env(env)?,
            aws: Aws::load(None).await,
        })
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

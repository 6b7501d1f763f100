//! StartCrawler: starts the Glue crawl over the delivered export.
//!
//! A crawl that was already running when we asked may predate the export, so the graph
//! waits and starts again (`ALREADY_RUNNING`), unless a crawl that started after our first
//! request has succeeded meanwhile (it read the delivered export: no second crawl).
//!
//! The graph comes back here when our crawl ends FAILED or CANCELLED: it then fails with
//! `CrawlFailed` / `CrawlCancelled` at this state, unless the execution has been redriven
//! since CheckCrawler saw the failure, in which case it starts a new crawl. A run whose
//! crawl already succeeded never starts another.

use aws_sdk_glue::types::CrawlerState as GlueCrawlerState;
use contract::functions::{self, Function};
use contract::{CrawlOutcome, CrawlStart, CrawlerState, StartCrawlerInput};

use crate::aws::Aws;
use crate::config::{CrawlerConfig, Env};
use crate::error::TaskError;
use crate::glue_crawler::{get_crawler, not_found, started_at, started_since, succeeded};
use crate::runtime::{Handler, Invocation};
use crate::sdk_error::{classify, code};

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
    let crawler = get_crawler(glue, name).await?;
    let last = crawler.last_crawl();
    let started = started_at(last);
    let ok = last.and_then(|l| l.status()).is_some_and(succeeded);
    let ready = crawler.state() == Some(&GlueCrawlerState::Ready);
    Ok(match started {
        Some(started) if ready && ok && started_since(started, since) => Some(CrawlerState {
            crawler_name: name.to_owned(),
            start: CrawlStart::Started,
            started_at: started,
            outcome: CrawlOutcome::Succeeded,
            error_message: String::new(),
            checks: 1,
            wait_started_at: started,
            redrive_count,
        }),
        _ => None,
    })
}

/// The `start-crawler` function.
#[derive(Debug)]
pub struct StartCrawlerHandler {
    cfg: CrawlerConfig,
    aws: Aws,
}

impl Handler for StartCrawlerHandler {
    const FUNCTION: &'static Function = &functions::START_CRAWLER;
    type Config = CrawlerConfig;
    type Input = StartCrawlerInput;
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

#[cfg(test)]
mod tests;

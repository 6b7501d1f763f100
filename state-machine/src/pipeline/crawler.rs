//! The crawler catalog (`catalog = "crawler"`): StartCrawler, waiting out someone else's
//! crawl, then (with `wait_for_completion`) polling ours until it has ended.
//!
//! A FAILED or CANCELLED crawl goes back to StartCrawler, which fails with its cause unless
//! a redrive has come since (then it starts a new crawl).

use serde_json::json;

use super::chain::Stage;
use super::states;
use super::tasks::{REDRIVE_COUNT, lambda, path, result_path, to_json};
use crate::asl::{
    Choice, ChoiceRule, Condition, StateMachineBuilder, Task, Transition, Wait, WaitFor,
};
use crate::config::{CrawlerConfig, PipelineConfig};
use crate::error::AslError;
use contract::{CrawlOutcome, CrawlStart};

/// StartCrawler → CrawlerStarted (→ WaitForRunningCrawl) [→ WaitForCrawler → CheckCrawler
/// → CrawlStatus].
pub(super) struct Crawler<'a> {
    config: &'a PipelineConfig,
}

impl<'a> Crawler<'a> {
    /// The crawler stage `config` describes.
    pub(super) fn new(config: &'a PipelineConfig) -> Self {
        Self { config }
    }

    fn settings(&self) -> &CrawlerConfig {
        &self.config.crawler
    }

    fn start_crawler() -> Result<Task, AslError> {
        Ok(lambda(states::START_CRAWLER, states::CRAWLER_STARTED)?
            .parameters(json!({"state.$": "$", "redrive_count.$": REDRIVE_COUNT}))
            .result_path(result_path("$.crawler")?))
    }

    /// Someone else's crawl: wait and start again. A crawl of this run that already
    /// succeeded (StartCrawler re-run): done. Else ours has started.
    fn crawler_started(&self, next: &str) -> Result<Choice, AslError> {
        let after_start = if self.settings().wait_for_completion {
            states::WAIT_FOR_CRAWLER
        } else {
            next
        };
        Ok(Choice::new(vec![
            ChoiceRule::new(
                Condition::string_equals(
                    path("$.crawler.start")?,
                    CrawlStart::AlreadyRunning.as_str(),
                ),
                states::WAIT_FOR_RUNNING_CRAWL,
            ),
            ChoiceRule::new(
                Condition::string_equals(
                    path("$.crawler.outcome")?,
                    CrawlOutcome::Succeeded.as_str(),
                ),
                next,
            ),
        ])
        .default(after_start))
    }

    fn wait_for_running_crawl(&self) -> Wait {
        Wait::new(
            WaitFor::Seconds(self.settings().busy_retry_seconds.into()),
            Transition::next(states::START_CRAWLER),
        )
    }

    fn wait_for_crawler(&self) -> Wait {
        Wait::new(
            WaitFor::Seconds(self.settings().poll_seconds.into()),
            Transition::next(states::CHECK_CRAWLER),
        )
    }

    fn check_crawler(&self) -> Result<Task, AslError> {
        Ok(lambda(states::CHECK_CRAWLER, states::CRAWL_STATUS)?
            .parameters(json!({
                "job.$": "$.job",
                "crawler.$": "$.crawler",
                "policy": to_json(self.config.crawl_policy())?,
                "redrive_count.$": REDRIVE_COUNT,
            }))
            .result_path(result_path("$.crawler")?))
    }

    /// SUCCEEDED goes on; FAILED and CANCELLED go back to StartCrawler; else poll again.
    fn crawl_status(next: &str) -> Result<Choice, AslError> {
        let outcome = path("$.crawler.outcome")?;
        let is = |o: CrawlOutcome| Condition::string_equals(outcome.clone(), o.as_str());
        Ok(Choice::new(vec![
            ChoiceRule::new(is(CrawlOutcome::Succeeded), next),
            ChoiceRule::new(is(CrawlOutcome::Failed), states::START_CRAWLER),
            ChoiceRule::new(is(CrawlOutcome::Cancelled), states::START_CRAWLER),
        ])
        .default(states::WAIT_FOR_CRAWLER))
    }
}

impl Stage for Crawler<'_> {
    fn entry(&self) -> &'static str {
        states::START_CRAWLER
    }

    fn summary(&self) -> &'static str {
        if self.settings().wait_for_completion {
            "Glue crawler"
        } else {
            "Glue crawler (started, not awaited)"
        }
    }

    fn render(&self, next: &str, machine: &mut StateMachineBuilder) -> Result<(), AslError> {
        machine
            .state(states::START_CRAWLER, Self::start_crawler()?)
            .state(states::CRAWLER_STARTED, self.crawler_started(next)?)
            .state(
                states::WAIT_FOR_RUNNING_CRAWL,
                self.wait_for_running_crawl(),
            );
        if self.settings().wait_for_completion {
            machine
                .state(states::WAIT_FOR_CRAWLER, self.wait_for_crawler())
                .state(states::CHECK_CRAWLER, self.check_crawler()?)
                .state(states::CRAWL_STATUS, Self::crawl_status(next)?);
        }
        Ok(())
    }
}

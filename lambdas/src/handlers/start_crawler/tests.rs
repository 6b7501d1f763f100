//! StartCrawler over mocked Glue: started, already running, adopted, failed until a redrive.

use aws_sdk_glue::operation::start_crawler::{StartCrawlerError, StartCrawlerOutput};
use aws_sdk_glue::types::CrawlerState as GlueState;
use aws_smithy_mocks::{Rule, mock};
use contract::{CrawlOutcome, CrawlStart, CrawlerState};

use super::start_crawler;
use crate::test_support::{crawler_answer, crawler_config, failed, first_crawl, meta, mocked, ok};

const NOW: i64 = 1_800_000_000;

#[tokio::test]
async fn start_outcomes() {
    let ok_rule = mock!(aws_sdk_glue::Client::start_crawler)
        .match_requests(|r| r.name() == Some("exports"))
        .then_output(|| StartCrawlerOutput::builder().build());
    let running = mock!(aws_sdk_glue::Client::start_crawler)
        .then_error(|| StartCrawlerError::generic(meta("CrawlerRunningException")));
    let missing = mock!(aws_sdk_glue::Client::start_crawler)
        .then_error(|| StartCrawlerError::generic(meta("EntityNotFoundException")));
    let throttled = mock!(aws_sdk_glue::Client::start_crawler)
        .then_error(|| StartCrawlerError::generic(meta("ThrottlingException")));
    let five = mock!(aws_sdk_glue::Client::start_crawler)
        .sequence()
        .http_status(500, None)
        .build();
    let glue = mocked!(
        aws_sdk_glue,
        &[&ok_rule, &running, &missing, &throttled, &five]
    );
    let s = ok(start_crawler(&glue, &crawler_config(), &first_crawl(), NOW).await);
    assert_eq!(
        (s.start, s.outcome, s.started_at, s.crawler_name.as_str()),
        (CrawlStart::Started, CrawlOutcome::Pending, NOW, "exports")
    );
    assert_eq!(
        ok(start_crawler(&glue, &crawler_config(), &first_crawl(), NOW).await).start,
        CrawlStart::AlreadyRunning
    );
    let e = failed(start_crawler(&glue, &crawler_config(), &first_crawl(), NOW).await);
    assert_eq!(e.name(), "CrawlerNotFound");
    assert!(e.to_string().contains("CRAWLER_NAME"));
    assert_eq!(
        failed(start_crawler(&glue, &crawler_config(), &first_crawl(), NOW).await).name(),
        "Throttled"
    );
    assert_eq!(
        failed(start_crawler(&glue, &crawler_config(), &first_crawl(), NOW).await).name(),
        "TransientAwsError"
    );
}

/// StartCrawler coming back from WaitForRunningCrawl, first asked at `requested_at`.
fn after_busy_wait(requested_at: i64) -> contract::StartCrawlerInput {
    let mut input = first_crawl();
    input.state.crawler = Some(CrawlerState {
        crawler_name: "exports".into(),
        start: CrawlStart::AlreadyRunning,
        started_at: requested_at,
        outcome: CrawlOutcome::Pending,
        error_message: String::new(),
        checks: 0,
        wait_started_at: requested_at,
        redrive_count: 0,
    });
    input
}

/// A ready crawler whose last crawl started at `started` and succeeded.
fn finished_crawl(started: i64) -> Rule {
    crawler_answer(GlueState::Ready, Some(("SUCCEEDED", started, None)))
}

#[tokio::test]
async fn a_crawl_started_after_our_request_is_adopted_not_repeated() {
    // The busy crawl started after we first asked and succeeded: no StartCrawler at all.
    let later = finished_crawl(NOW - 100);
    let glue = mocked!(aws_sdk_glue, &[&later]);
    let s = ok(start_crawler(&glue, &crawler_config(), &after_busy_wait(NOW - 300), NOW).await);
    assert_eq!(
        (s.start, s.outcome),
        (CrawlStart::Started, CrawlOutcome::Succeeded)
    );
    assert_eq!(s.started_at, NOW - 100);
    // It started before our request (someone else's, maybe before the export): crawl again,
    // keeping the first request time.
    let earlier = finished_crawl(NOW - 600);
    let start = mock!(aws_sdk_glue::Client::start_crawler)
        .then_output(|| StartCrawlerOutput::builder().build());
    let glue = mocked!(aws_sdk_glue, &[&earlier, &start]);
    let s = ok(start_crawler(&glue, &crawler_config(), &after_busy_wait(NOW - 300), NOW).await);
    assert_eq!(
        (s.start, s.outcome),
        (CrawlStart::Started, CrawlOutcome::Pending)
    );
    assert_eq!(s.started_at, NOW - 300);
}

#[tokio::test]
async fn a_failed_crawl_fails_at_start_crawler_until_a_redrive() {
    let mut input = first_crawl();
    input.state.crawler = Some(CrawlerState {
        crawler_name: "exports".into(),
        start: CrawlStart::Started,
        started_at: NOW - 300,
        outcome: CrawlOutcome::Failed,
        error_message: "kms:Decrypt denied".into(),
        checks: 3,
        wait_started_at: NOW - 300,
        redrive_count: 0,
    });
    let glue = mocked!(aws_sdk_glue, &[] as &[&Rule]);
    let e = failed(start_crawler(&glue, &crawler_config(), &input, NOW).await);
    assert_eq!(e.name(), "CrawlFailed");
    assert!(e.to_string().contains("kms:Decrypt denied"), "{e}");
    assert!(e.to_string().contains("Redrive"), "{e}");
    // Redriven: a new crawl starts.
    input.redrive_count = 1;
    let start = mock!(aws_sdk_glue::Client::start_crawler)
        .then_output(|| StartCrawlerOutput::builder().build());
    let glue = mocked!(aws_sdk_glue, &[&start]);
    let s = ok(start_crawler(&glue, &crawler_config(), &input, NOW).await);
    assert_eq!((s.start, s.redrive_count), (CrawlStart::Started, 1));
    // A succeeded crawl of this run is never repeated.
    input.state.crawler = Some(CrawlerState {
        outcome: CrawlOutcome::Succeeded,
        ..s
    });
    let glue = mocked!(aws_sdk_glue, &[] as &[&Rule]);
    assert_eq!(
        ok(start_crawler(&glue, &crawler_config(), &input, NOW).await).outcome,
        CrawlOutcome::Succeeded
    );
}

//! StartCrawler and CheckCrawler over mocked Glue.

use aws_sdk_glue::operation::get_crawler::{GetCrawlerError, GetCrawlerOutput};
use aws_sdk_glue::operation::start_crawler::{StartCrawlerError, StartCrawlerOutput};
use aws_sdk_glue::types::{Crawler, CrawlerState as GlueState, LastCrawlInfo, LastCrawlStatus};
use aws_smithy_mocks::{Rule, mock};
use aws_smithy_types::DateTime;
use contract::{CheckCrawlerInput, CrawlOutcome, CrawlPolicy, CrawlStart, CrawlerState};

use super::{failed, job, meta, mocked, ok};
use crate::config::CrawlerConfig;
use crate::handlers::crawler::{check_crawler, start_crawler};

const NOW: i64 = 1_800_000_000;

fn cfg() -> CrawlerConfig {
    CrawlerConfig {
        crawler_name: "exports".into(),
    }
}

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
    let s = ok(start_crawler(&glue, &cfg(), &super::first_crawl(), NOW).await);
    assert_eq!(
        (s.start, s.outcome, s.started_at, s.crawler_name.as_str()),
        (CrawlStart::Started, CrawlOutcome::Pending, NOW, "exports")
    );
    assert_eq!(
        ok(start_crawler(&glue, &cfg(), &super::first_crawl(), NOW).await).start,
        CrawlStart::AlreadyRunning
    );
    let e = failed(start_crawler(&glue, &cfg(), &super::first_crawl(), NOW).await);
    assert_eq!(e.name(), "CrawlerNotFound");
    assert!(e.to_string().contains("CRAWLER_NAME"));
    assert_eq!(
        failed(start_crawler(&glue, &cfg(), &super::first_crawl(), NOW).await).name(),
        "Throttled"
    );
    assert_eq!(
        failed(start_crawler(&glue, &cfg(), &super::first_crawl(), NOW).await).name(),
        "TransientAwsError"
    );
}

fn crawler(state: GlueState, last: Option<(&'static str, i64, Option<&'static str>)>) -> Rule {
    mock!(aws_sdk_glue::Client::get_crawler).then_output(move || {
        let mut c = Crawler::builder().name("exports").state(state.clone());
        if let Some((status, start, msg)) = last {
            c = c.last_crawl(
                LastCrawlInfo::builder()
                    .status(LastCrawlStatus::from(status))
                    .start_time(DateTime::from_secs(start))
                    .set_error_message(msg.map(str::to_owned))
                    .build(),
            );
        }
        GetCrawlerOutput::builder().crawler(c.build()).build()
    })
}

fn check_input(started_at: i64, max_wait: u64) -> CheckCrawlerInput {
    CheckCrawlerInput {
        job: job(),
        crawler: CrawlerState {
            crawler_name: "exports".into(),
            start: CrawlStart::Started,
            started_at,
            outcome: CrawlOutcome::Pending,
            error_message: String::new(),
            checks: 0,
            wait_started_at: 0,
            redrive_count: 0,
        },
        policy: CrawlPolicy {
            max_wait_seconds: max_wait,
        },
        redrive_count: 0,
    }
}

#[tokio::test]
async fn check_outcomes() {
    let cases: [(Rule, CrawlOutcome, &str); 7] = [
        (crawler(GlueState::Running, None), CrawlOutcome::Running, ""),
        (
            crawler(GlueState::Stopping, Some(("SUCCEEDED", NOW, None))),
            CrawlOutcome::Running,
            "",
        ),
        (
            crawler(GlueState::Ready, Some(("SUCCEEDED", NOW - 2, None))),
            CrawlOutcome::Succeeded,
            "",
        ),
        (
            crawler(GlueState::Ready, Some(("COMPLETED", NOW, None))),
            CrawlOutcome::Succeeded,
            "",
        ),
        (
            crawler(
                GlueState::Ready,
                Some(("FAILED", NOW, Some("bad classifier"))),
            ),
            CrawlOutcome::Failed,
            "bad classifier",
        ),
        (
            crawler(GlueState::Ready, Some(("FAILED", NOW, None))),
            CrawlOutcome::Failed,
            "exports",
        ),
        // The last crawl finished before ours was requested: ours has not shown up yet.
        (
            crawler(GlueState::Ready, Some(("SUCCEEDED", NOW - 60, None))),
            CrawlOutcome::Running,
            "",
        ),
    ];
    for (rule, outcome, message) in cases {
        let glue = mocked!(aws_sdk_glue, &[&rule]);
        let s = ok(check_crawler(&glue, &cfg(), check_input(NOW, 3600), NOW + 30).await);
        assert_eq!(s.outcome, outcome);
        assert_eq!(s.checks, 1);
        assert!(s.error_message.contains(message), "{}", s.error_message);
        assert_eq!(s.error_message.is_empty(), message.is_empty());
    }
    let rule = crawler(GlueState::Ready, Some(("CANCELLED", NOW, None)));
    let glue = mocked!(aws_sdk_glue, &[&rule]);
    let s = ok(check_crawler(&glue, &cfg(), check_input(NOW, 3600), NOW).await);
    assert_eq!(s.outcome, CrawlOutcome::Cancelled);
    assert!(!s.error_message.is_empty());
}

#[tokio::test]
async fn check_errors() {
    let missing = mock!(aws_sdk_glue::Client::get_crawler)
        .then_error(|| GetCrawlerError::generic(meta("EntityNotFoundException")));
    let slow = crawler(GlueState::Running, None);
    let glue = mocked!(aws_sdk_glue, &[&missing, &slow]);
    assert_eq!(
        failed(check_crawler(&glue, &cfg(), check_input(NOW, 3600), NOW).await).name(),
        "CrawlerNotFound"
    );
    let e = failed(check_crawler(&glue, &cfg(), check_input(NOW - 3601, 3600), NOW).await);
    assert_eq!(e.name(), "CrawlWaitTimedOut");
    assert!(e.to_string().contains("3601"), "{e}");
}

/// StartCrawler coming back from WaitForRunningCrawl, first asked at `requested_at`.
fn after_busy_wait(requested_at: i64) -> contract::StartCrawlerInput {
    let mut input = super::first_crawl();
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

fn finished_crawl(started: i64) -> Rule {
    mock!(aws_sdk_glue::Client::get_crawler).then_output(move || {
        GetCrawlerOutput::builder()
            .crawler(
                Crawler::builder()
                    .name("exports")
                    .state(GlueState::Ready)
                    .last_crawl(
                        LastCrawlInfo::builder()
                            .status(LastCrawlStatus::Succeeded)
                            .start_time(DateTime::from_secs(started))
                            .build(),
                    )
                    .build(),
            )
            .build()
    })
}

#[tokio::test]
async fn a_crawl_started_after_our_request_is_adopted_not_repeated() {
    // The busy crawl started after we first asked and succeeded: no StartCrawler at all.
    let later = finished_crawl(NOW - 100);
    let glue = mocked!(aws_sdk_glue, &[&later]);
    let s = ok(start_crawler(&glue, &cfg(), &after_busy_wait(NOW - 300), NOW).await);
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
    let s = ok(start_crawler(&glue, &cfg(), &after_busy_wait(NOW - 300), NOW).await);
    assert_eq!(
        (s.start, s.outcome),
        (CrawlStart::Started, CrawlOutcome::Pending)
    );
    assert_eq!(s.started_at, NOW - 300);
}

#[tokio::test]
async fn a_failed_crawl_fails_at_start_crawler_until_a_redrive() {
    let mut input = super::first_crawl();
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
    let e = failed(start_crawler(&glue, &cfg(), &input, NOW).await);
    assert_eq!(e.name(), "CrawlFailed");
    assert!(e.to_string().contains("kms:Decrypt denied"), "{e}");
    assert!(e.to_string().contains("Redrive"), "{e}");
    // Redriven: a new crawl starts.
    input.redrive_count = 1;
    let start = mock!(aws_sdk_glue::Client::start_crawler)
        .then_output(|| StartCrawlerOutput::builder().build());
    let glue = mocked!(aws_sdk_glue, &[&start]);
    let s = ok(start_crawler(&glue, &cfg(), &input, NOW).await);
    assert_eq!((s.start, s.redrive_count), (CrawlStart::Started, 1));
    // A succeeded crawl of this run is never repeated.
    input.state.crawler = Some(CrawlerState {
        outcome: CrawlOutcome::Succeeded,
        ..s
    });
    let glue = mocked!(aws_sdk_glue, &[] as &[&Rule]);
    assert_eq!(
        ok(start_crawler(&glue, &cfg(), &input, NOW).await).outcome,
        CrawlOutcome::Succeeded
    );
}

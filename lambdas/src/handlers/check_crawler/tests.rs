//! CheckCrawler over mocked Glue: which last crawl is ours, its outcome, a missing crawler
//! and the wait's timeout.

use aws_sdk_glue::operation::get_crawler::GetCrawlerError;
use aws_sdk_glue::types::CrawlerState as GlueState;
use aws_smithy_mocks::{Rule, mock};
use contract::{CheckCrawlerInput, CrawlOutcome, CrawlPolicy, CrawlStart, CrawlerState};

use super::check_crawler;
use crate::test_support::{crawler_answer, crawler_config, failed, job, meta, mocked, ok};

const NOW: i64 = 1_800_000_000;

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
        (
            crawler_answer(GlueState::Running, None),
            CrawlOutcome::Running,
            "",
        ),
        (
            crawler_answer(GlueState::Stopping, Some(("SUCCEEDED", NOW, None))),
            CrawlOutcome::Running,
            "",
        ),
        (
            crawler_answer(GlueState::Ready, Some(("SUCCEEDED", NOW - 2, None))),
            CrawlOutcome::Succeeded,
            "",
        ),
        (
            crawler_answer(GlueState::Ready, Some(("COMPLETED", NOW, None))),
            CrawlOutcome::Succeeded,
            "",
        ),
        (
            crawler_answer(
                GlueState::Ready,
                Some(("FAILED", NOW, Some("bad classifier"))),
            ),
            CrawlOutcome::Failed,
            "bad classifier",
        ),
        (
            crawler_answer(GlueState::Ready, Some(("FAILED", NOW, None))),
            CrawlOutcome::Failed,
            "exports",
        ),
        // The last crawl finished before ours was requested: ours has not shown up yet.
        (
            crawler_answer(GlueState::Ready, Some(("SUCCEEDED", NOW - 60, None))),
            CrawlOutcome::Running,
            "",
        ),
    ];
    for (rule, outcome, message) in cases {
        let glue = mocked!(aws_sdk_glue, &[&rule]);
        let s = ok(check_crawler(&glue, &crawler_config(), check_input(NOW, 3600), NOW + 30).await);
        assert_eq!(s.outcome, outcome);
        assert_eq!(s.checks, 1);
        assert!(s.error_message.contains(message), "{}", s.error_message);
        assert_eq!(s.error_message.is_empty(), message.is_empty());
    }
    let rule = crawler_answer(GlueState::Ready, Some(("CANCELLED", NOW, None)));
    let glue = mocked!(aws_sdk_glue, &[&rule]);
    let s = ok(check_crawler(&glue, &crawler_config(), check_input(NOW, 3600), NOW).await);
    assert_eq!(s.outcome, CrawlOutcome::Cancelled);
    assert!(!s.error_message.is_empty());
}

#[tokio::test]
async fn check_errors() {
    let missing = mock!(aws_sdk_glue::Client::get_crawler)
        .then_error(|| GetCrawlerError::generic(meta("EntityNotFoundException")));
    let slow = crawler_answer(GlueState::Running, None);
    let glue = mocked!(aws_sdk_glue, &[&missing, &slow]);
    assert_eq!(
        failed(check_crawler(&glue, &crawler_config(), check_input(NOW, 3600), NOW).await).name(),
        "CrawlerNotFound"
    );
    let e =
        failed(check_crawler(&glue, &crawler_config(), check_input(NOW - 3601, 3600), NOW).await);
    assert_eq!(e.name(), "CrawlWaitTimedOut");
    assert!(e.to_string().contains("3601"), "{e}");
}

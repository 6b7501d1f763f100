//! StartCrawler and CheckCrawler against moto's Glue (crawls finish after 1 s here).

use contract::{CheckCrawlerInput, CrawlOutcome, CrawlPolicy, CrawlStart};
use lambdas::{Aws, CrawlerConfig, check_crawler, start_crawler, unix_now};

use crate::fixtures::{first_crawl, job};
use crate::server::Moto;

#[tokio::test(flavor = "multi_thread")]
async fn crawl_starts_runs_and_succeeds() {
    let moto = Moto::start();
    moto.moto_api(
        "POST",
        "/moto-api/state-manager/set-transition",
        r#"{"model_name":"glue::crawl","transition":{"progression":"time","seconds":1}}"#,
    );
    let aws = Aws::from_sdk_config(moto.sdk_config().await, None);
    aws.glue
        .create_database()
        .database_input(
            aws_sdk_glue::types::DatabaseInput::builder()
                .name("exports")
                .build()
                .unwrap_or_else(|e| panic!("{e}")),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    aws.glue
        .create_crawler()
        .name("exports-crawler")
        .role("arn:aws:iam::123456789012:role/crawler")
        .database_name("exports")
        .targets(
            aws_sdk_glue::types::CrawlerTargets::builder()
                .s3_targets(
                    aws_sdk_glue::types::S3Target::builder()
                        .path("s3://b/exports/")
                        .exclusions("**.json")
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    let cfg = CrawlerConfig {
        crawler_name: "exports-crawler".into(),
    };

    let started = start_crawler(&aws.glue, &cfg, &first_crawl(), unix_now())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (started.start, started.outcome),
        (CrawlStart::Started, CrawlOutcome::Pending)
    );
    let busy = start_crawler(&aws.glue, &cfg, &first_crawl(), unix_now())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(busy.start, CrawlStart::AlreadyRunning);

    let policy = CrawlPolicy {
        max_wait_seconds: 600,
    };
    let mut state = started;
    let mut outcomes = Vec::new();
    for _ in 0..20 {
        state = check_crawler(
            &aws.glue,
            &cfg,
            CheckCrawlerInput {
                job: job(),
                crawler: state,
                policy,
                redrive_count: 0,
            },
            unix_now(),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        outcomes.push(state.outcome);
        if state.outcome != CrawlOutcome::Running {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    assert_eq!(
        state.outcome,
        CrawlOutcome::Succeeded,
        "outcomes seen: {outcomes:?}"
    );
    assert_eq!(state.error_message, "");

    let missing = CrawlerConfig {
        crawler_name: "no-such-crawler".into(),
    };
    let e = start_crawler(&aws.glue, &missing, &first_crawl(), unix_now())
        .await
        .err()
        .unwrap_or_else(|| panic!("started a missing crawler"));
    assert_eq!(e.name(), "CrawlerNotFound");
}

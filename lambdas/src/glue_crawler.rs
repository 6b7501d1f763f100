//! What StartCrawler and CheckCrawler both read from Glue: the crawler (GetCrawler, with a
//! missing crawler named), whether its last crawl is this run's, and whether it succeeded.

use aws_sdk_glue::types::{Crawler, LastCrawlInfo, LastCrawlStatus};

use crate::error::TaskError;
use crate::sdk_error::{classify, code};

/// Seconds of clock skew allowed between our clock and Glue's crawl start time.
pub(crate) const CLOCK_SKEW_SECONDS: i64 = 5;

/// The crawler named in `CRAWLER_NAME` does not exist.
pub(crate) fn not_found(name: &str) -> TaskError {
    TaskError::CrawlerNotFound(format!(
        "Glue crawler {name:?} does not exist in this account and Region: check CRAWLER_NAME and the infra"
    ))
}

/// GetCrawler.
pub(crate) async fn get_crawler(
    glue: &aws_sdk_glue::Client,
    name: &str,
) -> Result<Crawler, TaskError> {
    let out = match glue.get_crawler().name(name).send().await {
        Ok(out) => out,
        Err(e) if code(&e) == Some("EntityNotFoundException") => return Err(not_found(name)),
        Err(e) => return Err(classify("glue:GetCrawler", &e)),
    };
    out.crawler().cloned().ok_or_else(|| not_found(name))
}

/// When the last crawl started, seconds since the epoch.
pub(crate) fn started_at(last: Option<&LastCrawlInfo>) -> Option<i64> {
    last.and_then(LastCrawlInfo::start_time).map(|t| t.secs())
}

/// True when a crawl that started at `started` may be the one requested at `requested_at`
/// (Glue's clock may run a little behind ours).
pub(crate) fn started_since(started: i64, requested_at: i64) -> bool {
    started >= requested_at - CLOCK_SKEW_SECONDS
}

/// True for a succeeded crawl; moto reports one as COMPLETED.
pub(crate) fn succeeded(status: &LastCrawlStatus) -> bool {
    *status == LastCrawlStatus::Succeeded || status.as_str().eq_ignore_ascii_case("COMPLETED")
}

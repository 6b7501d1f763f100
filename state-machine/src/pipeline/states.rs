//! The name of every state of the graph, in one place.
//!
//! The Task states that call a Lambda function are named by the function table
//! (`contract::functions::states`, re-exported here); the Choice, Wait and Succeed states
//! around them are the graph's own. Code writes them qualified, `states::WAIT_FOR_EXPORT`,
//! so a state name never reads like the function of the same words
//! (`contract::functions::WAIT_FOR_EXPORT` is the Lambda behind `WaitForExportEvent`).

pub(crate) use contract::functions::states::{
    ACQUIRE_EXPORT_SLOT, CATALOG_TABLES, CHECK_CRAWLER, CHECK_EXPORT, COPY_OBJECTS, NORMALIZE,
    NOTIFY_SUCCESS, RELEASE_EXPORT_SLOT, REWRITE_ACL, START_CRAWLER, START_EXPORT,
    WAIT_FOR_EXPORT_EVENT,
};

/// Ends at JoinedRunningExecution when AcquireExportSlot says another execution of the
/// snapshot runs (`$.slot.joined`), else goes on to StartExport.
pub(crate) const SLOT_JOINED: &str = "SlotJoined";
/// Success without an export: the snapshot's export belongs to the running execution
/// named at `$.slot.joined` (a duplicate event, an operator's second start).
pub(crate) const JOINED_RUNNING_EXECUTION: &str = "JoinedRunningExecution";

/// Ends here when Normalize says `ignore`, else goes on to StartExport.
pub(crate) const SHOULD_EXPORT: &str = "ShouldExport";
/// Success without an export (filtered out or unrelated event).
pub(crate) const IGNORED: &str = "Ignored";
/// Waits `$.export.next_poll_seconds` between polls (the Wait loop, events off).
pub(crate) const WAIT_FOR_EXPORT: &str = "WaitForExport";
/// Branches on `$.export.status`.
pub(crate) const EXPORT_STATUS: &str = "ExportStatus";
/// Branches on `$.job.delivery` (`delivery = "per-source"`).
pub(crate) const DELIVERY_MODE: &str = "DeliveryMode";
/// Loops RewriteAcl until `$.acl.done`.
pub(crate) const ACL_DONE: &str = "AclDone";
/// Loops CopyObjects until `$.copy.done`.
pub(crate) const COPY_DONE: &str = "CopyDone";
/// Loops CatalogTables until `$.catalog.done`.
pub(crate) const CATALOG_DONE: &str = "CatalogDone";
/// Branches on `$.crawler.start`.
pub(crate) const CRAWLER_STARTED: &str = "CrawlerStarted";
/// Waits for another crawl to finish before starting ours.
pub(crate) const WAIT_FOR_RUNNING_CRAWL: &str = "WaitForRunningCrawl";
/// Waits between crawl polls.
pub(crate) const WAIT_FOR_CRAWLER: &str = "WaitForCrawler";
/// Branches on `$.crawler.outcome`.
pub(crate) const CRAWL_STATUS: &str = "CrawlStatus";
/// The successful end.
pub(crate) const SUCCEEDED: &str = "Succeeded";

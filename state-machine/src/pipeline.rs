//! The snapshot-export graph: the one place that says which state follows which.
//!
//! Read top to bottom, this file is the diagram in `docs/state-machine.md`: Normalize →
//! StartExport → (WaitForExport → CheckExport)* → (RewriteAcl)* → StartCrawler →
//! (WaitForCrawler → CheckCrawler)* → NotifySuccess. Strings compared by Choice rules and
//! error names come from the contract, so the graph and the Lambda handlers cannot drift
//! apart.
//!
//! No Task catches its errors. AWS redrive re-enters the state that failed, and a Fail
//! state reached through a Catch "reenters the Fail state and fails again", so an error an
//! operator can fix must fail the execution at the Task that raised it: then Redrive runs
//! exactly that task again, and the pipeline goes on from there. A terminal export or crawl
//! failure therefore goes back to the Task that starts one (StartExport, StartCrawler),
//! which starts a new attempt or fails there, with the failure's name and cause. The
//! failure notification comes from an EventBridge rule on the execution's status change,
//! not from the graph.
//!
//! With `[export] events = true` the export wait is a callback instead of the Wait loop:
//! WaitForExportEvent (`lambda:invoke.waitForTaskToken`) stores `$$.Task.Token` for the
//! export's snapshot, checks the export once (handing the token back at once when it has
//! ended), and is woken by the `export-events` function when RDS's export-finished event
//! comes. Its TimeoutSecondsPath is the policy's fallback interval; the one Catch in the
//! graph sends that `States.Timeout` to CheckExport (the fallback poll, not a failure), and
//! the loop goes on. Every other error of the state fails the execution there, and a
//! redrive re-enters it, which stores a new token (the old one is dead).

use serde_json::{Value, json};

use crate::asl::{
    Catcher, Choice, ChoiceRule, Condition, JitterStrategy, JsonPath, ResultPath, Retrier,
    StateMachine, StateMachineBuilder, Succeed, Task, Transition, Wait, WaitFor,
};
use crate::config::{Catalog, Delivery, PipelineConfig};
use crate::error::AslError;
use contract::functions;
use contract::{CrawlOutcome, CrawlStart, ExportStatus, JobAction, errors};

pub use contract::functions::states::{
    CATALOG_TABLES, CHECK_CRAWLER, CHECK_EXPORT, COPY_OBJECTS, NORMALIZE, NOTIFY_SUCCESS,
    REWRITE_ACL, START_CRAWLER, START_EXPORT, WAIT_FOR_EXPORT_EVENT,
};

/// Ends here when Normalize says `ignore`, else goes on to StartExport.
pub const SHOULD_EXPORT: &str = "ShouldExport";
/// Success without an export (filtered out or unrelated event).
pub const IGNORED: &str = "Ignored";
/// Waits `$.export.next_poll_seconds` between polls.
pub const WAIT_FOR_EXPORT: &str = "WaitForExport";
/// Branches on `$.export.status`.
pub const EXPORT_STATUS: &str = "ExportStatus";
/// Loops RewriteAcl until `$.acl.done`.
pub const ACL_DONE: &str = "AclDone";
/// Loops CopyObjects until `$.copy.done`.
pub const COPY_DONE: &str = "CopyDone";
/// Loops CatalogTables until `$.catalog.done`.
pub const CATALOG_DONE: &str = "CatalogDone";
/// Branches on `$.crawler.start`.
pub const CRAWLER_STARTED: &str = "CrawlerStarted";
/// Waits for another crawl to finish before starting ours.
pub const WAIT_FOR_RUNNING_CRAWL: &str = "WaitForRunningCrawl";
/// Waits between crawl polls.
pub const WAIT_FOR_CRAWLER: &str = "WaitForCrawler";
/// Branches on `$.crawler.outcome`.
pub const CRAWL_STATUS: &str = "CrawlStatus";
/// The successful end.
pub const SUCCEEDED: &str = "Succeeded";

/// The context object's redrive count, passed to every task that behaves differently
/// after a redrive (0 before any).
const REDRIVE_COUNT: &str = "$$.Execution.RedriveCount";

/// Builds the export graph for `config`.
pub fn pipeline(config: &PipelineConfig) -> Result<StateMachine, AslError> {
    config.validate()?;
    let copy = config.delivery == Delivery::Copy;
    let acl = !copy && config.acl.enabled;
    let crawler = config.catalog == Catalog::Crawler;
    let wait_for_crawl = crawler && config.crawler.wait_for_completion;
    let notify = config.notifications.enabled;

    // Where the switches send each outcome.
    let on_success = if notify { NOTIFY_SUCCESS } else { SUCCEEDED };
    let catalog = match config.catalog {
        Catalog::Tables => CATALOG_TABLES,
        Catalog::Crawler => START_CRAWLER,
        Catalog::None => on_success,
    };
    let after_export = if copy {
        COPY_OBJECTS
    } else if acl {
        REWRITE_ACL
    } else {
        catalog
    };
    let after_crawl_start = if wait_for_crawl {
        WAIT_FOR_CRAWLER
    } else {
        on_success
    };

    let events = config.export.events;
    // Where the export loop waits: the Wait state, or the callback (events on).
    let wait_state = if events {
        WAIT_FOR_EXPORT_EVENT
    } else {
        WAIT_FOR_EXPORT
    };
    let poll_policy = to_json(config.poll_policy())?;
    let crawl_policy = to_json(config.crawl_policy())?;

    let mut m = StateMachine::builder(NORMALIZE);
    m.comment(
        "Snapshot export: RDS snapshot -> S3 Parquet export -> object ACLs -> Glue crawler -> \
         notification. A task error fails the execution at that task, so Redrive re-runs it. \
         Generated by state-machine/src/pipeline.rs; do not edit by hand.",
    )
    .timeout_seconds(config.execution_timeout_seconds());

    // The ResultSelector wraps the job and the default ResultPath `$` replaces the raw
    // event with it, so the state document never carries the event around.
    m.state(
        NORMALIZE,
        lambda(NORMALIZE, SHOULD_EXPORT)?.result_selector(json!({"job.$": "$"})),
    );
    m.state(
        SHOULD_EXPORT,
        Choice::new(vec![ChoiceRule::new(
            Condition::string_equals(path("$.job.action")?, JobAction::Ignore.as_str()),
            IGNORED,
        )])
        .default(START_EXPORT),
    );
    m.state(IGNORED, Succeed::default());

    // Export: start, then poll with Wait states so hours of export cost no Lambda time. A
    // FAILED or CANCELED attempt comes back here: StartExport starts the next attempt while
    // the budget (max_attempts + RedriveCount) allows, else fails with the export's cause.
    let mut start_export = lambda(START_EXPORT, wait_state)?
        .parameters(json!({
            "job.$": "$.job",
            "policy": poll_policy,
            "max_attempts": config.export.max_attempts,
            "redrive_count.$": REDRIVE_COUNT,
        }))
        .result_path(result_path("$.export")?);
    start_export.retry.push(
        Retrier::on(errors::EXPORT_CAPACITY)
            .interval_seconds(config.export.capacity_retry_interval_seconds)
            .max_attempts(config.export.capacity_retry_max_attempts)
            .backoff_rate(1.5)
            .max_delay_seconds(900)
            .jitter(JitterStrategy::Full),
    );
    m.state(START_EXPORT, start_export);
    if events {
        // The callback's output is CheckExport's (the export state), sent by wait-for-export
        // or export-events; a timeout is the fallback poll.
        m.state(
            WAIT_FOR_EXPORT_EVENT,
            callback(
                WAIT_FOR_EXPORT_EVENT,
                EXPORT_STATUS,
                json!({
                    "job.$": "$.job",
                    "export.$": "$.export",
                    "policy": poll_policy,
                    "redrive_count.$": REDRIVE_COUNT,
                    "task_token.$": "$$.Task.Token",
                    "execution_id.$": "$$.Execution.Id",
                }),
                "$.export.next_poll_seconds",
            )?
            .result_path(result_path("$.export")?)
            .catch(vec![
                Catcher::on([errors::STATES_TIMEOUT], CHECK_EXPORT)
                    .result_path(result_path("$.export_wait")?),
            ]),
        );
    } else {
        m.state(
            WAIT_FOR_EXPORT,
            Wait::new(
                WaitFor::SecondsPath(path("$.export.next_poll_seconds")?),
                Transition::next(CHECK_EXPORT),
            ),
        );
    }
    m.state(
        CHECK_EXPORT,
        lambda(CHECK_EXPORT, EXPORT_STATUS)?
            .parameters(json!({
                "job.$": "$.job",
                "export.$": "$.export",
                "policy": poll_policy,
                "redrive_count.$": REDRIVE_COUNT,
            }))
            .result_path(result_path("$.export")?),
    );
    let export_status = path("$.export.status")?;
    m.state(
        EXPORT_STATUS,
        Choice::new(vec![
            ChoiceRule::new(
                Condition::string_equals(export_status.clone(), ExportStatus::Complete.as_str()),
                after_export,
            ),
            ChoiceRule::new(
                Condition::string_equals(export_status.clone(), ExportStatus::Failed.as_str()),
                START_EXPORT,
            ),
            ChoiceRule::new(
                Condition::string_equals(export_status, ExportStatus::Canceled.as_str()),
                START_EXPORT,
            ),
        ])
        .default(wait_state),
    );

    // ACLs: RewriteAcl takes the whole state ($.acl is absent on the first call) and is
    // called again until it has walked the whole export prefix; a redrive resumes after the
    // last page it completed.
    if acl {
        m.state(
            REWRITE_ACL,
            lambda(REWRITE_ACL, ACL_DONE)?.result_path(result_path("$.acl")?),
        );
        m.state(
            ACL_DONE,
            Choice::new(vec![ChoiceRule::new(
                Condition::boolean_equals(path("$.acl.done")?, true),
                catalog,
            )])
            .default(REWRITE_ACL),
        );
    }

    // Copy delivery: CopyObjects takes the whole state and is called again until it has
    // copied the whole export prefix into the analytics bucket; a redrive or a duplicate
    // resumes without copying an object twice.
    if copy {
        m.state(
            COPY_OBJECTS,
            lambda(COPY_OBJECTS, COPY_DONE)?.result_path(result_path("$.copy")?),
        );
        m.state(
            COPY_DONE,
            Choice::new(vec![ChoiceRule::new(
                Condition::boolean_equals(path("$.copy.done")?, true),
                catalog,
            )])
            .default(COPY_OBJECTS),
        );
    }

    // Catalog tables: CatalogTables takes the whole state and is called again until every
    // exported table is cataloged.
    if config.catalog == Catalog::Tables {
        m.state(
            CATALOG_TABLES,
            lambda(CATALOG_TABLES, CATALOG_DONE)?.result_path(result_path("$.catalog")?),
        );
        m.state(
            CATALOG_DONE,
            Choice::new(vec![ChoiceRule::new(
                Condition::boolean_equals(path("$.catalog.done")?, true),
                on_success,
            )])
            .default(CATALOG_TABLES),
        );
    }

    if !crawler {
        return finish(m, notify);
    }

    // Crawler: start (waiting out someone else's crawl), then optionally poll ours. A
    // FAILED or CANCELLED crawl comes back to StartCrawler, which fails with its cause
    // unless a redrive has come since (then it starts a new crawl).
    m.state(
        START_CRAWLER,
        lambda(START_CRAWLER, CRAWLER_STARTED)?
            .parameters(json!({"state.$": "$", "redrive_count.$": REDRIVE_COUNT}))
            .result_path(result_path("$.crawler")?),
    );
    m.state(
        CRAWLER_STARTED,
        Choice::new(vec![
            ChoiceRule::new(
                Condition::string_equals(
                    path("$.crawler.start")?,
                    CrawlStart::AlreadyRunning.as_str(),
                ),
                WAIT_FOR_RUNNING_CRAWL,
            ),
            // A crawl of this run that already succeeded (StartCrawler re-run): done.
            ChoiceRule::new(
                Condition::string_equals(
                    path("$.crawler.outcome")?,
                    CrawlOutcome::Succeeded.as_str(),
                ),
                on_success,
            ),
        ])
        .default(after_crawl_start),
    );
    m.state(
        WAIT_FOR_RUNNING_CRAWL,
        Wait::new(
            WaitFor::Seconds(config.crawler.busy_retry_seconds.into()),
            Transition::next(START_CRAWLER),
        ),
    );
    if wait_for_crawl {
        m.state(
            WAIT_FOR_CRAWLER,
            Wait::new(
                WaitFor::Seconds(config.crawler.poll_seconds.into()),
                Transition::next(CHECK_CRAWLER),
            ),
        );
        m.state(
            CHECK_CRAWLER,
            lambda(CHECK_CRAWLER, CRAWL_STATUS)?
                .parameters(json!({
                    "job.$": "$.job",
                    "crawler.$": "$.crawler",
                    "policy": crawl_policy,
                    "redrive_count.$": REDRIVE_COUNT,
                }))
                .result_path(result_path("$.crawler")?),
        );
        let outcome = path("$.crawler.outcome")?;
        m.state(
            CRAWL_STATUS,
            Choice::new(vec![
                ChoiceRule::new(
                    Condition::string_equals(outcome.clone(), CrawlOutcome::Succeeded.as_str()),
                    on_success,
                ),
                ChoiceRule::new(
                    Condition::string_equals(outcome.clone(), CrawlOutcome::Failed.as_str()),
                    START_CRAWLER,
                ),
                ChoiceRule::new(
                    Condition::string_equals(outcome, CrawlOutcome::Cancelled.as_str()),
                    START_CRAWLER,
                ),
            ])
            .default(WAIT_FOR_CRAWLER),
        );
    }

    finish(m, notify)
}

/// The successful end. A failed notification fails the execution at NotifySuccess, so a
/// redrive sends it once the bus is fixed; the data is exported and cataloged either way.
fn finish(mut m: StateMachineBuilder, notify: bool) -> Result<StateMachine, AslError> {
    if notify {
        m.state(
            NOTIFY_SUCCESS,
            lambda(NOTIFY_SUCCESS, SUCCEEDED)?
                .parameters(json!({
                    "execution_id.$": "$$.Execution.Id",
                    "execution_started_at.$": "$$.Execution.StartTime",
                    "redrive_count.$": REDRIVE_COUNT,
                    "state.$": "$",
                }))
                .result_path(result_path("$.notification")?),
        );
    }
    m.state(SUCCEEDED, Succeed::default());
    m.build()
}

/// The Task state `state` calling its function (per the function table), with the
/// function's timeout and the standard retries, and no Catch (see the module doc).
fn lambda(state: &str, next: &str) -> Result<Task, AslError> {
    let function =
        functions::for_state(state).ok_or_else(|| AslError::NoFunction(state.to_owned()))?;
    Ok(Task::new(
        format!("${{{}}}", function.placeholder()),
        Transition::next(next),
    )
    .timeout_seconds(function.task_timeout_seconds().into())
    .retry(standard_retries()))
}

/// The callback Task state `state` (`lambda:invoke.waitForTaskToken`) calling its function
/// (per the function table) with `payload`, waiting at most the seconds at
/// `timeout_path`, with the standard retries (the invocation's errors) and no Catch yet.
fn callback(state: &str, next: &str, payload: Value, timeout_path: &str) -> Result<Task, AslError> {
    let function =
        functions::for_state(state).ok_or_else(|| AslError::NoFunction(state.to_owned()))?;
    let mut task = Task::new(functions::CALLBACK_RESOURCE, Transition::next(next))
        .parameters(json!({
            "FunctionName": format!("${{{}}}", function.placeholder()),
            "Payload": payload,
        }))
        .retry(standard_retries());
    task.extra
        .insert("TimeoutSecondsPath".to_owned(), Value::from(timeout_path));
    Ok(task)
}

/// (1) the Lambda service errors as CDK's LambdaInvoke retries them, (2) our transient
/// errors with capped, jittered backoff.
fn standard_retries() -> Vec<Retrier> {
    vec![
        Retrier::on(errors::LAMBDA_SERVICE_ERRORS)
            .interval_seconds(2)
            .max_attempts(6)
            .backoff_rate(2.0),
        Retrier::on(errors::TRANSIENT)
            .interval_seconds(2)
            .max_attempts(6)
            .backoff_rate(2.0)
            .max_delay_seconds(60)
            .jitter(JitterStrategy::Full),
    ]
}

fn path(p: &str) -> Result<JsonPath, AslError> {
    JsonPath::new(p)
}

fn result_path(p: &str) -> Result<ResultPath, AslError> {
    ResultPath::path(p)
}

fn to_json(value: impl serde::Serialize) -> Result<Value, AslError> {
    serde_json::to_value(value).map_err(|source| AslError::Render { source })
}

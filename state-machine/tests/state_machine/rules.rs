//! The policies every rendered variant must follow, checked on the JSON itself: task
//! retries and catches, timeouts, placeholders, and the contract's strings.

use contract::errors;
use contract::functions::FUNCTIONS;
use serde_json::{Value, json};
use state_machine::{Catalog, Delivery};

use crate::{machine, variants};

fn rendered() -> Vec<(String, state_machine::PipelineConfig, Value)> {
    variants()
        .into_iter()
        .map(|(name, config)| {
            let json = serde_json::from_str(&machine(&config).to_json().unwrap()).unwrap();
            (name, config, json)
        })
        .collect()
}

fn tasks(json: &Value) -> Vec<(&String, &Value)> {
    json["States"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, s)| s["Type"] == "Task")
        .collect()
}

#[test]
fn every_task_retries_by_the_rules_and_catches_nothing() {
    let lambda = json!({
        "ErrorEquals": errors::LAMBDA_SERVICE_ERRORS,
        "IntervalSeconds": 2,
        "MaxAttempts": 6
    });
    let transient = json!({
        "ErrorEquals": errors::TRANSIENT,
        "IntervalSeconds": 2,
        "MaxAttempts": 6,
        "MaxDelaySeconds": 60,
        "JitterStrategy": "FULL"
    });
    for (variant, config, json) in rendered() {
        for (name, task) in tasks(&json) {
            let retry = task["Retry"].as_array().unwrap();
            assert_eq!(retry[0], lambda, "{variant}/{name}");
            assert_eq!(retry[1], transient, "{variant}/{name}");
            if name == "StartExport" {
                assert_eq!(retry.len(), 3, "{variant}/{name}");
                assert_eq!(
                    retry[2],
                    json!({
                        "ErrorEquals": errors::EXPORT_CAPACITY,
                        "IntervalSeconds": config.export.capacity_retry_interval_seconds,
                        "MaxAttempts": config.export.capacity_retry_max_attempts,
                        "BackoffRate": 1.5,
                        "MaxDelaySeconds": 900,
                        "JitterStrategy": "FULL"
                    }),
                    "{variant}/{name}"
                );
            } else {
                assert_eq!(retry.len(), 2, "{variant}/{name}");
            }
            // Redrive re-enters the failed state: a Catch to a Fail state would fail again.
            // The one exception is the callback's fallback: its timeout goes to CheckExport.
            if name == "WaitForExportEvent" {
                assert!(config.export.events, "{variant}");
                assert_eq!(
                    task["Catch"],
                    json!([{
                        "ErrorEquals": ["States.Timeout"],
                        "ResultPath": "$.export_wait",
                        "Next": "CheckExport"
                    }]),
                    "{variant}/{name}"
                );
                assert_eq!(
                    task["TimeoutSecondsPath"], "$.export.next_poll_seconds",
                    "{variant}/{name}"
                );
                assert!(task.get("TimeoutSeconds").is_none(), "{variant}/{name}");
                continue;
            }
            assert!(task.get("Catch").is_none(), "{variant}/{name} catches");
            if name == "AcquireExportSlot" {
                // The parked wait: generous, from the config (docs/scheduling.md).
                assert!(config.export.slots, "{variant}");
                assert_eq!(
                    task["TimeoutSeconds"],
                    u64::from(config.export.slot_wait_hours) * 3600,
                    "{variant}/{name}"
                );
                assert!(task.get("TimeoutSecondsPath").is_none(), "{variant}/{name}");
                continue;
            }
            let timeout = if matches!(
                name.as_str(),
                "RewriteAcl" | "CopyObjects" | "CatalogTables"
            ) {
                960
            } else {
                120
            };
            assert_eq!(task["TimeoutSeconds"], timeout, "{variant}/{name}");
        }
    }
}

#[test]
fn retried_and_caught_names_are_contract_errors() {
    for (variant, _, json) in rendered() {
        for (name, task) in tasks(&json) {
            for entry in task["Retry"].as_array().unwrap() {
                for error in entry["ErrorEquals"].as_array().unwrap() {
                    let error = error.as_str().unwrap();
                    assert!(
                        errors::ALL.contains(&error)
                            || errors::LAMBDA_SERVICE_ERRORS.contains(&error),
                        "{variant}/{name} retries unknown error {error}"
                    );
                }
            }
        }
    }
}

#[test]
fn the_only_placeholders_are_the_function_arns() {
    let allowed: Vec<String> = FUNCTIONS
        .iter()
        .map(|f| format!("${{{}}}", f.placeholder()))
        .collect();
    assert!(allowed.contains(&"${start_export_function_arn}".to_owned()));
    for (variant, config, json) in rendered() {
        let text = json.to_string();
        let mut rest = text.as_str();
        let mut found = Vec::new();
        while let Some(i) = rest.find("${") {
            let end = rest[i..].find('}').map_or(rest.len(), |j| i + j + 1);
            found.push(rest[i..end].to_owned());
            rest = &rest[end..];
        }
        assert!(
            found.iter().all(|p| allowed.contains(p)),
            "{variant}: unexpected placeholders {found:?}"
        );
        // Every Resource is one of them, and every function the variant needs is used.
        // A callback Task names its function in Parameters.FunctionName.
        let mut used: Vec<&str> = tasks(&json)
            .iter()
            .map(|(_, t)| {
                if t["Resource"] == contract::functions::CALLBACK_RESOURCE {
                    t["Parameters"]["FunctionName"].as_str().unwrap()
                } else {
                    t["Resource"].as_str().unwrap()
                }
            })
            .collect();
        used.sort_unstable();
        used.dedup();
        let expected = allowed
            .iter()
            .filter(|p| {
                (config.acl.enabled && config.delivery != Delivery::Copy)
                    || !p.starts_with("${rewrite_acl")
            })
            .filter(|p| {
                matches!(config.delivery, Delivery::Copy | Delivery::PerSource)
                    || !p.starts_with("${copy_objects")
            })
            .filter(|p| config.catalog == Catalog::Tables || !p.starts_with("${catalog_tables"))
            .filter(|p| config.catalog == Catalog::Crawler || !p.starts_with("${start_crawler"))
            .filter(|p| {
                (config.catalog == Catalog::Crawler && config.crawler.wait_for_completion)
                    || !p.starts_with("${check_crawler")
            })
            .filter(|p| config.notifications.enabled || !p.starts_with("${notify"))
            .filter(|p| config.export.events || !p.starts_with("${wait_for_export"))
            .filter(|p| config.export.slots || !p.starts_with("${export_slots"))
            // Invoked by its EventBridge rule, never by a state.
            .filter(|p| !p.starts_with("${export_events"))
            .count();
        assert_eq!(used.len(), expected, "{variant}: {used:?}");
    }
}

#[test]
fn policies_and_timeouts_come_from_the_config() {
    for (variant, config, json) in rendered() {
        let states = &json["States"];
        let poll = serde_json::to_value(config.poll_policy()).unwrap();
        assert_eq!(
            states["StartExport"]["Parameters"]["policy"], poll,
            "{variant}"
        );
        assert_eq!(
            states["CheckExport"]["Parameters"]["policy"], poll,
            "{variant}"
        );
        if config.export.events {
            assert_eq!(
                states["WaitForExportEvent"]["Parameters"]["Payload"]["policy"], poll,
                "{variant}"
            );
            assert!(states.get("WaitForExport").is_none(), "{variant}");
        } else {
            assert!(states.get("WaitForExportEvent").is_none(), "{variant}");
        }
        assert_eq!(
            json["TimeoutSeconds"],
            u64::from(config.execution.timeout_hours) * 3600
        );
        if config.catalog != Catalog::Crawler {
            assert!(states.get("StartCrawler").is_none(), "{variant}");
            continue;
        }
        assert_eq!(
            states["WaitForRunningCrawl"]["Seconds"], config.crawler.busy_retry_seconds,
            "{variant}"
        );
        if config.crawler.wait_for_completion {
            let crawl = serde_json::to_value(config.crawl_policy()).unwrap();
            assert_eq!(
                states["CheckCrawler"]["Parameters"]["policy"], crawl,
                "{variant}"
            );
            assert_eq!(
                states["WaitForCrawler"]["Seconds"],
                config.crawler.poll_seconds
            );
        }
    }
}

#[test]
fn no_fail_state_and_terminal_failures_go_back_to_the_task_that_starts_again() {
    for (variant, config, json) in rendered() {
        let states = json["States"].as_object().unwrap();
        assert!(
            states.values().all(|s| s["Type"] != "Fail"),
            "{variant}: a Fail state"
        );
        let choices = |name: &str| -> Vec<(String, String)> {
            states[name]["Choices"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| {
                    (
                        c["StringEquals"].as_str().unwrap_or_default().to_owned(),
                        c["Next"].as_str().unwrap().to_owned(),
                    )
                })
                .collect()
        };
        let export = choices("ExportStatus");
        for status in ["FAILED", "CANCELED"] {
            assert!(
                export.contains(&(status.to_owned(), "StartExport".to_owned())),
                "{variant}: {export:?}"
            );
        }
        if config.catalog == Catalog::Crawler && config.crawler.wait_for_completion {
            let crawl = choices("CrawlStatus");
            for outcome in ["FAILED", "CANCELLED"] {
                assert!(
                    crawl.contains(&(outcome.to_owned(), "StartCrawler".to_owned())),
                    "{variant}: {crawl:?}"
                );
            }
        }
        // Every task that behaves differently after a redrive is told the redrive count.
        for (name, task) in tasks(&json) {
            let told = task["Parameters"]["redrive_count.$"] == "$$.Execution.RedriveCount"
                || task["Parameters"]["Payload"]["redrive_count.$"] == "$$.Execution.RedriveCount";
            let needs = !matches!(
                name.as_str(),
                "Normalize" | "RewriteAcl" | "CopyObjects" | "CatalogTables"
            );
            assert_eq!(told, needs, "{variant}/{name}");
        }
        assert_eq!(
            states["StartExport"]["Parameters"]["max_attempts"], config.export.max_attempts,
            "{variant}"
        );
    }
}

/// History events one loop adds: Wait (entered, exited), Task (entered, scheduled,
/// started, succeeded, exited), Choice (entered, exited).
const EVENTS_PER_POLL: u64 = 9;
/// History events one export loop adds with events on, when the callback times out into
/// the fallback poll: WaitForExportEvent (entered, scheduled, started, submitted, timed
/// out, exited), CheckExport (five), ExportStatus (two).
const EVENTS_PER_CALLBACK_LOOP: u64 = 13;

#[test]
fn the_longest_allowed_run_stays_redrivable() {
    // Redrive needs a history under 24,999 events; "well under" leaves room for retries.
    const LIMIT: u64 = 24_999;
    for (variant, config, _) in rendered() {
        let policy = config.poll_policy();
        // The polling policy keeps each attempt's polls within max_polls + 1 whatever the
        // export does (lambdas' polling tests: a policy stuck at the floor for the whole
        // max_wait_seconds), and the budget covers every automatic attempt plus one
        // redrive's.
        let polls_per_attempt = u64::from(policy.max_polls) + 1;
        let export = (u64::from(config.export.max_attempts) + 1) * polls_per_attempt;
        let per_export_loop = if config.export.events {
            EVENTS_PER_CALLBACK_LOOP
        } else {
            EVENTS_PER_POLL
        };
        let crawl = u64::from(config.crawler.max_wait_minutes) * 60
            / u64::from(config.crawler.poll_seconds)
            + 1;
        // RewriteAcl handles ~2,500 objects/s for up to 15 minutes per call: 10 calls are
        // tens of millions of objects.
        let acl = 10;
        // Every task retried to its limit once more (6 retries of 3 events each).
        let retries = 8 * 6 * 3;
        let events = export * per_export_loop + (crawl + acl) * EVENTS_PER_POLL + retries + 50;
        assert!(
            events < LIMIT * 9 / 10,
            "{variant}: the longest run may reach {events} history events"
        );
        if variant == "default" {
            println!("default config: at most {events} history events (limit {LIMIT})");
        }
    }
}

#[test]
fn contract_strings_are_what_the_handlers_serialize() {
    use contract::{CrawlOutcome, CrawlStart, ExportStatus, JobAction};
    let pairs: Vec<(Value, &str)> = vec![
        (json!(JobAction::Ignore), JobAction::Ignore.as_str()),
        (json!(JobAction::Export), JobAction::Export.as_str()),
        (
            json!(ExportStatus::Complete),
            ExportStatus::Complete.as_str(),
        ),
        (json!(ExportStatus::Failed), ExportStatus::Failed.as_str()),
        (
            json!(ExportStatus::Canceled),
            ExportStatus::Canceled.as_str(),
        ),
        (
            json!(CrawlStart::AlreadyRunning),
            CrawlStart::AlreadyRunning.as_str(),
        ),
        (
            json!(CrawlOutcome::Succeeded),
            CrawlOutcome::Succeeded.as_str(),
        ),
        (json!(CrawlOutcome::Failed), CrawlOutcome::Failed.as_str()),
        (
            json!(CrawlOutcome::Cancelled),
            CrawlOutcome::Cancelled.as_str(),
        ),
    ];
    for (serialized, as_str) in pairs {
        assert_eq!(serialized, as_str);
    }
}

#[test]
fn a_bad_config_is_an_error_naming_the_key() {
    let mut config = state_machine::PipelineConfig::default();
    config.export.min_poll_seconds = 0;
    let err = state_machine::pipeline(&config).unwrap_err();
    assert!(err.to_string().contains("export.min_poll_seconds"), "{err}");
}

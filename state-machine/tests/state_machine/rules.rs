//! The policies every rendered variant must follow, checked on the JSON itself: task
//! retries and catches, timeouts, placeholders, and the contract's strings.

use contract::errors;
use contract::functions::FUNCTIONS;
use serde_json::{Value, json};

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
fn every_task_retries_and_catches_by_the_rules() {
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
        let notify = config.notifications.enabled;
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
            let (target, result_path) = match name.as_str() {
                "NotifySuccess" => ("Succeeded", "$.notification_error"),
                "NotifyFailure" => ("Failed", "$.notification_error"),
                _ if notify => ("NotifyFailure", "$.error"),
                _ => ("Failed", "$.error"),
            };
            assert_eq!(
                task["Catch"],
                json!([{"ErrorEquals": ["States.ALL"], "ResultPath": result_path, "Next": target}]),
                "{variant}/{name}"
            );
            let timeout = if name == "RewriteAcl" { 960 } else { 120 };
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
    assert_eq!(allowed[1], "${start_export_function_arn}");
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
        let mut used: Vec<&str> = tasks(&json)
            .iter()
            .map(|(_, t)| t["Resource"].as_str().unwrap())
            .collect();
        used.sort_unstable();
        used.dedup();
        let expected = allowed
            .iter()
            .filter(|p| config.acl.enabled || !p.starts_with("${rewrite_acl"))
            .filter(|p| config.crawler.wait_for_completion || !p.starts_with("${check_crawler"))
            .filter(|p| config.notifications.enabled || !p.starts_with("${notify"))
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
        assert_eq!(
            json["TimeoutSeconds"],
            u64::from(config.execution.timeout_hours) * 3600
        );
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
fn failure_paths_end_in_fail_with_error_and_cause_paths() {
    for (variant, config, json) in rendered() {
        let states = &json["States"];
        assert_eq!(
            states["Failed"],
            json!({"Type": "Fail", "ErrorPath": "$.error.Error", "CausePath": "$.error.Cause"}),
            "{variant}"
        );
        let next = if config.notifications.enabled {
            "NotifyFailure"
        } else {
            "Failed"
        };
        let mut passes = vec![
            (
                "ExportFailed",
                errors::EXPORT_FAILED,
                "$.export.failure_cause",
            ),
            (
                "ExportCanceled",
                errors::EXPORT_CANCELED,
                "$.export.failure_cause",
            ),
        ];
        if config.crawler.wait_for_completion {
            passes.push((
                "CrawlFailed",
                errors::CRAWL_FAILED,
                "$.crawler.error_message",
            ));
            passes.push((
                "CrawlCancelled",
                errors::CRAWL_CANCELLED,
                "$.crawler.error_message",
            ));
        }
        for (name, error, cause) in passes {
            assert_eq!(
                states[name],
                json!({"Type": "Pass", "Parameters": {"Error": error, "Cause.$": cause},
                       "ResultPath": "$.error", "Next": next}),
                "{variant}/{name}"
            );
        }
    }
}

#[test]
fn contract_strings_are_what_the_handlers_serialize() {
    use contract::{CrawlOutcome, CrawlStart, ExportStatus, JobAction, Outcome};
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
        (json!(Outcome::Succeeded), Outcome::Succeeded.as_str()),
        (json!(Outcome::Failed), Outcome::Failed.as_str()),
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

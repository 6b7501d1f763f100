//! `redrive` with mocked Step Functions (moto has no RedriveExecution, so these cannot run
//! the binary): redriven, not redrivable, too old, still running, and the report of
//! `--all-failed`.

use crate::args::RedriveArgs;
use crate::aws::now_epoch as now;
use crate::commands::redrive::{self, Outcome};
use crate::mocks::{mocked, sfn_error};
use crate::output::Report;
use aws_sdk_sfn::Client;
use aws_sdk_sfn::operation::describe_execution::DescribeExecutionOutput;
use aws_sdk_sfn::operation::list_executions::ListExecutionsOutput;
use aws_sdk_sfn::operation::redrive_execution::RedriveExecutionOutput;
use aws_sdk_sfn::types::{ExecutionListItem, ExecutionStatus};
use aws_smithy_mocks::{Rule, mock};
use aws_smithy_types::DateTime;

const MACHINE: &str = "arn:aws:states:eu-west-1:111122223333:stateMachine:snapshot-export";

fn arn(name: &str) -> String {
    format!("arn:aws:states:eu-west-1:111122223333:execution:snapshot-export:{name}")
}

fn describe_rule(name: &str, status: ExecutionStatus, stopped_days_ago: i64) -> Rule {
    let execution_arn = arn(name);
    let name = name.to_owned();
    let matched = execution_arn.clone();
    mock!(Client::describe_execution)
        .match_requests(move |r| r.execution_arn() == Some(matched.as_str()))
        .then_output(move || {
            let stopped = now() - stopped_days_ago * 86_400;
            let mut b = DescribeExecutionOutput::builder()
                .execution_arn(&execution_arn)
                .state_machine_arn(MACHINE)
                .name(&name)
                .status(status.clone())
                .start_date(DateTime::from_secs(stopped - 3_600))
                .input(r#"{"snapshot_arn":"arn:aws:rds:eu-west-1:111122223333:snapshot:s"}"#);
            if status != ExecutionStatus::Running {
                b = b.stop_date(DateTime::from_secs(stopped));
            }
            b.build().unwrap()
        })
}

fn redrive_ok(name: &str) -> Rule {
    let matched = arn(name);
    mock!(Client::redrive_execution)
        .match_requests(move |r| r.execution_arn() == Some(matched.as_str()))
        .then_output(|| {
            RedriveExecutionOutput::builder()
                .redrive_date(DateTime::from_secs(now()))
                .build()
                .unwrap()
        })
}

fn redrive_refused(name: &str) -> Rule {
    let matched = arn(name);
    mock!(Client::redrive_execution)
        .match_requests(move |r| r.execution_arn() == Some(matched.as_str()))
        .then_http_response(|| {
            sfn_error(
                "ExecutionNotRedrivable",
                "Execution cannot be redriven: it failed in a Fail state",
            )
        })
}

fn single(name: &str) -> RedriveArgs {
    RedriveArgs {
        execution_arn: Some(arn(name)),
        all_failed: false,
        state_machine_arn: None,
        since: "7d".into(),
        rerun: false,
    }
}

#[tokio::test]
async fn a_failed_execution_is_redriven() {
    let (d, r) = (
        describe_rule("a", ExecutionStatus::Failed, 1),
        redrive_ok("a"),
    );
    let report = redrive::run(&mocked(&[&d, &r], &[]), &single("a"))
        .await
        .unwrap();
    assert_eq!(report.results[0].outcome, Outcome::Redriven);
    assert!(report.outcome().is_ok());
    assert_eq!(
        report.table(),
        format!(
            "EXECUTION{}  STATUS  OUTCOME   NEW EXECUTION{}  REASON\n{}  FAILED  redriven  {}  -\n",
            " ".repeat(arn("a").len() - 9),
            " ".repeat(arn("a").len() - 13),
            arn("a"),
            arn("a")
        )
    );
}

#[tokio::test]
async fn refusals_are_reported_with_their_reason() {
    let d = describe_rule("b", ExecutionStatus::Failed, 2);
    let r = redrive_refused("b");
    let report = redrive::run(&mocked(&[&d, &r], &[]), &single("b"))
        .await
        .unwrap();
    let result = &report.results[0];
    assert_eq!(result.outcome, Outcome::Failed);
    assert_eq!(
        result.reason.as_deref(),
        Some("ExecutionNotRedrivable: Execution cannot be redriven: it failed in a Fail state")
    );
    let err = report.outcome().unwrap_err().to_string();
    assert_eq!(
        err,
        "1 of 1 executions could not be redriven; see the report above"
    );

    // Too old: no RedriveExecution call at all (there is no rule for one).
    let old = describe_rule("c", ExecutionStatus::Failed, 20);
    let report = redrive::run(&mocked(&[&old], &[]), &single("c"))
        .await
        .unwrap();
    let reason = report.results[0].reason.clone().unwrap();
    assert!(
        reason.starts_with("too old: it stopped 20 days ago"),
        "{reason}"
    );
    assert_eq!(old.num_calls(), 1);

    let running = describe_rule("d", ExecutionStatus::Running, 0);
    let report = redrive::run(&mocked(&[&running], &[]), &single("d"))
        .await
        .unwrap();
    assert_eq!(report.results[0].outcome, Outcome::Skipped);
    assert_eq!(report.results[0].reason.as_deref(), Some("still running"));
    assert!(report.outcome().is_ok());
}

#[tokio::test]
async fn all_failed_redrives_each_and_reports_the_rest() {
    let item = |name: &str, status: ExecutionStatus| {
        ExecutionListItem::builder()
            .execution_arn(arn(name))
            .state_machine_arn(MACHINE)
            .name(name)
            .status(status)
            .start_date(DateTime::from_secs(now() - 86_400))
            .build()
            .unwrap()
    };
    let list = mock!(Client::list_executions).then_compute_output(move |req| {
        let items = match req.status_filter() {
            Some(ExecutionStatus::Failed) => vec![
                item("e1", ExecutionStatus::Failed),
                item("e2", ExecutionStatus::Failed),
            ],
            Some(ExecutionStatus::TimedOut) => vec![item("e3", ExecutionStatus::TimedOut)],
            _ => vec![],
        };
        ListExecutionsOutput::builder()
            .set_executions(Some(items))
            .build()
            .unwrap()
    });
    let rules = [
        list,
        describe_rule("e1", ExecutionStatus::Failed, 1),
        describe_rule("e2", ExecutionStatus::Failed, 1),
        describe_rule("e3", ExecutionStatus::TimedOut, 1),
        redrive_ok("e1"),
        redrive_refused("e2"),
        redrive_ok("e3"),
    ];
    let refs: Vec<&Rule> = rules.iter().collect();
    let args = RedriveArgs {
        execution_arn: None,
        all_failed: true,
        state_machine_arn: Some(MACHINE.into()),
        since: "7d".into(),
        rerun: false,
    };
    let report = redrive::run(&mocked(&refs, &[]), &args).await.unwrap();
    let outcomes: Vec<(String, Outcome)> = report
        .results
        .iter()
        .map(|r| (r.execution_arn.clone(), r.outcome.clone()))
        .collect();
    assert_eq!(
        outcomes,
        [
            (arn("e1"), Outcome::Redriven),
            (arn("e2"), Outcome::Failed),
            (arn("e3"), Outcome::Redriven)
        ]
    );
    assert_eq!(
        report.outcome().unwrap_err().to_string(),
        "1 of 3 executions could not be redriven; see the report above"
    );
    let json: serde_json::Value =
        serde_json::from_str(&crate::output::render(&report, true)).unwrap();
    assert_eq!(json["results"][1]["outcome"], "failed");
    assert_eq!(json["results"][2]["status"], "TIMED_OUT");
}

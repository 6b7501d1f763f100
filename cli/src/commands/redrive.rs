//! `redrive`: RedriveExecution of one or every failed execution, or (`--rerun`) a new
//! execution `<name>-rerun-<n>` with the same input, reporting each one that could not be
//! redriven or re-run and why.
//!
//! Redrive is the normal recovery: no Task of the pipeline catches its errors, so a failed
//! execution stopped at the task that raised the error, and a redrive re-runs exactly that
//! task (with `$$.Execution.RedriveCount` + 1) and goes on from there. A re-run is for a
//! changed definition (a redrive keeps the definition the execution started with): every
//! task is idempotent (the export id is derived from the snapshot), so a new execution
//! from the top adopts a finished or running export and only redoes what is missing.

use aws_sdk_sfn::operation::describe_execution::DescribeExecutionOutput;
use aws_sdk_sfn::types::ExecutionStatus;
use serde::Serialize;

use crate::args::RedriveArgs;
use crate::aws::{Clients, now_epoch};
use crate::commands::inspect::{describe, find, list_executions};
use crate::commands::start::start_execution;
use crate::error::CliError;
use crate::names::{ExecutionArn, StateMachineArn, parse_age, rerun_name};
use crate::output::{Report, Table, or_none};

/// Step Functions redrives an execution only within this long after it stopped.
pub(crate) const REDRIVE_WINDOW_SECONDS: i64 = 14 * 86_400;
/// Re-run names tried before giving up (`-rerun-1` ... `-rerun-99`).
const MAX_RERUNS: u32 = 99;

/// What happened to one execution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Outcome {
    /// RedriveExecution accepted it.
    Redriven,
    /// A new execution with the same input was started.
    Rerun,
    /// Nothing to do (already running, already re-run, succeeded).
    Skipped,
    /// It could not be redriven or re-run; `reason` says why.
    Failed,
}

/// One execution's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct RedriveResult {
    /// The execution asked about.
    pub(crate) execution_arn: String,
    /// Its status before.
    pub(crate) status: String,
    /// What happened.
    pub(crate) outcome: Outcome,
    /// The re-run's (or the running re-run's) ARN.
    pub(crate) new_execution_arn: Option<String>,
    /// Why it was skipped or failed.
    pub(crate) reason: Option<String>,
}

/// Every result.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct RedriveReport {
    /// `redrive` or `rerun`.
    pub(crate) mode: &'static str,
    /// One per execution.
    pub(crate) results: Vec<RedriveResult>,
}

impl Report for RedriveReport {
    fn table(&self) -> String {
        if self.results.is_empty() {
            return "no failed executions\n".to_owned();
        }
        let mut table = Table::new(&["EXECUTION", "STATUS", "OUTCOME", "NEW EXECUTION", "REASON"]);
        for r in &self.results {
            let outcome = serde_json::to_value(&r.outcome)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            table.row(vec![
                r.execution_arn.clone(),
                r.status.clone(),
                outcome,
                or_none(r.new_execution_arn.as_deref()),
                or_none(r.reason.as_deref()),
            ]);
        }
        table.render()
    }

    fn outcome(&self) -> Result<(), CliError> {
        let failed = self
            .results
            .iter()
            .filter(|r| r.outcome == Outcome::Failed)
            .count();
        if failed == 0 {
            return Ok(());
        }
        Err(CliError::Incomplete {
            failed,
            total: self.results.len(),
            verb: if self.mode == "rerun" {
                "re-run"
            } else {
                "redriven"
            },
        })
    }
}

/// Redrives (or re-runs) what the arguments name.
pub(crate) async fn run(clients: &Clients, args: &RedriveArgs) -> Result<RedriveReport, CliError> {
    let mode = if args.rerun { "rerun" } else { "redrive" };
    let mut results = Vec::new();
    if args.all_failed {
        let arn = args.state_machine_arn.as_deref().unwrap_or_default();
        let machine = StateMachineArn::parse(arn)?;
        let since = now_epoch() - parse_age("--since", &args.since)?;
        for status in [
            ExecutionStatus::Failed,
            ExecutionStatus::TimedOut,
            ExecutionStatus::Aborted,
        ] {
            for item in list_executions(&clients.sfn, &machine.arn, Some(status), since).await? {
                let described = describe(&clients.sfn, item.execution_arn()).await?;
                results.push(one(clients, &described, args.rerun).await?);
            }
        }
    } else {
        let arn = ExecutionArn::parse(args.execution_arn.as_deref().unwrap_or_default())?;
        let described = describe(&clients.sfn, &arn.arn).await?;
        results.push(one(clients, &described, args.rerun).await?);
    }
    Ok(RedriveReport { mode, results })
}

/// Redrives or re-runs one described execution.
async fn one(
    clients: &Clients,
    described: &DescribeExecutionOutput,
    rerun: bool,
) -> Result<RedriveResult, CliError> {
    let status = described.status().clone();
    let result =
        |outcome, new_execution_arn: Option<String>, reason: Option<String>| RedriveResult {
            execution_arn: described.execution_arn().to_owned(),
            status: status.as_str().to_owned(),
            outcome,
            new_execution_arn,
            reason,
        };
    if matches!(
        status,
        ExecutionStatus::Running | ExecutionStatus::PendingRedrive
    ) {
        return Ok(result(Outcome::Skipped, None, Some("still running".into())));
    }
    if rerun {
        return rerun_one(clients, described)
            .await
            .map(|(outcome, arn, reason)| result(outcome, arn, reason));
    }
    if let Some(reason) = not_redrivable(described, now_epoch()) {
        return Ok(result(Outcome::Failed, None, Some(reason)));
    }
    match clients
        .sfn
        .redrive_execution()
        .execution_arn(described.execution_arn())
        .send()
        .await
    {
        Ok(_) => Ok(result(
            Outcome::Redriven,
            Some(described.execution_arn().to_owned()),
            None,
        )),
        Err(e) => match CliError::aws("RedriveExecution", &e) {
            CliError::Aws { code, message, .. } => Ok(result(
                Outcome::Failed,
                None,
                Some(format!("{code}{message}")),
            )),
            other => Err(other),
        },
    }
}

/// Why Step Functions would refuse to redrive this execution, when we can tell before
/// asking: it succeeded, it stopped more than 14 days ago, or DescribeExecution says so.
pub(crate) fn not_redrivable(described: &DescribeExecutionOutput, now: i64) -> Option<String> {
    if *described.status() == ExecutionStatus::Succeeded {
        return Some("it succeeded: nothing to redrive (use --rerun to run it again)".into());
    }
    let stopped = described
        .stop_date()
        .map_or(described.start_date().secs(), |d| d.secs());
    if now - stopped > REDRIVE_WINDOW_SECONDS {
        return Some(format!(
            "too old: it stopped {} days ago and a redrive is possible for 14 days; use --rerun",
            (now - stopped) / 86_400
        ));
    }
    if described
        .redrive_status()
        .is_some_and(|s| s.as_str() == "NOT_REDRIVABLE")
    {
        return Some(format!(
            "ExecutionNotRedrivable: {}",
            described
                .redrive_status_reason()
                .unwrap_or("Step Functions says it is not redrivable")
        ));
    }
    None
}

/// Starts `<name>-rerun-<n>` with the same input, unless a re-run is running or succeeded.
async fn rerun_one(
    clients: &Clients,
    described: &DescribeExecutionOutput,
) -> Result<(Outcome, Option<String>, Option<String>), CliError> {
    let machine = StateMachineArn::parse(described.state_machine_arn())?;
    let original = described.name().unwrap_or_default();
    let input = described.input().unwrap_or("{}");
    for n in 1..=MAX_RERUNS {
        let name = rerun_name(original, n);
        let arn = machine.execution_arn(&name);
        if arn == described.execution_arn() {
            continue;
        }
        if let Some(found) = find(&clients.sfn, &arn).await? {
            let found_status = found.status().as_str();
            if matches!(found_status, "RUNNING" | "SUCCEEDED" | "PENDING_REDRIVE") {
                return Ok((
                    Outcome::Skipped,
                    Some(arn),
                    Some(format!("already re-run as {name} ({found_status})")),
                ));
            }
            continue;
        }
        match start_execution(&clients.sfn, &machine.arn, &name, input).await {
            Ok(out) => return Ok((Outcome::Rerun, Some(out.execution_arn().to_owned()), None)),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_execution_already_exists()) =>
            {
                continue;
            }
            Err(e) => match CliError::aws("StartExecution", &e) {
                CliError::Aws { code, message, .. } => {
                    return Ok((Outcome::Failed, None, Some(format!("{code}{message}"))));
                }
                other => return Err(other),
            },
        }
    }
    Ok((
        Outcome::Failed,
        None,
        Some(format!("{MAX_RERUNS} re-runs of {original} exist already")),
    ))
}

#[cfg(test)]
mod tests;

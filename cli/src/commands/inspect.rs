//! Reading executions back: list them, describe them, and walk their history to find the
//! snapshot, the export id, the state that failed, and the error and cause.
//!
//! The history is reduced to [`Step`]s first, so the reading rules are plain functions
//! over plain data (and tested as such).

use aws_sdk_sfn::types::{ExecutionListItem, ExecutionStatus, HistoryEvent};
use contract::PipelineState;
use serde::Serialize;
use serde_json::Value;

use crate::aws::format_time;
use crate::error::{CliError, code_of};

/// What the CLI reports about one execution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct ExecutionInfo {
    /// The execution's name.
    pub(crate) name: String,
    /// Its ARN.
    pub(crate) execution_arn: String,
    /// RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED, PENDING_REDRIVE.
    pub(crate) status: String,
    /// When it started (RFC 3339).
    pub(crate) started: String,
    /// When it stopped, if it did.
    pub(crate) stopped: Option<String>,
    /// The snapshot being exported (from the input).
    pub(crate) snapshot_arn: Option<String>,
    /// The export task id (current attempt when known, else the base id).
    pub(crate) export_task_id: Option<String>,
    /// The state where the execution failed.
    pub(crate) failed_state: Option<String>,
    /// The error name (one of `contract::errors`, or a States.* error).
    pub(crate) error: Option<String>,
    /// The error's cause.
    pub(crate) cause: Option<String>,
    /// Redrives so far (DescribeExecution's redriveCount).
    pub(crate) redrive_count: i32,
    /// DescribeExecution's redriveStatus: REDRIVABLE, NOT_REDRIVABLE, ...
    pub(crate) redrive_status: Option<String>,
    /// Stop time, seconds since the epoch (for the redrive window).
    #[serde(skip)]
    pub(crate) stopped_epoch: Option<i64>,
}

/// One history event, reduced to what the CLI reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step {
    /// A state was entered.
    Entered(String),
    /// A state was left with this output (JSON text).
    Exited {
        /// The state.
        name: String,
        /// Its output.
        output: Option<String>,
    },
    /// The execution ended unsuccessfully (failed, timed out or aborted).
    Ended {
        /// The error name.
        error: Option<String>,
        /// The cause.
        cause: Option<String>,
    },
}

impl Step {
    /// The step an SDK history event stands for, if the CLI cares about it.
    pub(crate) fn from_event(event: &HistoryEvent) -> Option<Self> {
        if let Some(entered) = event.state_entered_event_details() {
            return Some(Self::Entered(entered.name().to_owned()));
        }
        if let Some(exited) = event.state_exited_event_details() {
            return Some(Self::Exited {
                name: exited.name().to_owned(),
                output: exited.output().map(str::to_owned),
            });
        }
        let ended = |error: Option<&str>, cause: Option<&str>| Self::Ended {
            error: error.map(str::to_owned),
            cause: cause.map(str::to_owned),
        };
        if let Some(d) = event.execution_failed_event_details() {
            return Some(ended(d.error(), d.cause()));
        }
        if let Some(d) = event.execution_timed_out_event_details() {
            return Some(ended(d.error(), d.cause()));
        }
        if let Some(d) = event.execution_aborted_event_details() {
            return Some(ended(d.error(), d.cause()));
        }
        None
    }
}

/// The snapshot ARN in an execution's input: a manual input (`snapshot_arn`) or an RDS
/// event (`detail.SourceArn`, else `resources[0]`).
pub(crate) fn snapshot_from_input(input: &str) -> Option<String> {
    let value: Value = serde_json::from_str(input).ok()?;
    contract::input_snapshot_arn(&value).map(str::to_owned)
}

/// The latest pipeline state document in the history: the output of the last state that
/// left one carrying a job (Normalize onwards).
pub(crate) fn latest_state(steps: &[Step]) -> Option<PipelineState> {
    steps.iter().rev().find_map(|step| match step {
        Step::Exited {
            output: Some(output),
            ..
        } => serde_json::from_str::<PipelineState>(output)
            .ok()
            .filter(|state| state.job.is_some()),
        _ => None,
    })
}

/// The export task id the state carries: the current attempt's, else the job's base id.
pub(crate) fn export_id_of(state: &PipelineState) -> Option<String> {
    state
        .export
        .as_ref()
        .map(|export| export.export_task_id.clone())
        .or_else(|| state.job.as_ref().map(|job| job.export_task_id.clone()))
}

/// The state where the execution failed: the last state entered (no Task catches its
/// errors, so a task error fails the execution at that task; a timeout or an abort stops it
/// in the state it was in). That is the state a redrive re-enters.
pub(crate) fn failed_state(steps: &[Step]) -> Option<String> {
    steps.iter().rev().find_map(|step| match step {
        Step::Entered(name) => Some(name.clone()),
        _ => None,
    })
}

/// The error and cause the history ends with, if it ended unsuccessfully.
pub(crate) fn ended_with(steps: &[Step]) -> (Option<String>, Option<String>) {
    steps
        .iter()
        .rev()
        .find_map(|step| match step {
            Step::Ended { error, cause } => Some((error.clone(), cause.clone())),
            _ => None,
        })
        .unwrap_or((None, None))
}

/// Everything the CLI reports about an execution, from DescribeExecution and its history.
pub(crate) fn summarize(
    described: &aws_sdk_sfn::operation::describe_execution::DescribeExecutionOutput,
    steps: &[Step],
) -> ExecutionInfo {
    let status = described.status().clone();
    let unsuccessful = !matches!(
        status,
        ExecutionStatus::Running | ExecutionStatus::Succeeded
    );
    let state = latest_state(steps);
    let (history_error, history_cause) = ended_with(steps);
    let error = described.error().map(str::to_owned).or(history_error);
    let cause = described.cause().map(str::to_owned).or(history_cause);
    ExecutionInfo {
        name: described.name().unwrap_or_default().to_owned(),
        execution_arn: described.execution_arn().to_owned(),
        status: status.as_str().to_owned(),
        started: format_time(described.start_date()),
        stopped: described.stop_date().map(format_time),
        snapshot_arn: described
            .input()
            .and_then(snapshot_from_input)
            .or_else(|| state.as_ref()?.job.as_ref().map(|j| j.snapshot_arn.clone())),
        export_task_id: state.as_ref().and_then(export_id_of),
        failed_state: if unsuccessful {
            failed_state(steps)
        } else {
            None
        },
        error: if unsuccessful { error } else { None },
        cause: if unsuccessful { cause } else { None },
        redrive_count: described.redrive_count().unwrap_or(0),
        redrive_status: described.redrive_status().map(|s| s.as_str().to_owned()),
        stopped_epoch: described.stop_date().map(|d| d.secs()),
    }
}

/// ListExecutions, every page, newest first, only those started at or after `since`.
pub(crate) async fn list_executions(
    sfn: &aws_sdk_sfn::Client,
    state_machine_arn: &str,
    status: Option<ExecutionStatus>,
    since: i64,
) -> Result<Vec<ExecutionListItem>, CliError> {
    let mut items = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = sfn
            .list_executions()
            .state_machine_arn(state_machine_arn)
            .set_status_filter(status.clone())
            .set_next_token(token.take())
            .max_results(100)
            .send()
            .await
            .map_err(|e| match e.as_service_error() {
                Some(s) if s.is_state_machine_does_not_exist() => CliError::NotFound {
                    what: "state machine",
                    name: state_machine_arn.to_owned(),
                    code: "StateMachineDoesNotExist".to_owned(),
                },
                _ => CliError::aws("ListExecutions", &e),
            })?;
        let mut older_seen = false;
        for item in page.executions() {
            if item.start_date().secs() >= since {
                items.push(item.clone());
            } else {
                older_seen = true;
            }
        }
        // Pages come newest first: once one reaches past `since`, the rest is older.
        match page.next_token() {
            Some(next) if !older_seen => token = Some(next.to_owned()),
            _ => break,
        }
    }
    Ok(items)
}

/// DescribeExecution, with a missing execution reported as such.
pub(crate) async fn describe(
    sfn: &aws_sdk_sfn::Client,
    execution_arn: &str,
) -> Result<aws_sdk_sfn::operation::describe_execution::DescribeExecutionOutput, CliError> {
    sfn.describe_execution()
        .execution_arn(execution_arn)
        .send()
        .await
        .map_err(|e| match e.as_service_error() {
            // moto answers StateMachineDoesNotExist when the machine part is unknown.
            Some(s)
                if s.is_execution_does_not_exist()
                    || code_of(&e) == Some("StateMachineDoesNotExist") =>
            {
                CliError::NotFound {
                    what: "execution",
                    name: execution_arn.to_owned(),
                    code: "ExecutionDoesNotExist".to_owned(),
                }
            }
            _ => CliError::aws("DescribeExecution", &e),
        })
}

/// DescribeExecution of an execution that may not exist: `None` when it does not (the
/// name `start` or `--rerun` is about to use).
pub(crate) async fn find(
    sfn: &aws_sdk_sfn::Client,
    execution_arn: &str,
) -> Result<Option<aws_sdk_sfn::operation::describe_execution::DescribeExecutionOutput>, CliError> {
    match describe(sfn, execution_arn).await {
        Ok(found) => Ok(Some(found)),
        Err(CliError::NotFound {
            what: "execution", ..
        }) => Ok(None),
        Err(other) => Err(other),
    }
}

/// GetExecutionHistory, every page, reduced to [`Step`]s in order.
pub(crate) async fn history(
    sfn: &aws_sdk_sfn::Client,
    execution_arn: &str,
) -> Result<Vec<Step>, CliError> {
    let mut steps = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = sfn
            .get_execution_history()
            .execution_arn(execution_arn)
            .include_execution_data(true)
            .max_results(1000)
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| CliError::aws("GetExecutionHistory", &e))?;
        steps.extend(page.events().iter().filter_map(Step::from_event));
        match page.next_token() {
            Some(next) => token = Some(next.to_owned()),
            None => break,
        }
    }
    Ok(steps)
}

/// Describe + history + summary of one execution.
pub(crate) async fn inspect(
    sfn: &aws_sdk_sfn::Client,
    execution_arn: &str,
) -> Result<ExecutionInfo, CliError> {
    let described = describe(sfn, execution_arn).await?;
    let steps = history(sfn, execution_arn).await?;
    Ok(summarize(&described, &steps))
}

#[cfg(test)]
mod tests;

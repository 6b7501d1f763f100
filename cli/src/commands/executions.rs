//! `executions`: the state machine's executions within `--since`, each with its snapshot,
//! export id, failed state, error and cause, and whether it can be redriven
//! (DescribeExecution's redriveCount and redriveStatus + GetExecutionHistory).

use aws_sdk_sfn::types::ExecutionStatus;
use serde::Serialize;

use crate::args::{ExecutionsArgs, StatusFilter};
use crate::aws::{Clients, now_epoch};
use crate::commands::inspect::{ExecutionInfo, inspect, list_executions};
use crate::error::CliError;
use crate::names::{StateMachineArn, parse_age};
use crate::output::{Report, Table, or_none};

/// The executions found.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ExecutionsReport {
    /// Newest first.
    pub(crate) executions: Vec<ExecutionInfo>,
}

impl Report for ExecutionsReport {
    fn table(&self) -> String {
        if self.executions.is_empty() {
            return "no executions\n".to_owned();
        }
        let mut table = Table::new(&[
            "NAME",
            "STATUS",
            "STARTED",
            "SNAPSHOT",
            "EXPORT ID",
            "FAILED STATE",
            "ERROR",
            "REDRIVE",
            "CAUSE",
        ]);
        for e in &self.executions {
            table.row(vec![
                e.name.clone(),
                e.status.clone(),
                e.started.clone(),
                or_none(e.snapshot_arn.as_deref()),
                or_none(e.export_task_id.as_deref()),
                or_none(e.failed_state.as_deref()),
                or_none(e.error.as_deref()),
                redrive_cell(e),
                or_none(e.cause.as_deref()),
            ]);
        }
        table.render()
    }
}

/// `REDRIVABLE (2 redrives)`, `NOT_REDRIVABLE`, or `-` when nothing failed.
fn redrive_cell(e: &ExecutionInfo) -> String {
    match (e.redrive_status.as_deref(), e.redrive_count) {
        (None, 0) => "-".to_owned(),
        (None, n) => format!("({n} redrives)"),
        (Some(status), 0) => status.to_owned(),
        (Some(status), n) => format!("{status} ({n} redrives)"),
    }
}

/// The SDK status for a filter.
pub(crate) fn sdk_status(filter: StatusFilter) -> ExecutionStatus {
    match filter {
        StatusFilter::Failed => ExecutionStatus::Failed,
        StatusFilter::Running => ExecutionStatus::Running,
        StatusFilter::Succeeded => ExecutionStatus::Succeeded,
        StatusFilter::TimedOut => ExecutionStatus::TimedOut,
        StatusFilter::Aborted => ExecutionStatus::Aborted,
    }
}

/// Lists and inspects the executions.
pub(crate) async fn run(
    clients: &Clients,
    args: &ExecutionsArgs,
) -> Result<ExecutionsReport, CliError> {
    let machine = StateMachineArn::parse(&args.machine.state_machine_arn)?;
    let since = now_epoch() - parse_age("--since", &args.since)?;
    let items = list_executions(
        &clients.sfn,
        &machine.arn,
        args.status.map(sdk_status),
        since,
    )
    .await?;
    let mut executions = Vec::with_capacity(items.len());
    for item in &items {
        executions.push(inspect(&clients.sfn, item.execution_arn()).await?);
    }
    Ok(ExecutionsReport { executions })
}

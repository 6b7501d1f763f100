//! `start`: StartExecution with the manual input and a name derived from the snapshot, so
//! starting the same snapshot twice reports the first execution instead of a second one.

use aws_sdk_sfn::error::SdkError;
use aws_sdk_sfn::operation::start_execution::{StartExecutionError, StartExecutionOutput};
use contract::ManualInput;
use serde::Serialize;

use crate::args::StartArgs;
use crate::aws::{Clients, format_time};
use crate::commands::inspect::{describe, find};
use crate::error::CliError;
use crate::names::{SnapshotArn, StateMachineArn, start_execution_name};
use crate::output::{Report, Table};

/// What `start` did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct StartReport {
    /// True when this call started the execution; false when it already existed.
    pub(crate) created: bool,
    /// The execution's name.
    pub(crate) name: String,
    /// Its ARN.
    pub(crate) execution_arn: String,
    /// Its status.
    pub(crate) status: String,
    /// When it started.
    pub(crate) started: String,
    /// The snapshot.
    pub(crate) snapshot_arn: String,
    /// What to do next, when there is something to say.
    pub(crate) note: Option<String>,
}

impl Report for StartReport {
    fn table(&self) -> String {
        let mut table = Table::new(&["RESULT", "NAME", "STATUS", "STARTED", "EXECUTION ARN"]);
        table.row(vec![
            if self.created { "started" } else { "exists" }.into(),
            self.name.clone(),
            self.status.clone(),
            self.started.clone(),
            self.execution_arn.clone(),
        ]);
        let mut text = table.render();
        if let Some(note) = &self.note {
            text.push_str(&format!("note: {note}\n"));
        }
        text
    }
}

/// The input `start` sends: ExportOnly sorted and without duplicates, so the same
/// snapshot and list always make the same input (Step Functions only treats a second
/// StartExecution as idempotent when name and input are identical).
pub(crate) fn manual_input(snapshot_arn: &str, export_only: &[String]) -> ManualInput {
    let mut export_only = export_only.to_vec();
    export_only.sort_unstable();
    export_only.dedup();
    ManualInput {
        snapshot_arn: snapshot_arn.to_owned(),
        export_only,
    }
}

/// Starts (or finds) the execution for the snapshot.
pub(crate) async fn run(clients: &Clients, args: &StartArgs) -> Result<StartReport, CliError> {
    let machine = StateMachineArn::parse(&args.machine.state_machine_arn)?;
    let snapshot = SnapshotArn::parse(&args.snapshot_arn)?;
    for name in &args.export_only {
        if name.is_empty() || name.split('.').count() > 3 || name.split('.').any(str::is_empty) {
            return Err(CliError::invalid(
                "--export-only",
                name,
                "a database, database.schema or database.schema.table",
            ));
        }
    }
    let name = start_execution_name(&snapshot, &args.export_only);
    let execution_arn = machine.execution_arn(&name);
    let input =
        serde_json::to_string(&manual_input(&snapshot.arn, &args.export_only)).map_err(|e| {
            CliError::UnexpectedExecution {
                arn: execution_arn.clone(),
                reason: format!("cannot serialize the input: {e}"),
            }
        })?;

    // Look first: a finished execution of the same name would make StartExecution fail,
    // and a running one would be returned as if new.
    if find(&clients.sfn, &execution_arn).await?.is_some() {
        return existing(clients, &execution_arn, &snapshot.arn).await;
    }
    match start_execution(&clients.sfn, &machine.arn, &name, &input).await {
        Ok(out) => Ok(StartReport {
            created: true,
            name,
            execution_arn: out.execution_arn().to_owned(),
            status: "RUNNING".into(),
            started: format_time(out.start_date()),
            snapshot_arn: snapshot.arn,
            note: None,
        }),
        Err(e) => match e.as_service_error() {
            // Someone started it between our look and our start.
            Some(s) if s.is_execution_already_exists() => {
                existing(clients, &execution_arn, &snapshot.arn).await
            }
            Some(s) if s.is_state_machine_does_not_exist() => Err(CliError::NotFound {
                what: "state machine",
                name: machine.arn,
                code: "StateMachineDoesNotExist".into(),
            }),
            _ => Err(CliError::aws("StartExecution", &e)),
        },
    }
}

/// StartExecution of the execution `name` of `machine_arn` with `input` (`start`, and
/// `redrive --rerun`); the callers tell its errors apart.
pub(crate) async fn start_execution(
    sfn: &aws_sdk_sfn::Client,
    machine_arn: &str,
    name: &str,
    input: &str,
) -> Result<StartExecutionOutput, SdkError<StartExecutionError>> {
    sfn.start_execution()
        .state_machine_arn(machine_arn)
        .name(name)
        .input(input)
        .send()
        .await
}

/// The report for an execution that already exists.
async fn existing(
    clients: &Clients,
    execution_arn: &str,
    snapshot_arn: &str,
) -> Result<StartReport, CliError> {
    let found = describe(&clients.sfn, execution_arn).await?;
    let status = found.status().as_str().to_owned();
    let note = if status == "RUNNING" {
        "an export of this snapshot is already running; nothing new was started".to_owned()
    } else {
        format!(
            "this snapshot was already exported by this execution ({status}); execution names \
             are unique for 90 days: run it again with `snapshot-export redrive --rerun {execution_arn}`"
        )
    };
    Ok(StartReport {
        created: false,
        name: found.name().unwrap_or_default().to_owned(),
        execution_arn: execution_arn.to_owned(),
        status,
        started: format_time(found.start_date()),
        snapshot_arn: snapshot_arn.to_owned(),
        note: Some(note),
    })
}

//! WaitForExportEvent (`[export] events = true`): the export wait as a callback.
//!
//! Stores the execution's task token in the export-waits table ([`crate::export_waits`]),
//! *then* checks the export once: an export that ended before the token was stored (its
//! event found nothing to wake) is seen here, and the token is sent back at once.
//! Otherwise the execution waits until `export-events` sends the token, or the Task's
//! timeout (the fallback interval) sends it to CheckExport.

use contract::functions::{self, Function};
use contract::{ExportState, WaitForExportInput};

use crate::aws::Aws;
use crate::config::{Env, ExportWaitsConfig};
use crate::error::TaskError;
use crate::export_waits::{WaitStore, Waiting, load_clients, send_success};
use crate::handlers::check_export::check_export;
use crate::runtime::{Handler, Invocation};

/// How long an item outlives its wait's fallback interval before the TTL removes it.
const ITEM_TTL_SLACK_SECONDS: i64 = 86_400;

/// WaitForExportEvent: store the token, check once, send it back at once when the export
/// has ended. Returns the observed state (Step Functions ignores a callback function's
/// result; the token carries the output).
pub(crate) async fn wait_for_export(
    store: &WaitStore,
    rds: &aws_sdk_rds::Client,
    sfn: &aws_sdk_sfn::Client,
    input: WaitForExportInput,
    now: i64,
) -> Result<ExportState, TaskError> {
    let request = input.check_input();
    let waiting = Waiting {
        snapshot_arn: input.job.snapshot_arn.clone(),
        execution_id: input.execution_id.clone(),
        task_token: input.task_token.clone(),
        export_task_id: input.export.export_task_id.clone(),
        request: request.clone(),
    };
    let expires_at = now
        .saturating_add(i64::from(input.export.next_poll_seconds))
        .saturating_add(ITEM_TTL_SLACK_SECONDS);
    store.put(&waiting, expires_at).await?;
    // Checked after the token is stored: an event that came before is not lost.
    let state = check_export(rds, request, now).await?;
    if state.status.is_terminal() {
        let sent = send_success(sfn, &waiting.task_token, &state).await?;
        tracing::info!(
            status = state.status.as_str(),
            ?sent,
            "the export had already ended: token sent back at once"
        );
        store.remove(&waiting).await?;
    } else {
        tracing::info!(
            status = state.status.as_str(),
            fallback_seconds = input.export.next_poll_seconds,
            "waiting for the export's event"
        );
    }
    Ok(state)
}

/// The `wait-for-export` function.
#[derive(Debug)]
pub struct WaitForExportHandler {
    aws: Aws,
    store: WaitStore,
}

impl Handler for WaitForExportHandler {
    const FUNCTION: &'static Function = &functions::WAIT_FOR_EXPORT;
    type Config = ExportWaitsConfig;
    type Input = WaitForExportInput;
    type Output = ExportState;

    fn config(env: &Env) -> Result<ExportWaitsConfig, TaskError> {
        ExportWaitsConfig::from_env(env)
    }

    async fn init(cfg: ExportWaitsConfig) -> Self {
        let (aws, store) = load_clients(cfg).await;
        Self { aws, store }
    }

    fn export_id(input: &WaitForExportInput) -> Option<String> {
        Some(input.export.export_task_id.clone())
    }

    async fn handle(
        &self,
        input: WaitForExportInput,
        invocation: Invocation,
    ) -> Result<ExportState, TaskError> {
        let source = self.aws.source_of(&input.job.snapshot_arn).await?;
        let clients = self.aws.prod_for(&source, &input.job.export_task_id).await;
        wait_for_export(
            &self.store,
            &clients.rds,
            &self.aws.sfn,
            input,
            invocation.now,
        )
        .await
    }
}

//! `status`: the running executions with their export's status and progress
//! (DescribeExportTasks by the export id found in the execution's state), plus a Glue
//! crawler's state; `--watch` redraws it every `--interval` seconds until Ctrl-C.
//! `--execution` shows one execution's verification (`verification`), `--slots-table`
//! the export-slot queue of every prod account (`slots`).

mod slots;
mod verification;

use std::time::Duration;

use aws_sdk_rds::types::{ExportTask, Filter};
use aws_sdk_sfn::types::ExecutionStatus;
use contract::{ExportStatus, MAX_EXPORT_ATTEMPTS};
use serde::Serialize;

use crate::args::StatusArgs;
use crate::aws::{Clients, format_time, now_epoch};
use crate::commands::inspect::{
    Step, describe, export_id_of, history, latest_state, list_executions, snapshot_from_input,
};
use crate::error::{CliError, code_of};
use crate::output::{Report, Table, or_none, progress_bar};
use slots::AccountSlots;
use verification::ExecutionVerification;

/// One running execution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct RunningExecution {
    /// The execution's name.
    pub(crate) name: String,
    /// Its ARN.
    pub(crate) execution_arn: String,
    /// When it started.
    pub(crate) started: String,
    /// The state it is in (last entered).
    pub(crate) state: Option<String>,
    /// The snapshot.
    pub(crate) snapshot_arn: Option<String>,
    /// The export task (current attempt).
    pub(crate) export_task_id: Option<String>,
    /// The export's status as RDS reports it (upper case).
    pub(crate) export_status: Option<String>,
    /// PercentProgress.
    pub(crate) percent: Option<u8>,
    /// TotalExtractedDataInGB.
    pub(crate) extracted_gb: Option<i32>,
    /// Copy delivery: objects copied into the analytics bucket so far (already-present
    /// copies included), from the execution's `$.copy`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) objects_copied: Option<u64>,
    /// Copy delivery: bytes copied so far.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) bytes_copied: Option<u64>,
}

/// A Glue crawler's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct CrawlerStatus {
    /// The crawler's name.
    pub(crate) name: String,
    /// READY, RUNNING or STOPPING.
    pub(crate) state: Option<String>,
    /// The last crawl's status (SUCCEEDED, FAILED, CANCELLED).
    pub(crate) last_crawl: Option<String>,
    /// The last crawl's error message.
    pub(crate) last_error: Option<String>,
}

/// The status at one moment.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct StatusReport {
    /// Running executions, newest first (none listed without a state machine).
    pub(crate) running: Vec<RunningExecution>,
    /// The crawler, when `--crawler` was given.
    pub(crate) crawler: Option<CrawlerStatus>,
    /// The execution's verification, with `--execution`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) verification: Option<ExecutionVerification>,
    /// The export-slot queues, with `--slots-table`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) slots: Option<Vec<AccountSlots>>,
    /// Whether the running executions were listed (a state machine was given).
    #[serde(skip)]
    pub(crate) listed: bool,
}

impl Report for StatusReport {
    fn table(&self) -> String {
        let mut text = if !self.listed {
            String::new()
        } else if self.running.is_empty() {
            "no running executions\n".to_owned()
        } else {
            // Copy delivery: a COPIED column once an execution has copied objects.
            let copying = self.running.iter().any(|r| r.objects_copied.is_some());
            let headers: &[&'static str] = &[
                "NAME",
                "STARTED",
                "STATE",
                "EXPORT ID",
                "EXPORT",
                "PROGRESS",
                "COPIED",
            ];
            let mut table = Table::new(&headers[..if copying { 7 } else { 6 }]);
            for r in &self.running {
                let mut row = vec![
                    r.name.clone(),
                    r.started.clone(),
                    or_none(r.state.as_deref()),
                    or_none(r.export_task_id.as_deref()),
                    or_none(r.export_status.as_deref()),
                    r.percent.map_or_else(|| "-".to_owned(), progress_bar),
                ];
                if copying {
                    row.push(r.objects_copied.map_or_else(
                        || "-".to_owned(),
                        |n| format!("{n} obj, {}", human_bytes(r.bytes_copied.unwrap_or(0))),
                    ));
                }
                table.row(row);
            }
            table.render()
        };
        if let Some(c) = &self.crawler {
            text.push_str(&format!(
                "crawler {}: {} (last crawl: {}{})\n",
                c.name,
                c.state.as_deref().unwrap_or("unknown"),
                c.last_crawl.as_deref().unwrap_or("none"),
                c.last_error
                    .as_deref()
                    .map(|e| format!(": {e}"))
                    .unwrap_or_default()
            ));
        }
        if let Some(v) = &self.verification {
            text.push_str(&v.text());
        }
        if let Some(queues) = &self.slots {
            text.push_str(&slots_text(queues));
        }
        text
    }
}

/// The export-slot queues as text: one line per account and Region, then its holders and
/// its waiters in queue order.
pub(crate) fn slots_text(queues: &[AccountSlots]) -> String {
    if queues.is_empty() {
        return "export slots: no ledger yet (no export has taken a slot)\n".to_owned();
    }
    let mut text = String::new();
    for q in queues {
        text.push_str(&format!(
            "export slots {} {}: {}/{} in use ({} external), {} waiting\n",
            q.account,
            q.region,
            q.in_use,
            q.capacity,
            q.external,
            q.waiting.len()
        ));
        for h in &q.holders {
            text.push_str(&format!(
                "  holder  {}  {}  since {}\n",
                h.snapshot_arn,
                h.execution_id,
                format_time(&aws_smithy_types::DateTime::from_secs(h.since))
            ));
        }
        for w in &q.waiting {
            text.push_str(&format!(
                "  #{:<3}    {}  {}  waiting since {}\n",
                w.position,
                w.snapshot_arn,
                w.execution_id,
                format_time(&aws_smithy_types::DateTime::from_millis(w.enqueued_at))
            ));
        }
    }
    text
}

/// Prints the status once, or redraws it until Ctrl-C with `--watch`.
pub(crate) async fn run(clients: &Clients, args: &StatusArgs, json: bool) -> Result<(), CliError> {
    if !args.watch {
        return crate::output::print(&gather(clients, args).await?, json);
    }
    loop {
        let report = gather(clients, args).await?;
        if json {
            // One JSON document per line, for a script reading the stream.
            println!("{}", serde_json::to_string(&report).unwrap_or_default());
        } else {
            // Clear the screen and go home, then draw.
            print!(
                "\x1b[2J\x1b[H{}\nupdated {}; every {}s, Ctrl-C to stop\n",
                report.table(),
                format_time(&aws_smithy_types::DateTime::from_secs(now_epoch())),
                args.interval
            );
        }
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs(args.interval)) => {}
            _ = tokio::signal::ctrl_c() => return Ok(()),
        }
    }
}

/// The status now.
pub(crate) async fn gather(clients: &Clients, args: &StatusArgs) -> Result<StatusReport, CliError> {
    let items = match &args.state_machine_arn {
        Some(arn) => {
            let machine = crate::names::StateMachineArn::parse(arn)?;
            list_executions(
                &clients.sfn,
                &machine.arn,
                Some(ExecutionStatus::Running),
                0,
            )
            .await?
        }
        None => Vec::new(),
    };
    let mut running = Vec::with_capacity(items.len());
    for item in &items {
        let described = describe(&clients.sfn, item.execution_arn()).await?;
        let steps = history(&clients.sfn, item.execution_arn()).await?;
        let state = latest_state(&steps);
        let snapshot_arn = described.input().and_then(snapshot_from_input);
        let export = match state
            .as_ref()
            .and_then(|s| export_id_of(s).map(|id| (id, s.export.is_some())))
        {
            Some((id, is_attempt)) => find_export(&clients.rds, &id, is_attempt).await?,
            None => None,
        };
        running.push(RunningExecution {
            name: item.name().to_owned(),
            execution_arn: item.execution_arn().to_owned(),
            started: format_time(item.start_date()),
            state: steps.iter().rev().find_map(|s| match s {
                Step::Entered(name) => Some(name.clone()),
                _ => None,
            }),
            snapshot_arn,
            export_task_id: export
                .as_ref()
                .and_then(|t| t.export_task_identifier().map(str::to_owned))
                .or_else(|| state.as_ref().and_then(export_id_of)),
            export_status: export
                .as_ref()
                .and_then(|t| t.status())
                .map(|s| s.to_ascii_uppercase()),
            percent: export
                .as_ref()
                .and_then(ExportTask::percent_progress)
                .map(|p| u8::try_from(p.clamp(0, 100)).unwrap_or(0)),
            extracted_gb: export
                .as_ref()
                .and_then(ExportTask::total_extracted_data_in_gb),
            objects_copied: state
                .as_ref()
                .and_then(|s| s.copy.as_ref())
                .map(|c| c.copied + c.already_copied),
            bytes_copied: state
                .as_ref()
                .and_then(|s| s.copy.as_ref())
                .map(|c| c.bytes_copied),
        });
    }
    let crawler = match &args.crawler {
        Some(name) => Some(crawler_status(&clients.glue, name).await?),
        None => None,
    };
    let verification = match &args.execution {
        Some(arn) => Some(verification::gather(&clients.sfn, &clients.s3, arn, args.tables).await?),
        None => None,
    };
    let slots = match &args.slots_table {
        Some(table) => Some(slots::read(&clients.dynamodb, table).await?),
        None => None,
    };
    Ok(StatusReport {
        running,
        crawler,
        verification,
        slots,
        listed: args.state_machine_arn.is_some(),
    })
}

/// The export task `id`. For a base id (`is_attempt` false: the state only has the job),
/// later attempts `-r2`, `-r3`, ... are followed while the previous one ended FAILED or
/// CANCELED, as StartExport does. `None` when RDS does not know the task (yet).
pub(crate) async fn find_export(
    rds: &aws_sdk_rds::Client,
    id: &str,
    is_attempt: bool,
) -> Result<Option<ExportTask>, CliError> {
    let Some(mut task) = describe_export(rds, id).await? else {
        return Ok(None);
    };
    if is_attempt {
        return Ok(Some(task));
    }
    for attempt in 2..=MAX_EXPORT_ATTEMPTS {
        let ended_badly = task
            .status()
            .and_then(ExportStatus::parse)
            .is_some_and(|s| matches!(s, ExportStatus::Failed | ExportStatus::Canceled));
        if !ended_badly {
            break;
        }
        match describe_export(rds, &format!("{id}-r{attempt}")).await? {
            Some(next) => task = next,
            None => break,
        }
    }
    Ok(Some(task))
}

/// DescribeExportTasks with the export-task-identifier filter; only an exact match counts
/// (moto ignores the filter and answers every task).
async fn describe_export(
    rds: &aws_sdk_rds::Client,
    id: &str,
) -> Result<Option<ExportTask>, CliError> {
    let answer = rds
        .describe_export_tasks()
        .filters(
            Filter::builder()
                .name("export-task-identifier")
                .values(id)
                .build(),
        )
        .send()
        .await;
    match answer {
        Ok(out) => Ok(out
            .export_tasks()
            .iter()
            .find(|t| t.export_task_identifier() == Some(id))
            .cloned()),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_export_task_not_found_fault())
                || code_of(&e).is_some_and(|c| c.starts_with("ExportTaskNotFound")) =>
        {
            Ok(None)
        }
        Err(e) => Err(CliError::aws("DescribeExportTasks", &e)),
    }
}

/// GetCrawler.
async fn crawler_status(
    glue: &aws_sdk_glue::Client,
    name: &str,
) -> Result<CrawlerStatus, CliError> {
    let out = glue.get_crawler().name(name).send().await.map_err(|e| {
        if e.as_service_error()
            .is_some_and(|s| s.is_entity_not_found_exception())
        {
            CliError::NotFound {
                what: "crawler",
                name: name.to_owned(),
                code: "EntityNotFoundException".into(),
            }
        } else {
            CliError::aws("GetCrawler", &e)
        }
    })?;
    let crawler = out.crawler();
    let last = crawler.and_then(|c| c.last_crawl());
    Ok(CrawlerStatus {
        name: name.to_owned(),
        state: crawler
            .and_then(|c| c.state())
            .map(|s| s.as_str().to_owned()),
        last_crawl: last.and_then(|l| l.status()).map(|s| s.as_str().to_owned()),
        last_error: last.and_then(|l| l.error_message()).map(str::to_owned),
    })
}

/// `1536` → `1.5 KiB`.
fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests;

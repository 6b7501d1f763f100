//! `--snapshot ARN`: an end-to-end dry run for one snapshot that stops before
//! StartExportTask. Normalize's part: the ARN parses (the contract's parser), belongs to the
//! prod account and the pipeline's Region, and the prod role finds the snapshot
//! (DescribeDBSnapshots / DescribeDBClusterSnapshots, as Normalize looks it up);
//! StartExport's part: the snapshot is `available`, and the export id the pipeline derives
//! (the contract's) is free or an export StartExport would adopt.

use aws_config::SdkConfig;
use contract::SourceKind;
use contract::export_id::{export_task_id, parse_snapshot_arn};

use super::Check;
use super::events::prod_account;
use super::stack::Stack;
use crate::error::CliError;

/// The check's name.
const NAME: &str = "snapshot";

/// The dry run, as the prod role.
pub(crate) async fn check(prod: Option<&SdkConfig>, stack: &Stack, arn: &str) -> Vec<Check> {
    let parsed = match parse_snapshot_arn(arn) {
        Ok(parsed) => parsed,
        Err(e) => {
            return vec![Check::fail(
                NAME,
                format!("Normalize would refuse the ARN: {e}"),
                arn,
                "pass the snapshot's ARN (aws rds describe-db-snapshots --query 'DBSnapshots[].DBSnapshotArn')",
            )];
        }
    };
    let prod_account = prod_account(stack);
    if parsed.account != prod_account || parsed.region != stack.region {
        return vec![Check::fail(
            NAME,
            format!(
                "the snapshot is in {} {}, the pipeline exports from {prod_account} {}",
                parsed.account, parsed.region, stack.region
            ),
            arn,
            "export snapshots of the prod account in the pipeline's Region (copy the snapshot there first)",
        )];
    }
    let Some(prod) = prod else {
        return vec![Check::skip(
            NAME,
            "the prod role could not be assumed (see prod-role)",
        )];
    };
    lookup(&aws_sdk_rds::Client::new(prod), arn, &parsed).await
}

/// The prod role's part: the snapshot found and available, the export id free or adoptable.
pub(crate) async fn lookup(
    rds: &aws_sdk_rds::Client,
    arn: &str,
    parsed: &contract::export_id::SnapshotArn,
) -> Vec<Check> {
    let (status, permission) = match parsed.kind {
        SourceKind::DbSnapshot => (
            rds.describe_db_snapshots()
                .db_snapshot_identifier(&parsed.snapshot_id)
                .send()
                .await
                .map(|o| {
                    o.db_snapshots()
                        .first()
                        .and_then(|s| s.status().map(str::to_owned))
                })
                .map_err(|e| CliError::aws("DescribeDBSnapshots", &e)),
            "rds:DescribeDBSnapshots",
        ),
        SourceKind::ClusterSnapshot => (
            rds.describe_db_cluster_snapshots()
                .db_cluster_snapshot_identifier(&parsed.snapshot_id)
                .send()
                .await
                .map(|o| {
                    o.db_cluster_snapshots()
                        .first()
                        .and_then(|s| s.status().map(str::to_owned))
                })
                .map_err(|e| CliError::aws("DescribeDBClusterSnapshots", &e)),
            "rds:DescribeDBClusterSnapshots",
        ),
    };
    let status = match status {
        Ok(Some(status)) => status,
        Ok(None) => {
            return vec![
                Check::fail(NAME, "RDS knows no such snapshot", arn, "check the ARN")
                    .permission(permission),
            ];
        }
        Err(e) => {
            return vec![Check::fail(
                NAME,
                format!("the prod role cannot look the snapshot up ({e})"),
                arn,
                "check the ARN; the prod module's cross-account role may describe this account's snapshots",
            )
            .permission(permission)];
        }
    };
    let mut checks = Vec::new();
    if status != "available" {
        checks.push(
            Check::fail(
                NAME,
                format!("the snapshot is {status}, not available: StartExportTask would refuse it"),
                arn,
                "wait until the snapshot is available",
            )
            .permission("snapshot status"),
        );
        return checks;
    }
    let export_id = export_task_id(arn, &parsed.snapshot_id, &[]);
    let existing = rds
        .describe_export_tasks()
        .export_task_identifier(&export_id)
        .send()
        .await;
    let note = match existing {
        Ok(out) => match out
            .export_tasks()
            .iter()
            .find(|t| t.export_task_identifier() == Some(export_id.as_str()))
        {
            Some(task) => format!(
                "; export {export_id} exists ({}): StartExport would adopt it",
                task.status().unwrap_or("unknown status")
            ),
            None => format!("; StartExport would start export {export_id}"),
        },
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_export_task_not_found_fault()) =>
        {
            format!("; StartExport would start export {export_id}")
        }
        Err(e) => {
            checks.push(
                Check::fail(
                    NAME,
                    format!(
                        "the prod role cannot describe export tasks ({})",
                        CliError::aws("DescribeExportTasks", &e)
                    ),
                    arn,
                    "terraform apply the prod module (its cross-account role may rds:DescribeExportTasks)",
                )
                .permission("rds:DescribeExportTasks"),
            );
            return checks;
        }
    };
    checks.push(
        Check::ok(
            NAME,
            format!("available, found as the prod role{note} (stopped before StartExportTask)"),
        )
        .on(arn),
    );
    checks
}

//! Unit tests of `error`.

use super::*;
use std::collections::BTreeSet;

/// One value of every variant: the test below fails when a variant is added without
/// being listed here, because the `match` in `all_variants_listed` stops compiling.
fn one_of_each() -> Vec<TaskError> {
    let s = || "x".to_owned();
    vec![
        TaskError::InvalidInput(s()),
        TaskError::InvalidConfig(s()),
        TaskError::Throttled {
            operation: s(),
            code: s(),
            message: s(),
        },
        TaskError::TransientAws {
            operation: s(),
            detail: s(),
        },
        TaskError::Aws {
            operation: s(),
            code: s(),
            message: s(),
        },
        TaskError::ExportQuotaReached(s()),
        TaskError::SnapshotNotAvailable(s()),
        TaskError::SnapshotNotFound(s()),
        TaskError::ExportPermissionDenied(s()),
        TaskError::ExportRejected(s()),
        TaskError::ExportNotFound(s()),
        TaskError::ExportWaitTimedOut(s()),
        TaskError::ExportFailed(s()),
        TaskError::ExportCanceled(s()),
        TaskError::ExportAttemptsExhausted(s()),
        TaskError::AclAccessDenied(s()),
        TaskError::AclRewriteIncomplete(s()),
        TaskError::CrawlerNotFound(s()),
        TaskError::CrawlWaitTimedOut(s()),
        TaskError::CrawlFailed(s()),
        TaskError::CrawlCancelled(s()),
        TaskError::CopySourceDenied(s()),
        TaskError::CopyDestinationDenied(s()),
        TaskError::CopyIncomplete(s()),
        TaskError::ParquetUnreadable(s()),
        TaskError::ExportPartial(s()),
        TaskError::CatalogAccessDenied(s()),
        TaskError::NotifyFailed(s()),
        TaskError::ExportWaitStoreFailed(s()),
        TaskError::TaskTokenSendFailed(s()),
        TaskError::SourceAccountNotConfigured(s()),
        TaskError::ExportSlotStoreFailed(s()),
    ]
}

#[test]
fn all_variants_listed() {
    // Exhaustive match: adding a variant breaks this until `one_of_each` covers it.
    let count = one_of_each()
        .iter()
        .map(|e| match e {
            TaskError::InvalidInput(_)
            | TaskError::InvalidConfig(_)
            | TaskError::Throttled { .. }
            | TaskError::TransientAws { .. }
            | TaskError::Aws { .. }
            | TaskError::ExportQuotaReached(_)
            | TaskError::SnapshotNotAvailable(_)
            | TaskError::SnapshotNotFound(_)
            | TaskError::ExportPermissionDenied(_)
            | TaskError::ExportRejected(_)
            | TaskError::ExportNotFound(_)
            | TaskError::ExportWaitTimedOut(_)
            | TaskError::ExportFailed(_)
            | TaskError::ExportCanceled(_)
            | TaskError::ExportAttemptsExhausted(_)
            | TaskError::AclAccessDenied(_)
            | TaskError::AclRewriteIncomplete(_)
            | TaskError::CrawlerNotFound(_)
            | TaskError::CrawlWaitTimedOut(_)
            | TaskError::CrawlFailed(_)
            | TaskError::CrawlCancelled(_)
            | TaskError::CopySourceDenied(_)
            | TaskError::CopyDestinationDenied(_)
            | TaskError::CopyIncomplete(_)
            | TaskError::ParquetUnreadable(_)
            | TaskError::ExportPartial(_)
            | TaskError::CatalogAccessDenied(_)
            | TaskError::NotifyFailed(_)
            | TaskError::ExportWaitStoreFailed(_)
            | TaskError::TaskTokenSendFailed(_)
            | TaskError::SourceAccountNotConfigured(_) => 1,
            TaskError::ExportSlotStoreFailed(_) => 1,
        })
        .sum::<usize>();
    assert_eq!(count, 32);
}

#[test]
fn names_are_contract_names_each_used_once() {
    let names: Vec<&str> = one_of_each().iter().map(TaskError::name).collect();
    let unique: BTreeSet<&str> = names.iter().copied().collect();
    assert_eq!(
        unique.len(),
        names.len(),
        "two variants share a name: {names:?}"
    );
    let all: BTreeSet<&str> = errors::ALL.into_iter().collect();
    assert!(
        unique.is_subset(&all),
        "names outside the contract: {:?}",
        unique.difference(&all)
    );
    // Every contract name is some handler's: the graph builds none of its own (a task
    // error fails the execution at the task that raised it).
    assert_eq!(unique, all);
}

#[test]
fn diagnostic_carries_name_and_message() {
    let d = Diagnostic::from(TaskError::ExportPermissionDenied(
        "role arn:aws:iam::1:role/x lacks s3:PutObject".into(),
    ));
    assert_eq!(d.error_type, "ExportPermissionDenied");
    assert!(d.error_message.contains("s3:PutObject"));
    let d = Diagnostic::from(TaskError::Throttled {
        operation: "rds:DescribeExportTasks".into(),
        code: "Throttling".into(),
        message: "Rate exceeded".into(),
    });
    assert_eq!(d.error_type, "Throttled");
    assert_eq!(
        d.error_message,
        "rds:DescribeExportTasks was throttled (Throttling): Rate exceeded"
    );
}

#[test]
fn retryable_matches_the_graph_retriers() {
    for e in one_of_each() {
        let expected = matches!(
            e.name(),
            "Throttled"
                | "TransientAwsError"
                | "AclRewriteIncomplete"
                | "CopyIncomplete"
                | "ExportQuotaReached"
                | "SnapshotNotAvailable"
        );
        assert_eq!(e.is_retryable(), expected, "{}", e.name());
    }
}

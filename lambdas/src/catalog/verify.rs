//! The verdict, from what discovery found: which tables were skipped (RDS's WarningMessage),
//! failed (`export_tables_info`) or disappeared (the previous export of the same source had
//! them, this one has no trace of them), and which row counts dropped. Pure functions: the
//! verdict is known before any footer is read.

use std::collections::BTreeSet;

use contract::{Problem, ProblemKind, Verdict};

use crate::catalog::discover::{Discovery, glue_table_name};
use crate::catalog::report::{TableReport, TableStatus};

/// A latest table the previous export of this source wrote (from its Glue parameters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PreviousTable {
    /// The Glue table.
    pub name: String,
    /// `snapshot_export.target`.
    pub target: String,
    /// `snapshot_export.export_id`.
    pub export_id: String,
}

/// True when `text` names `target` as a whole word (not `orders` inside `orders_archive`).
pub(crate) fn mentions(text: &str, target: &str) -> bool {
    let word = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
    text.match_indices(target).any(|(i, m)| {
        let before = text[..i].chars().next_back();
        let after = text[i + m.len()..].chars().next();
        !before.is_some_and(word) && !after.is_some_and(word)
    })
}

/// Tables left out after discovery, and the problems that make the verdict.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Verification {
    /// Skipped, failed and disappeared tables (report lines), in discovery order.
    pub left_out: Vec<TableReport>,
    /// Problems not tied to a table: warnings naming none, warnings not kept.
    pub general: Vec<Problem>,
}

impl Verification {
    /// The targets not to catalog.
    pub(crate) fn targets(&self) -> BTreeSet<String> {
        self.left_out.iter().map(|t| t.target.clone()).collect()
    }

    /// Tables with `status`.
    pub(crate) fn count(&self, status: &TableStatus) -> u32 {
        let n = self.left_out.iter().filter(|t| t.status == *status).count();
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    /// COMPLETE when nothing was left out and every warning was attributed and kept.
    pub(crate) fn verdict(&self) -> Verdict {
        if self.left_out.is_empty() && self.general.is_empty() {
            Verdict::Complete
        } else {
            Verdict::Partial
        }
    }

    /// Every problem, tables first (for the sample and the ExportPartial cause).
    pub(crate) fn problems(&self) -> impl Iterator<Item = Problem> + '_ {
        self.left_out
            .iter()
            .map(|t| Problem {
                target: t.target.clone(),
                kind: match t.status {
                    TableStatus::Failed => ProblemKind::Failed,
                    TableStatus::Disappeared => ProblemKind::Disappeared,
                    TableStatus::Empty => ProblemKind::Empty,
                    TableStatus::Skipped | TableStatus::Exported => ProblemKind::Skipped,
                },
                reason: t.reason.clone().unwrap_or_default(),
            })
            .chain(self.general.iter().cloned())
    }
}

fn not_complete(status: &str) -> bool {
    !status.is_empty() && !status.eq_ignore_ascii_case("COMPLETE")
}

/// Classifies the discovered tables: failed (a status other than COMPLETE, with a folder
/// or not), skipped (a folder or an info entry a warning names), warnings naming no table,
/// and warnings RDS gave beyond those kept (`warnings_total`).
pub(crate) fn classify(
    discovery: &Discovery,
    warnings: &[String],
    warnings_total: u32,
) -> Verification {
    let mut v = Verification::default();
    let mut seen = BTreeSet::new();
    let targets: BTreeSet<String> = discovery
        .tables
        .iter()
        .map(|f| f.target())
        .chain(discovery.info.keys().cloned())
        .collect();
    for target in &targets {
        let info = discovery.info.get(target);
        let line = if let Some(info) = info.filter(|i| not_complete(&i.status)) {
            Some((
                TableStatus::Failed,
                format!("export status {}", info.status),
            ))
        } else {
            warnings
                .iter()
                .find(|w| mentions(w, target))
                .map(|w| (TableStatus::Skipped, format!("skipped by RDS: {w}")))
        };
        if let Some((status, reason)) = line {
            seen.insert(target.clone());
            v.left_out.push(TableReport::left_out(
                target.clone(),
                glue_table_name(target),
                status,
                reason,
            ));
        }
    }
    for w in warnings {
        if !targets.iter().any(|t| mentions(w, t)) {
            v.general.push(Problem {
                target: String::new(),
                kind: ProblemKind::Skipped,
                reason: format!("RDS warning naming no exported table: {w}"),
            });
        }
    }
    let kept = u32::try_from(warnings.len()).unwrap_or(u32::MAX);
    if warnings_total > kept {
        v.general.push(Problem {
            target: String::new(),
            kind: ProblemKind::Skipped,
            reason: format!(
                "{} of {warnings_total} RDS warnings were not kept (see the export's WarningMessage in DescribeExportTasks)",
                warnings_total - kept
            ),
        });
    }
    v
}

/// True when the job's ExportOnly list covers `target` (an empty list exports everything).
pub(crate) fn covered(export_only: &[String], target: &str) -> bool {
    export_only.is_empty()
        || export_only.iter().any(|e| {
            target == e
                || target
                    .strip_prefix(e.as_str())
                    .is_some_and(|rest| rest.starts_with('.'))
        })
}

/// Adds the tables of the previous export that this one has no trace of (no folder, no
/// info entry, no warning naming them), among those the job's ExportOnly covers.
pub(crate) fn add_disappeared(
    v: &mut Verification,
    previous: &[PreviousTable],
    discovery: &Discovery,
    warnings: &[String],
    export_only: &[String],
) {
    let present: BTreeSet<String> = discovery
        .tables
        .iter()
        .map(|f| f.target())
        .chain(discovery.info.keys().cloned())
        .collect();
    for p in previous {
        if present.contains(&p.target)
            || warnings.iter().any(|w| mentions(w, &p.target))
            || !covered(export_only, &p.target)
        {
            continue;
        }
        v.left_out.push(TableReport::left_out(
            p.target.clone(),
            p.name.clone(),
            TableStatus::Disappeared,
            format!(
                "in the previous export {} of this source, not in this one",
                p.export_id
            ),
        ));
    }
}

/// A row drop: the previous export had rows and this one has fewer than
/// previous × (1 − `threshold`).
pub(crate) fn row_drop(previous: Option<u64>, rows: u64, threshold: f64) -> bool {
    match previous {
        #[allow(clippy::cast_precision_loss)]
        Some(prev) if prev > 0 => (rows as f64) < (prev as f64) * (1.0 - threshold),
        _ => false,
    }
}

/// The ExportPartial cause: up to `max` problems, the total, the report and what to do.
pub(crate) fn partial_cause(v: &Verification, max: usize, report_uri: &str) -> String {
    let all: Vec<Problem> = v.problems().collect();
    let listed: Vec<String> = all
        .iter()
        .take(max)
        .map(|p| {
            let target = if p.target.is_empty() {
                "(export)"
            } else {
                &p.target
            };
            format!("{target}: {}", p.reason)
        })
        .collect();
    let more = if all.len() > listed.len() {
        format!(", the first {} listed", listed.len())
    } else {
        String::new()
    };
    format!(
        "the export is PARTIAL ({} problems{more}): {}. Nothing was changed in Glue; the report is {report_uri}. \
         Re-export the snapshot, or accept the export: set on_partial = \"notify\" (ON_PARTIAL=notify on catalog-tables), then Redrive (a redrive verifies again)",
        all.len(),
        listed.join("; ")
    )
}

#[cfg(test)]
mod tests;

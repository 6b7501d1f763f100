//! How results reach the operator: aligned text tables by default, JSON with `--json`.
//!
//! Every command returns a report that is both `Serialize` (the JSON form, every field,
//! nothing truncated) and [`Report`] (the table form, long cells cut to fit a terminal).

use std::io::Write;

use serde::Serialize;

use crate::error::CliError;

/// Longest cell a table prints; longer text is cut and ends with `…`.
const MAX_CELL: usize = 60;
/// Columns of free text, cut to [`MAX_CELL`] characters in tables (never in JSON).
const CUT_COLUMNS: [&str; 3] = ["CAUSE", "REASON", "ERROR"];
/// What a table prints for an absent value.
pub(crate) const NONE: &str = "-";

/// A command's result.
pub(crate) trait Report: Serialize {
    /// The human form, ending with a newline.
    fn table(&self) -> String;

    /// Whether the command did everything it was asked (otherwise the exit is non-zero
    /// after the report is printed).
    fn outcome(&self) -> Result<(), CliError> {
        Ok(())
    }
}

/// Prints `report` as JSON or as its table, then returns its outcome.
pub(crate) fn print<R: Report>(report: &R, json: bool) -> Result<(), CliError> {
    let text = render(report, json);
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (`| head`) is not an error worth a message.
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
    report.outcome()
}

/// The text `print` writes.
pub(crate) fn render<R: Report>(report: &R, json: bool) -> String {
    if json {
        // Serializing plain structs of strings and numbers cannot fail; fall back to the
        // table rather than panic if it ever does.
        match serde_json::to_string_pretty(report) {
            Ok(mut text) => {
                text.push('\n');
                text
            }
            Err(_) => report.table(),
        }
    } else {
        report.table()
    }
}

/// A text table: a header row and aligned columns separated by two spaces.
#[derive(Debug, Clone, Default)]
pub(crate) struct Table {
    headers: Vec<&'static str>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column headers.
    pub(crate) fn new(headers: &[&'static str]) -> Self {
        Self {
            headers: headers.to_vec(),
            rows: Vec::new(),
        }
    }

    /// Adds a row (cells beyond the headers are ignored, missing ones are blank).
    pub(crate) fn row(&mut self, cells: Vec<String>) -> &mut Self {
        let row = cells
            .into_iter()
            .enumerate()
            .map(|(i, c)| {
                let cut = self.headers.get(i).is_some_and(|h| CUT_COLUMNS.contains(h));
                cell(&c, cut)
            })
            .collect();
        self.rows.push(row);
        self
    }

    /// The table as text, one line per row, trailing spaces trimmed.
    pub(crate) fn render(&self) -> String {
        let columns = self.headers.len();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (i, value) in row.iter().take(columns).enumerate() {
                widths[i] = widths[i].max(value.chars().count());
            }
        }
        let mut out = String::new();
        let header: Vec<String> = self.headers.iter().map(|h| (*h).to_owned()).collect();
        for row in std::iter::once(&header).chain(&self.rows) {
            let mut line = String::new();
            for (i, width) in widths.iter().enumerate() {
                let value = row.get(i).map_or("", String::as_str);
                line.push_str(value);
                let pad = width.saturating_sub(value.chars().count());
                if i + 1 < columns {
                    line.push_str(&" ".repeat(pad + 2));
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

/// One table cell: on one line; free text (causes, reasons) cut at [`MAX_CELL`]
/// characters. ARNs and ids are never cut: operators copy them into the next command.
fn cell(text: &str, cut: bool) -> String {
    let flat: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if !cut || flat.chars().count() <= MAX_CELL {
        return flat;
    }
    let mut short: String = flat.chars().take(MAX_CELL - 1).collect();
    short.push('…');
    short
}

/// `value` or [`NONE`].
pub(crate) fn or_none(value: Option<&str>) -> String {
    value.unwrap_or(NONE).to_owned()
}

/// A 20-character progress bar with the percentage: `[#########-----------]  45%`.
pub(crate) fn progress_bar(percent: u8) -> String {
    let percent = percent.min(100);
    let filled = usize::from(percent) / 5;
    format!(
        "[{}{}] {percent:>3}%",
        "#".repeat(filled),
        "-".repeat(20 - filled)
    )
}

#[cfg(test)]
mod tests;

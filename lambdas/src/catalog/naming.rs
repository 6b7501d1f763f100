//! The Glue names of one source's tables (many prod accounts): two accounts both export a
//! database `shop` with `public.orders`, so the latest table is
//! `<source name>_shop_public_orders` (history: the same plus `_history`). In single-account
//! mode (empty `source_name`) the names are as before.

use contract::Job;

use super::discover::{TableFolder, glue_table_name};

/// What every Glue table name of the job's export starts with: `<source name>_`, or
/// nothing in single-account mode.
pub(crate) fn glue_name_prefix(job: &Job) -> String {
    if job.source_name.is_empty() {
        String::new()
    } else {
        format!("{}_", job.source_name)
    }
}

/// The latest table's Glue name of `folder` under `prefix` ([`glue_name_prefix`]).
pub(crate) fn source_glue_name(prefix: &str, folder: &TableFolder) -> String {
    if prefix.is_empty() {
        folder.glue_name()
    } else {
        glue_table_name(&format!("{prefix}{}_{}", folder.database, folder.table))
    }
}

/// The latest table's Glue name of a `database.schema.table` target under `prefix` (the
/// same name [`source_glue_name`] gives its folder).
pub(crate) fn target_glue_name(prefix: &str, target: &str) -> String {
    glue_table_name(&format!("{prefix}{target}"))
}

#[cfg(test)]
mod tests;

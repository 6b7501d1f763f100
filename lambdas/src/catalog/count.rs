//! Counting a table: every `.parquet` object under its folder (all batch sub-folders), one
//! ranged GET of each footer for `num_rows`, with a bounded number of GETs in flight across
//! the whole invocation (one semaphore shared by every table). Only per-table sums are
//! kept, so memory stays flat however many files a table has; the schema comes from the
//! first file's footer.

use std::sync::Arc;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::catalog::discover::list_page;
use crate::catalog::footer;
use crate::catalog::types::{self, ColumnType};
use crate::error::TaskError;

/// What a table folder holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Counted {
    /// Parquet files (non-empty `.parquet` objects).
    pub files: u64,
    /// Their bytes.
    pub bytes: u64,
    /// Σ footer `num_rows`.
    pub rows: u64,
    /// The first file's columns (`None`: no Parquet file, an empty table).
    pub columns: Option<Vec<ColumnType>>,
}

/// One footer's contribution: its rows, and the columns when it is the first file.
type FooterResult = Result<(u64, Option<Vec<ColumnType>>), TaskError>;

fn absorb(
    counted: &mut Counted,
    done: Result<FooterResult, tokio::task::JoinError>,
) -> Result<(), TaskError> {
    let (rows, columns) = done.map_err(|e| TaskError::TransientAws {
        operation: "s3:GetObject".into(),
        detail: format!("a footer read ended abnormally: {e}"),
    })??;
    counted.rows = counted.rows.saturating_add(rows);
    if columns.is_some() {
        counted.columns = columns;
    }
    Ok(())
}

/// Counts the Parquet files under `folder` (ends in `/`).
pub(crate) async fn count_table(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    folder: &str,
    footers: &Arc<Semaphore>,
) -> Result<Counted, TaskError> {
    let mut counted = Counted::default();
    let mut running: JoinSet<FooterResult> = JoinSet::new();
    let mut token: Option<String> = None;
    loop {
        let (objects, next) = list_page(s3, bucket, folder, token.take()).await?;
        for (key, size) in objects {
            if !key.ends_with(".parquet") || size == 0 {
                continue;
            }
            let first = counted.files == 0;
            counted.files += 1;
            counted.bytes = counted.bytes.saturating_add(size);
            // The permit is taken before spawning: the tasks alive at once stay bounded.
            let permit =
                Arc::clone(footers)
                    .acquire_owned()
                    .await
                    .map_err(|e| TaskError::TransientAws {
                        operation: "s3:GetObject".into(),
                        detail: format!("footer semaphore closed: {e}"),
                    })?;
            let (s3, bucket) = (s3.clone(), bucket.to_owned());
            running.spawn(async move {
                let _permit = permit;
                let metadata = footer::read_footer(&s3, &bucket, &key, size).await?;
                let rows = u64::try_from(metadata.file_metadata().num_rows()).unwrap_or(0);
                let columns = first
                    .then(|| types::columns(metadata.file_metadata().schema_descr().root_schema()));
                Ok((rows, columns))
            });
            while let Some(done) = running.try_join_next() {
                absorb(&mut counted, done)?;
            }
        }
        match next {
            Some(t) => token = Some(t),
            None => break,
        }
    }
    while let Some(done) = running.join_next().await {
        absorb(&mut counted, done)?;
    }
    Ok(counted)
}

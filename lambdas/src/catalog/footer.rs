//! Reading a Parquet file's footer (its schema) from S3 with ranged GETs only.
//!
//! The last [`FIRST_READ`] bytes usually hold the whole footer (a schema of a few hundred
//! columns is a few kilobytes); when the metadata is longer, one more GET fetches the rest.
//! The data pages are never read.

use parquet::file::metadata::{FooterTail, ParquetMetaData, ParquetMetaDataReader};

use crate::error::TaskError;
use crate::sdk_error::{classify, code, message};

/// Bytes read from the end of a file by the first GET.
pub(super) const FIRST_READ: u64 = 64 * 1024;
/// Length of the fixed tail: metadata length (4 bytes, little endian) and `PAR1`.
const TAIL: usize = 8;

fn unreadable(key: &str, why: impl std::fmt::Display) -> TaskError {
    TaskError::ParquetUnreadable(format!(
        "s3 object {key} is not a readable Parquet file ({why}): check the export's files; \
         remove or replace the file, then Redrive"
    ))
}

/// Decodes the footer at the end of `bytes` (the file's last bytes, at least the whole
/// metadata and the 8-byte tail).
pub(super) fn decode(bytes: &[u8], key: &str) -> Result<ParquetMetaData, TaskError> {
    let len = tail(bytes, key)?;
    if len + TAIL > bytes.len() {
        return Err(unreadable(
            key,
            format!("footer of {len} bytes, only {} read", bytes.len()),
        ));
    }
    let start = bytes.len() - TAIL - len;
    ParquetMetaDataReader::decode_metadata(&bytes[start..bytes.len() - TAIL])
        .map_err(|e| unreadable(key, e))
}

/// The metadata length the tail announces.
fn tail(bytes: &[u8], key: &str) -> Result<usize, TaskError> {
    if bytes.len() < TAIL {
        return Err(unreadable(key, format!("only {} bytes", bytes.len())));
    }
    let tail =
        FooterTail::try_from(&bytes[bytes.len() - TAIL..]).map_err(|e| unreadable(key, e))?;
    if tail.is_encrypted_footer() {
        return Err(unreadable(key, "encrypted footer (PARE) is not supported"));
    }
    Ok(tail.metadata_length())
}

async fn get_range(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
    first: u64,
    last: u64,
) -> Result<Vec<u8>, TaskError> {
    let out = s3
        .get_object()
        .bucket(bucket)
        .key(key)
        .range(format!("bytes={first}-{last}"))
        .send()
        .await
        .map_err(|e| match code(&e) {
            Some("AccessDenied") => TaskError::CatalogAccessDenied(format!(
                "s3:GetObject on s3://{bucket}/{key} was denied ({}): grant the catalog-tables function \
                 s3:GetObject on the export prefix (and kms:Decrypt on the key the data is encrypted with), then Redrive",
                message(&e)
            )),
            Some("NoSuchKey") => unreadable(key, "the object disappeared while reading it"),
            _ => classify("s3:GetObject", &e),
        })?;
    let body = out
        .body
        .collect()
        .await
        .map_err(|e| TaskError::TransientAws {
            operation: "s3:GetObject".into(),
            detail: format!("reading s3://{bucket}/{key}: {e}"),
        })?;
    Ok(body.into_bytes().to_vec())
}

/// Reads the footer of `s3://bucket/key` (`size` bytes long, from the listing).
pub(super) async fn read_footer(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
    size: u64,
) -> Result<ParquetMetaData, TaskError> {
    if size < (TAIL as u64) + 4 {
        return Err(unreadable(key, format!("only {size} bytes")));
    }
    let first = size.saturating_sub(FIRST_READ);
    let mut bytes = get_range(s3, bucket, key, first, size - 1).await?;
    let len = tail(&bytes, key)?;
    let needed = len as u64 + TAIL as u64;
    if needed > size {
        return Err(unreadable(
            key,
            format!("footer of {len} bytes in a file of {size}"),
        ));
    }
    if needed > bytes.len() as u64 {
        let start = size - needed;
        let mut head = get_range(s3, bucket, key, start, first.saturating_sub(1)).await?;
        head.extend_from_slice(&bytes);
        bytes = head;
    }
    decode(&bytes, key)
}

#[cfg(test)]
mod tests;

//! A local S3 stand-in for the copy benchmark: ListObjectsV2 on a source bucket, and
//! HeadObject, CopyObject and the multipart UploadPartCopy calls on a destination bucket,
//! over HTTP/1.1 on 127.0.0.1 with an injected latency per request.
//!
//! The source holds `objects` virtual keys under `prefix` (generated, never stored, so the
//! stub's memory does not grow with N), listed like [`crate::s3_stub`] (1,000 per page,
//! `prefix`, `start-after`, `continuation-token`, `max-keys`). The first `big_objects`
//! keys are `big_size` bytes (copied with multipart), the rest 1 MiB. Copies are marked in
//! a bitset; a HeadObject of a copied key answers its recorded source ETag, so a second
//! pass must copy nothing. Every copy request is checked: same key, encryption header,
//! the source ETag in `x-amz-meta-source-etag`, `x-amz-metadata-directive: REPLACE`.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{HeaderMap, Method, Request, Response, StatusCode};

use crate::s3_stub::{PAGE_SIZE, parse_query, percent_decode, respond};

/// Size of the small objects (1 MiB).
pub const SMALL_SIZE: u64 = 1024 * 1024;
/// The ETag every source object lists with.
pub const SOURCE_ETAG: &str = "9b2cf535f27731c974343645a3985328";

/// The copy stub's state and counters.
#[derive(Debug)]
pub struct CopyStub {
    /// Source (staging) bucket.
    pub source: String,
    /// Destination (analytics) bucket.
    pub destination: String,
    /// Prefix of the virtual keys (ends with `/`).
    pub prefix: String,
    /// Number of virtual keys.
    pub objects: u64,
    /// The first `big_objects` keys are `big_size` bytes.
    pub big_objects: u64,
    /// Size of the big objects.
    pub big_size: u64,
    /// Expected `x-amz-server-side-encryption-aws-kms-key-id` (SSE-S3 when `None`).
    pub kms_key: Option<String>,
    /// Latency added to every response.
    pub latency: Duration,
    /// ListObjectsV2 requests.
    pub lists: AtomicU64,
    /// HeadObject requests.
    pub heads: AtomicU64,
    /// CopyObject requests accepted.
    pub copies: AtomicU64,
    /// UploadPartCopy requests accepted.
    pub part_copies: AtomicU64,
    /// CompleteMultipartUpload requests accepted.
    pub completes: AtomicU64,
    /// Copies (single or completed multipart) of an already-copied key.
    pub duplicates: AtomicU64,
    /// Requests refused (bad key, header or route).
    pub rejected: AtomicU64,
    done: Vec<AtomicU64>,
}

impl CopyStub {
    /// A stub with `objects` keys under `prefix` in `source`.
    pub fn new(
        source: &str,
        destination: &str,
        prefix: &str,
        objects: u64,
        latency: Duration,
    ) -> Self {
        Self {
            source: source.to_owned(),
            destination: destination.to_owned(),
            prefix: prefix.to_owned(),
            objects,
            big_objects: 0,
            big_size: 0,
            kms_key: None,
            latency,
            lists: AtomicU64::new(0),
            heads: AtomicU64::new(0),
            copies: AtomicU64::new(0),
            part_copies: AtomicU64::new(0),
            completes: AtomicU64::new(0),
            duplicates: AtomicU64::new(0),
            rejected: AtomicU64::new(0),
            done: (0..objects.div_ceil(64))
                .map(|_| AtomicU64::new(0))
                .collect(),
        }
    }

    /// The first `count` objects are `size` bytes.
    #[must_use]
    pub fn with_big_objects(mut self, count: u64, size: u64) -> Self {
        self.big_objects = count;
        self.big_size = size;
        self
    }

    /// Copies must be SSE-KMS with `key`.
    #[must_use]
    pub fn with_kms_key(mut self, key: &str) -> Self {
        self.kms_key = Some(key.to_owned());
        self
    }

    /// The `i`-th key; zero-padded so keys sort as their index.
    pub fn key(&self, i: u64) -> String {
        format!(
            "{}appdb/public.orders/1/part-{i:09}.gz.parquet",
            self.prefix
        )
    }

    /// Size of the `i`-th object.
    pub fn size(&self, i: u64) -> u64 {
        if i < self.big_objects {
            self.big_size
        } else {
            SMALL_SIZE
        }
    }

    /// Objects marked copied.
    pub fn copied(&self) -> u64 {
        self.done
            .iter()
            .map(|w| u64::from(w.load(Ordering::Relaxed).count_ones()))
            .sum()
    }

    /// Request counters: (lists, heads, copies, part copies, completes, duplicates, rejected).
    pub fn counters(&self) -> [u64; 7] {
        [
            &self.lists,
            &self.heads,
            &self.copies,
            &self.part_copies,
            &self.completes,
            &self.duplicates,
            &self.rejected,
        ]
        .map(|c| c.load(Ordering::Relaxed))
    }

    /// Clears the counters (not the copies: a second pass must find them).
    pub fn reset_counters(&self) {
        for c in [
            &self.lists,
            &self.heads,
            &self.copies,
            &self.part_copies,
            &self.completes,
            &self.duplicates,
            &self.rejected,
        ] {
            c.store(0, Ordering::Relaxed);
        }
    }

    /// Clears the counters and the copies.
    pub fn reset(&self) {
        self.reset_counters();
        for w in &self.done {
            w.store(0, Ordering::Relaxed);
        }
    }

    fn first_after(&self, key: &str) -> u64 {
        let (mut lo, mut hi) = (0, self.objects);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.key(mid).as_str() <= key {
                lo = mid + 1
            } else {
                hi = mid
            }
        }
        lo
    }

    fn index_of(&self, key: &str) -> Option<u64> {
        let rest = key
            .strip_prefix(&self.prefix)?
            .strip_prefix("appdb/public.orders/1/part-")?;
        let i: u64 = rest.strip_suffix(".gz.parquet")?.parse().ok()?;
        (i < self.objects && self.key(i) == key).then_some(i)
    }

    fn is_done(&self, i: u64) -> bool {
        self.done[(i / 64) as usize].load(Ordering::Relaxed) & (1u64 << (i % 64)) != 0
    }

    fn mark(&self, i: u64) {
        let bit = 1u64 << (i % 64);
        if self.done[(i / 64) as usize].fetch_or(bit, Ordering::Relaxed) & bit != 0 {
            self.duplicates.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn list(&self, query: &[(String, String)]) -> Response<Full<Bytes>> {
        self.lists.fetch_add(1, Ordering::Relaxed);
        let get = |name: &str| {
            query
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let prefix = get("prefix").unwrap_or("");
        let max_keys = get("max-keys")
            .and_then(|v| v.parse().ok())
            .unwrap_or(PAGE_SIZE)
            .min(PAGE_SIZE);
        let start = match (get("continuation-token"), get("start-after")) {
            (Some(token), _) => token.parse().unwrap_or(self.objects),
            (None, Some(after)) => self.first_after(after),
            (None, None) => 0,
        };
        let matching = self.prefix.starts_with(prefix) || prefix.starts_with(&self.prefix);
        let end = if matching {
            (start + max_keys).min(self.objects)
        } else {
            start
        };
        let mut xml = String::with_capacity(200 + 250 * (end - start) as usize);
        xml.push_str(r#"<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">"#);
        xml.push_str(&format!(
            "<Name>{}</Name><Prefix>{prefix}</Prefix><KeyCount>{}</KeyCount><MaxKeys>{max_keys}</MaxKeys>",
            self.source,
            end - start
        ));
        let truncated = end < self.objects && matching;
        xml.push_str(&format!("<IsTruncated>{truncated}</IsTruncated>"));
        if truncated {
            xml.push_str(&format!(
                "<NextContinuationToken>{end}</NextContinuationToken>"
            ));
        }
        for i in start..end {
            let key = self.key(i);
            if !key.starts_with(prefix) {
                continue;
            }
            xml.push_str(&format!(
                "<Contents><Key>{key}</Key><LastModified>2026-11-24T03:10:00.000Z</LastModified><ETag>&quot;{SOURCE_ETAG}&quot;</ETag><Size>{}</Size><StorageClass>STANDARD</StorageClass></Contents>",
                self.size(i)
            ));
        }
        xml.push_str("</ListBucketResult>");
        respond(StatusCode::OK, xml)
    }

    fn head(&self, key: &str) -> Response<Full<Bytes>> {
        self.heads.fetch_add(1, Ordering::Relaxed);
        match self.index_of(key) {
            Some(i) if self.is_done(i) => {
                let mut r = respond(StatusCode::OK, String::new());
                r.headers_mut().insert(
                    "x-amz-meta-source-etag",
                    hyper::header::HeaderValue::from_static(SOURCE_ETAG),
                );
                r
            }
            _ => respond(StatusCode::NOT_FOUND, String::new()),
        }
    }

    /// The source index of a copy request to `key`, when its headers are right.
    fn checked_copy(&self, key: &str, headers: &HeaderMap, needs_source: bool) -> Option<u64> {
        let i = self.index_of(key)?;
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        if needs_source {
            let source = percent_decode(header("x-amz-copy-source")?);
            if source.trim_start_matches('/') != format!("{}/{key}", self.source) {
                return None;
            }
        }
        let sse_ok = match &self.kms_key {
            Some(k) => {
                header("x-amz-server-side-encryption") == Some("aws:kms")
                    && header("x-amz-server-side-encryption-aws-kms-key-id") == Some(k.as_str())
            }
            None => header("x-amz-server-side-encryption") == Some("AES256"),
        };
        Some(i).filter(|_| sse_ok)
    }

    async fn handle(
        self: Arc<Self>,
        req: Request<Incoming>,
    ) -> Result<Response<Full<Bytes>>, Infallible> {
        tokio::time::sleep(self.latency).await;
        let query = parse_query(req.uri().query().unwrap_or(""));
        let has = |name: &str| query.iter().any(|(k, _)| k == name);
        let path = percent_decode(req.uri().path());
        let path = path.strip_prefix('/').unwrap_or(&path).to_owned();
        let (bucket, key) = path.split_once('/').unwrap_or((path.as_str(), ""));
        let headers = req.headers();
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let etag_ok = header("x-amz-meta-source-etag") == Some(SOURCE_ETAG);
        let response = match (
            req.method(),
            bucket == self.source,
            bucket == self.destination,
        ) {
            (&Method::GET, true, _)
                if key.is_empty() && query.iter().any(|(k, v)| k == "list-type" && v == "2") =>
            {
                self.list(&query)
            }
            (&Method::HEAD, _, true) => self.head(key),
            // CopyObject.
            (&Method::PUT, _, true)
                if !has("partNumber")
                    && header("x-amz-metadata-directive") == Some("REPLACE")
                    && etag_ok =>
            {
                match self.checked_copy(key, headers, true) {
                    Some(i) if self.size(i) <= 5 * 1024 * 1024 * 1024 => {
                        self.copies.fetch_add(1, Ordering::Relaxed);
                        self.mark(i);
                        respond(
                            StatusCode::OK,
                            format!(
                                r#"<?xml version="1.0" encoding="UTF-8"?><CopyObjectResult><ETag>"copy-{i}"</ETag><LastModified>2026-11-24T03:10:00.000Z</LastModified></CopyObjectResult>"#
                            ),
                        )
                    }
                    _ => self.reject("bad CopyObject"),
                }
            }
            // CreateMultipartUpload.
            (&Method::POST, _, true) if has("uploads") && etag_ok => {
                match self.checked_copy(key, headers, false) {
                    Some(i) => respond(
                        StatusCode::OK,
                        format!(
                            r#"<?xml version="1.0" encoding="UTF-8"?><InitiateMultipartUploadResult><Bucket>{}</Bucket><Key>{key}</Key><UploadId>upload-{i}</UploadId></InitiateMultipartUploadResult>"#,
                            self.destination
                        ),
                    ),
                    None => self.reject("bad CreateMultipartUpload"),
                }
            }
            // UploadPartCopy.
            (&Method::PUT, _, true) if has("partNumber") && has("uploadId") => {
                let source_ok = header("x-amz-copy-source")
                    .map(percent_decode)
                    .is_some_and(|s| s.trim_start_matches('/') == format!("{}/{key}", self.source));
                let range_ok =
                    header("x-amz-copy-source-range").is_some_and(|r| r.starts_with("bytes="));
                if source_ok && range_ok && self.index_of(key).is_some() {
                    self.part_copies.fetch_add(1, Ordering::Relaxed);
                    let part = query
                        .iter()
                        .find(|(k, _)| k == "partNumber")
                        .map(|(_, v)| v.clone())
                        .unwrap_or_default();
                    respond(
                        StatusCode::OK,
                        format!(
                            r#"<?xml version="1.0" encoding="UTF-8"?><CopyPartResult><ETag>"part-{part}"</ETag><LastModified>2026-11-24T03:10:00.000Z</LastModified></CopyPartResult>"#
                        ),
                    )
                } else {
                    self.reject("bad UploadPartCopy")
                }
            }
            // CompleteMultipartUpload.
            (&Method::POST, _, true) if has("uploadId") => match self.index_of(key) {
                Some(i) => {
                    self.completes.fetch_add(1, Ordering::Relaxed);
                    self.mark(i);
                    respond(
                        StatusCode::OK,
                        format!(
                            r#"<?xml version="1.0" encoding="UTF-8"?><CompleteMultipartUploadResult><Bucket>{}</Bucket><Key>{key}</Key><ETag>"mp-{i}"</ETag></CompleteMultipartUploadResult>"#,
                            self.destination
                        ),
                    )
                }
                None => self.reject("bad CompleteMultipartUpload"),
            },
            _ => self.reject("route not served"),
        };
        Ok(response)
    }

    fn reject(&self, why: &str) -> Response<Full<Bytes>> {
        self.rejected.fetch_add(1, Ordering::Relaxed);
        respond(
            StatusCode::BAD_REQUEST,
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><Error><Code>InvalidRequest</Code><Message>{why}</Message></Error>"#
            ),
        )
    }
}

/// Serves `stub` on 127.0.0.1 (an ephemeral port) until the runtime ends; returns the address.
pub async fn serve(stub: Arc<CopyStub>) -> std::io::Result<SocketAddr> {
    crate::http_stub::serve(move |req| Arc::clone(&stub).handle(req)).await
}

#[cfg(test)]
mod tests;

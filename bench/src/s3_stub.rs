//! A local S3 stand-in for the ACL benchmark: ListObjectsV2 and PutObjectAcl over
//! HTTP/1.1 on 127.0.0.1, with an injected latency per request.
//!
//! The bucket holds `objects` virtual keys under `prefix` (generated, never stored, so the
//! stub's memory does not grow with N). Listing is paginated 1,000 keys per page and
//! honours `prefix`, `start-after`, `continuation-token` and `max-keys`, like S3.
//! PutObjectAcl checks the canned ACL and the key, and marks the object in a bitset so the
//! benchmark can prove every object was rewritten exactly once.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Method, Request, Response, StatusCode};

/// Keys per ListObjectsV2 page, as S3.
pub const PAGE_SIZE: u64 = 1_000;

/// The stub's shared state and counters.
#[derive(Debug)]
pub struct Stub {
    /// Bucket name served.
    pub bucket: String,
    /// Prefix the virtual keys live under (ends with `/`).
    pub prefix: String,
    /// Number of virtual keys.
    pub objects: u64,
    /// Latency added to every response.
    pub latency: Duration,
    /// ListObjectsV2 requests served.
    pub lists: AtomicU64,
    /// PutObjectAcl requests accepted.
    pub puts: AtomicU64,
    /// PutObjectAcl requests that hit an already-rewritten key.
    pub duplicates: AtomicU64,
    /// Requests refused (bad ACL, unknown key or route).
    pub rejected: AtomicU64,
    done: Vec<AtomicU64>,
}

impl Stub {
    /// A stub with `objects` keys under `prefix`.
    pub fn new(bucket: &str, prefix: &str, objects: u64, latency: Duration) -> Self {
        Self {
            bucket: bucket.to_owned(),
            prefix: prefix.to_owned(),
            objects,
            latency,
            lists: AtomicU64::new(0),
            puts: AtomicU64::new(0),
            duplicates: AtomicU64::new(0),
            rejected: AtomicU64::new(0),
            done: (0..objects.div_ceil(64))
                .map(|_| AtomicU64::new(0))
                .collect(),
        }
    }

    /// The `i`-th key; zero-padded so keys sort as their index.
    pub fn key(&self, i: u64) -> String {
        format!(
            "{}appdb/public.orders/1/part-{i:09}.gz.parquet",
            self.prefix
        )
    }

    /// Objects marked rewritten.
    pub fn rewritten(&self) -> u64 {
        self.done
            .iter()
            .map(|w| u64::from(w.load(Ordering::Relaxed).count_ones()))
            .sum()
    }

    /// Clears every counter and mark (between runs).
    pub fn reset(&self) {
        for counter in [&self.lists, &self.puts, &self.duplicates, &self.rejected] {
            counter.store(0, Ordering::Relaxed);
        }
        for word in &self.done {
            word.store(0, Ordering::Relaxed);
        }
    }

    /// Index of the first key strictly after `key` (binary search over the virtual keys).
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
        // Every virtual key shares `self.prefix`: a prefix outside it lists nothing.
        let matching = self.prefix.starts_with(prefix) || prefix.starts_with(&self.prefix);
        let end = if matching {
            (start + max_keys).min(self.objects)
        } else {
            start
        };
        let mut xml = String::with_capacity(200 + 250 * (end - start) as usize);
        xml.push_str(r#"<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">"#);
        xml.push_str(&format!("<Name>{}</Name><Prefix>{}</Prefix><KeyCount>{}</KeyCount><MaxKeys>{max_keys}</MaxKeys>", self.bucket, escape(prefix), end - start));
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
                "<Contents><Key>{}</Key><LastModified>2026-11-24T03:10:00.000Z</LastModified><ETag>&quot;9b2cf535f27731c974343645a3985328&quot;</ETag><Size>1048576</Size><StorageClass>STANDARD</StorageClass></Contents>",
                escape(&key)
            ));
        }
        xml.push_str("</ListBucketResult>");
        respond(StatusCode::OK, xml)
    }

    fn put_acl(&self, key: &str, acl: Option<&str>) -> Response<Full<Bytes>> {
        let Some(i) = self
            .index_of(key)
            .filter(|_| acl == Some("bucket-owner-full-control"))
        else {
            self.rejected.fetch_add(1, Ordering::Relaxed);
            return respond(
                StatusCode::BAD_REQUEST,
                error_xml("InvalidArgument", "unexpected key or ACL"),
            );
        };
        self.puts.fetch_add(1, Ordering::Relaxed);
        let bit = 1u64 << (i % 64);
        if self.done[(i / 64) as usize].fetch_or(bit, Ordering::Relaxed) & bit != 0 {
            self.duplicates.fetch_add(1, Ordering::Relaxed);
        }
        respond(StatusCode::OK, String::new())
    }

    async fn handle(
        self: Arc<Self>,
        req: Request<Incoming>,
    ) -> Result<Response<Full<Bytes>>, Infallible> {
        tokio::time::sleep(self.latency).await;
        let query = parse_query(req.uri().query().unwrap_or(""));
        let path = percent_decode(req.uri().path());
        let in_bucket = path
            .strip_prefix('/')
            .and_then(|p| p.strip_prefix(self.bucket.as_str()));
        let response = match (req.method(), in_bucket) {
            (&Method::GET, Some("" | "/"))
                if query.iter().any(|(k, v)| k == "list-type" && v == "2") =>
            {
                self.list(&query)
            }
            (&Method::PUT, Some(rest))
                if rest.starts_with('/') && query.iter().any(|(k, _)| k == "acl") =>
            {
                let acl = req.headers().get("x-amz-acl").and_then(|v| v.to_str().ok());
                self.put_acl(&rest[1..], acl)
            }
            _ => {
                self.rejected.fetch_add(1, Ordering::Relaxed);
                respond(
                    StatusCode::NOT_IMPLEMENTED,
                    error_xml(
                        "NotImplemented",
                        "the stub serves ListObjectsV2 and PutObjectAcl only",
                    ),
                )
            }
        };
        Ok(response)
    }
}

/// Serves `stub` on 127.0.0.1 (an ephemeral port) until the runtime ends; returns the address.
pub async fn serve(stub: Arc<Stub>) -> std::io::Result<SocketAddr> {
    crate::http_stub::serve(move |req| Arc::clone(&stub).handle(req)).await
}

/// An S3-style XML response (shared with the copy stub).
pub(crate) fn respond(status: StatusCode, body: String) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response.headers_mut().insert(
        "x-amz-request-id",
        hyper::header::HeaderValue::from_static("BENCH"),
    );
    response.headers_mut().insert(
        "content-type",
        hyper::header::HeaderValue::from_static("application/xml"),
    );
    response
}

fn error_xml(code: &str, message: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code><Message>{message}</Message></Error>"#
    )
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// `a=1&b=x%2Fy` → pairs, percent-decoded (`+` is left alone: the SDK encodes spaces as %20).
pub fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

/// Decodes `%XX` escapes; malformed escapes are kept as they are.
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests;

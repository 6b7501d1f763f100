//! A local S3 and Glue stand-in for the catalog benchmark, over HTTP/1.1 on 127.0.0.1 with
//! an injected latency per request.
//!
//! S3 (path style): one export of `tables` tables under `root` (`<root>appdb/public.tNNNN/`),
//! each with `files_per_table` Parquet files spread over batch folders of 100 (the same real
//! footer for all, Range honoured) and an `export_tables_info` document; ListObjectsV2 with
//! and without `/` delimiter (pages of 1,000 keys); PutObject (the verification report and
//! its parts, kept and served back). Glue (JSON 1.1, `X-Amz-Target: AWSGlue.<op>`):
//! GetTable, GetTables, CreateTable, UpdateTable (VersionId checked like Glue's optimistic
//! locking) and BatchCreatePartition, holding tables and partitions in memory so a run can
//! be checked afterwards.

use std::collections::{BTreeMap, BTreeSet};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Method, Request, Response, StatusCode};
use serde_json::{Value, json};

use crate::s3_stub::{parse_query, percent_decode};

/// The stand-in's state and counters.
#[derive(Debug)]
pub struct CatalogStub {
    /// Bucket served.
    pub bucket: String,
    /// The export's root prefix (ends with `/`).
    pub root: String,
    /// Number of tables in the export.
    pub tables: usize,
    /// The Parquet file every table holds `files_per_table` copies of.
    pub parquet: Vec<u8>,
    /// Parquet files per table.
    pub files_per_table: usize,
    /// Objects written with PutObject (the report), by key.
    pub written: Mutex<BTreeMap<String, Vec<u8>>>,
    /// Latency added to every response.
    pub latency: Duration,
    /// Requests served, S3 and Glue.
    pub s3_requests: AtomicU64,
    /// Glue requests served.
    pub glue_requests: AtomicU64,
    /// Requests refused (unknown route, version conflict).
    pub rejected: AtomicU64,
    /// Glue tables: name → (version, TableInput).
    pub glue_tables: Mutex<BTreeMap<String, (u64, Value)>>,
    /// Partitions: (table, values).
    pub partitions: Mutex<BTreeSet<(String, String)>>,
}

impl CatalogStub {
    /// A stub with `tables` tables under `root`.
    pub fn new(
        bucket: &str,
        root: &str,
        tables: usize,
        parquet: Vec<u8>,
        latency: Duration,
    ) -> Self {
        Self {
            bucket: bucket.to_owned(),
            root: root.to_owned(),
            tables,
            parquet,
            files_per_table: 1,
            written: Mutex::new(BTreeMap::new()),
            latency,
            s3_requests: AtomicU64::new(0),
            glue_requests: AtomicU64::new(0),
            rejected: AtomicU64::new(0),
            glue_tables: Mutex::new(BTreeMap::new()),
            partitions: Mutex::new(BTreeSet::new()),
        }
    }

    /// The folder of table `i`.
    pub fn folder(&self, i: usize) -> String {
        format!("{}appdb/public.t{i:04}/", self.root)
    }

    fn info_key(&self) -> String {
        format!(
            "{}export_tables_info_bench_from_1_to_{}.json",
            self.root, self.tables
        )
    }

    /// Clears the request counters (the catalog stays).
    pub fn reset_counters(&self) {
        for c in [&self.s3_requests, &self.glue_requests, &self.rejected] {
            c.store(0, Ordering::Relaxed);
        }
    }

    fn list(&self, query: &[(String, String)]) -> Response<Full<Bytes>> {
        let get = |name: &str| {
            query
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let prefix = get("prefix").unwrap_or("");
        let delimited = get("delimiter") == Some("/");
        let databases = format!("{}appdb/", self.root);
        // Continuation token: the index of the next file (non-delimited listings only).
        let from: usize = get("continuation-token")
            .and_then(|t| t.parse().ok())
            .unwrap_or(0);
        let mut next = None;
        let (folders, objects): (Vec<String>, Vec<(String, usize)>) =
            if delimited && prefix == self.root {
                (vec![databases], vec![(self.info_key(), 4096)])
            } else if delimited && prefix == databases {
                ((0..self.tables).map(|i| self.folder(i)).collect(), vec![])
            } else if !delimited && prefix.starts_with(&databases) {
                let to = (from + 1_000).min(self.files_per_table);
                if to < self.files_per_table {
                    next = Some(to);
                }
                let mut objects: Vec<(String, usize)> = (from..to)
                    .map(|f| {
                        (
                            format!("{prefix}{}/part-{f:05}-bench.gz.parquet", f / 100 + 1),
                            self.parquet.len(),
                        )
                    })
                    .collect();
                if from == 0 {
                    objects.insert(0, (format!("{prefix}1/_SUCCESS"), 0));
                }
                (vec![], objects)
            } else {
                (vec![], vec![])
            };
        let mut xml = String::from(
            r#"<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">"#,
        );
        xml.push_str(&format!(
            "<Name>{}</Name><Prefix>{prefix}</Prefix><KeyCount>{}</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>{}</IsTruncated>",
            self.bucket,
            folders.len() + objects.len(),
            next.is_some()
        ));
        if let Some(next) = next {
            xml.push_str(&format!(
                "<NextContinuationToken>{next}</NextContinuationToken>"
            ));
        }
        for (key, size) in objects {
            xml.push_str(&format!(
                "<Contents><Key>{key}</Key><LastModified>2026-11-24T03:10:00.000Z</LastModified><ETag>&quot;x&quot;</ETag><Size>{size}</Size><StorageClass>STANDARD</StorageClass></Contents>"
            ));
        }
        for folder in folders {
            xml.push_str(&format!(
                "<CommonPrefixes><Prefix>{folder}</Prefix></CommonPrefixes>"
            ));
        }
        xml.push_str("</ListBucketResult>");
        respond(StatusCode::OK, "application/xml", xml.into_bytes())
    }

    fn get_object(&self, key: &str, range: Option<&str>) -> Response<Full<Bytes>> {
        if key == self.info_key() {
            let entries: Vec<Value> = (0..self.tables)
                .map(|i| json!({"target": format!("appdb.public.t{i:04}"), "status": "COMPLETE",
                                "schemaMetadata": {"originalTypeMappings": [
                                    {"columnName": "amount", "originalType": "numeric", "expectedExportedType": "decimal(12,2)"}]}}))
                .collect();
            let body = json!({"perTableStatus": entries}).to_string();
            return respond(StatusCode::OK, "application/json", body.into_bytes());
        }
        let written = match self.written.lock() {
            Ok(w) => w.get(key).cloned(),
            Err(p) => p.into_inner().get(key).cloned(),
        };
        if let Some(body) = written {
            return respond(StatusCode::OK, "application/json", body);
        }
        if !key.ends_with(".parquet") {
            self.rejected.fetch_add(1, Ordering::Relaxed);
            return respond(
                StatusCode::NOT_FOUND,
                "application/xml",
                b"<Error><Code>NoSuchKey</Code></Error>".to_vec(),
            );
        }
        let len = self.parquet.len();
        let (first, last) = range
            .and_then(|r| r.strip_prefix("bytes="))
            .and_then(|r| r.split_once('-'))
            .and_then(|(a, b)| Some((a.parse::<usize>().ok()?, b.parse::<usize>().ok()?)))
            .unwrap_or((0, len - 1));
        let last = last.min(len - 1);
        let mut response = respond(
            StatusCode::PARTIAL_CONTENT,
            "application/octet-stream",
            self.parquet[first..=last].to_vec(),
        );
        if let Ok(v) = hyper::header::HeaderValue::from_str(&format!("bytes {first}-{last}/{len}"))
        {
            response.headers_mut().insert("content-range", v);
        }
        response
    }

    fn glue(&self, op: &str, body: &Value) -> Response<Full<Bytes>> {
        self.glue_requests.fetch_add(1, Ordering::Relaxed);
        let mut tables = match self.glue_tables.lock() {
            Ok(t) => t,
            Err(p) => p.into_inner(),
        };
        match op {
            "GetTable" => {
                let name = body["Name"].as_str().unwrap_or_default();
                match tables.get(name) {
                    Some((version, input)) => {
                        let mut table = input.clone();
                        table["DatabaseName"] = body["DatabaseName"].clone();
                        table["VersionId"] = json!(version.to_string());
                        glue_ok(json!({ "Table": table }))
                    }
                    None => glue_error(
                        "EntityNotFoundException",
                        &format!("Table {name} not found."),
                    ),
                }
            }
            "GetTables" => {
                let list: Vec<Value> = tables
                    .values()
                    .map(|(version, input)| {
                        let mut table = input.clone();
                        table["DatabaseName"] = body["DatabaseName"].clone();
                        table["VersionId"] = json!(version.to_string());
                        table
                    })
                    .collect();
                glue_ok(json!({ "TableList": list }))
            }
            "CreateTable" => {
                let input = body["TableInput"].clone();
                let name = input["Name"].as_str().unwrap_or_default().to_owned();
                if tables.contains_key(&name) {
                    return glue_error("AlreadyExistsException", "Table already exists.");
                }
                tables.insert(name, (1, input));
                glue_ok(json!({}))
            }
            "UpdateTable" => {
                let input = body["TableInput"].clone();
                let name = input["Name"].as_str().unwrap_or_default().to_owned();
                let Some((version, _)) = tables.get(&name) else {
                    return glue_error("EntityNotFoundException", "Table not found.");
                };
                if let Some(given) = body["VersionId"].as_str()
                    && given != version.to_string()
                {
                    self.rejected.fetch_add(1, Ordering::Relaxed);
                    return glue_error("ConcurrentModificationException", "Version mismatch.");
                }
                let next = version + 1;
                tables.insert(name, (next, input));
                glue_ok(json!({}))
            }
            "BatchCreatePartition" => {
                let table = body["TableName"].as_str().unwrap_or_default().to_owned();
                let mut partitions = match self.partitions.lock() {
                    Ok(p) => p,
                    Err(p) => p.into_inner(),
                };
                let mut errors = Vec::new();
                for p in body["PartitionInputList"].as_array().into_iter().flatten() {
                    let values = p["Values"].to_string();
                    if !partitions.insert((table.clone(), values)) {
                        errors.push(json!({"PartitionValues": p["Values"], "ErrorDetail": {"ErrorCode": "AlreadyExistsException", "ErrorMessage": "exists"}}));
                    }
                }
                glue_ok(json!({ "Errors": errors }))
            }
            _ => {
                self.rejected.fetch_add(1, Ordering::Relaxed);
                glue_error(
                    "InvalidInputException",
                    &format!("the stub does not serve {op}"),
                )
            }
        }
    }

    async fn handle(
        self: Arc<Self>,
        req: Request<Incoming>,
    ) -> Result<Response<Full<Bytes>>, Infallible> {
        tokio::time::sleep(self.latency).await;
        let target = req
            .headers()
            .get("x-amz-target")
            .and_then(|v| v.to_str().ok())
            .and_then(|t| t.strip_prefix("AWSGlue."))
            .map(str::to_owned);
        if let Some(op) = target {
            let bytes = match req.into_body().collect().await {
                Ok(b) => b.to_bytes(),
                Err(_) => Bytes::new(),
            };
            let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
            return Ok(self.glue(&op, &body));
        }
        self.s3_requests.fetch_add(1, Ordering::Relaxed);
        let query = parse_query(req.uri().query().unwrap_or(""));
        let path = percent_decode(req.uri().path());
        let in_bucket = path
            .strip_prefix('/')
            .and_then(|p| p.strip_prefix(self.bucket.as_str()));
        let range = req
            .headers()
            .get("range")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let response = match (req.method(), in_bucket) {
            (&Method::GET, Some("" | "/"))
                if query.iter().any(|(k, v)| k == "list-type" && v == "2") =>
            {
                self.list(&query)
            }
            (&Method::GET, Some(rest)) if rest.starts_with('/') => {
                self.get_object(&rest[1..], range.as_deref())
            }
            (&Method::PUT, Some(rest)) if rest.starts_with('/') => {
                let key = rest[1..].to_owned();
                let body = match req.into_body().collect().await {
                    Ok(b) => b.to_bytes().to_vec(),
                    Err(_) => Vec::new(),
                };
                match self.written.lock() {
                    Ok(mut w) => w.insert(key, body),
                    Err(p) => p.into_inner().insert(key, body),
                };
                respond(StatusCode::OK, "application/xml", Vec::new())
            }
            _ => {
                self.rejected.fetch_add(1, Ordering::Relaxed);
                respond(
                    StatusCode::NOT_IMPLEMENTED,
                    "application/xml",
                    b"<Error><Code>NotImplemented</Code></Error>".to_vec(),
                )
            }
        };
        Ok(response)
    }
}

/// Serves `stub` on 127.0.0.1 (an ephemeral port) until the runtime ends.
pub async fn serve(stub: Arc<CatalogStub>) -> std::io::Result<SocketAddr> {
    crate::http_stub::serve(move |req| Arc::clone(&stub).handle(req)).await
}

fn respond(status: StatusCode, content_type: &'static str, body: Vec<u8>) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response.headers_mut().insert(
        "content-type",
        hyper::header::HeaderValue::from_static(content_type),
    );
    response.headers_mut().insert(
        "x-amz-request-id",
        hyper::header::HeaderValue::from_static("BENCH"),
    );
    response
}

fn glue_ok(body: Value) -> Response<Full<Bytes>> {
    respond(
        StatusCode::OK,
        "application/x-amz-json-1.1",
        body.to_string().into_bytes(),
    )
}

fn glue_error(code: &str, message: &str) -> Response<Full<Bytes>> {
    respond(
        StatusCode::BAD_REQUEST,
        "application/x-amz-json-1.1",
        json!({"__type": code, "Message": message})
            .to_string()
            .into_bytes(),
    )
}

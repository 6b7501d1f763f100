//! Benchmarks of the snapshot-export pipeline: shared pieces of the benchmark binaries.
//!
//! * `poll-sim` (src/bin/poll-sim.rs): the polling-policy simulator over [`export_model`].
//! * `acl-bench`: ACL rewrite throughput against [`s3_stub`], a local S3 stand-in.
//! * `catalog-bench`: cataloging N tables (footers, Glue tables and partitions) against
//!   [`catalog_stub`], a local S3 + Glue stand-in.
//! * `copy-bench`: copy-delivery throughput against [`copy_stub`] (list, head, copy,
//!   multipart UploadPartCopy).
//! * `org-sim`: the export-slot scheduler at organization scale against today's blind
//!   retries, over [`org_sim`].
//! * `startup-bench`: Lambda cold start under [`runtime_api`], a local Runtime API.
//!
//! Benchmarks print figures; they assert nothing (docs/performance.md records them).

pub mod args;
pub mod catalog_stub;
pub mod copy_stub;
pub mod export_model;
pub mod http_stub;
pub mod memory;
pub mod org_sim;
pub mod rng;
pub mod s3_stub;
pub mod stats;

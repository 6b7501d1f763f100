//! Integration tests of the handlers' real SDK calls against moto server on loopback, and
//! of the binaries under a local Lambda Runtime API.
//!
//! Each test starts its own moto server on a free port (killed when the test ends), so the
//! tests run in parallel without sharing state. The moto binary is
//! `<workspace>/.venv/bin/moto_server` (installed by scripts/setup.sh) or `$MOTO_SERVER`.

mod crawler;
mod export;
mod rewrite_acl;
mod runtime_api;
mod server;
mod sts;

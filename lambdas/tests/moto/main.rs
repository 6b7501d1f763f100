//! Integration tests of the handlers' real SDK calls against moto on loopback.
//!
//! moto is started the one way every test starts it: the harness launcher
//! (`tests/harness/launcher.py`, through the shared `test_support::Moto`; see `server.rs`), one
//! per test, stopped when the test ends, so the tests run in parallel without sharing
//! state. The interpreter is `<workspace>/.venv/bin/python` (installed by
//! scripts/setup.sh) or `$E2E_PYTHON`. With the launcher's default controls its patches
//! (`tests/harness/patches.py`) only record what they see, with two exceptions: exports are
//! scripted (a task starts `starting`, completes on its first describe and writes its
//! objects), so the export tests switch to moto's own exports (`"timeline": null`); and
//! each GetCrawler ticks the last crawl, which the crawler test's time-based transition
//! ignores. The binaries under a Lambda Runtime API are checked by the Node harness
//! checks (`tests/e2e/harness.test.mjs`).

// The fixtures the unit tests use too (one home: lambdas/src/test_support/fixtures.rs).
#[path = "../../src/test_support/fixtures.rs"]
mod fixtures;

mod copy_objects;
mod crawler;
mod export;
mod rewrite_acl;
mod server;
mod sts;

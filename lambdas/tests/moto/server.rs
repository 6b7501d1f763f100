//! moto for one test: the shared `test_support::Moto` (`tests/src/moto.rs`), the harness
//! launcher with the SDK configuration pointing at it and helpers for moto's own API and
//! the harness control API.

pub(crate) use test_support::Moto;

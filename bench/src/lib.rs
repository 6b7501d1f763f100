//! Benchmarks of the snapshot-export pipeline (being built).

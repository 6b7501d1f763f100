//! Lambda task handlers of the snapshot-export pipeline (placeholder lib, being built).
pub mod functions;
pub mod polling;

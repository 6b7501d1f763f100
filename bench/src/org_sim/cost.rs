//! What the schedulers' calls cost: the counts the engine accumulates ([`Usage`]) and the
//! public on-demand prices (us-east-1, as docs/cost.md and poll-sim use them).

/// Standard workflows: $0.025 per 1,000 state transitions.
pub const DOLLARS_PER_TRANSITION: f64 = 0.025 / 1_000.0;
/// Lambda: $0.20 per million requests.
pub const DOLLARS_PER_REQUEST: f64 = 0.20 / 1e6;
/// Lambda arm64: $0.0000133334 per GB-second.
pub const DOLLARS_PER_GB_SECOND: f64 = 0.000_013_333_4;
/// DynamoDB on demand: $0.625 per million write request units.
pub const DOLLARS_PER_WRITE_UNIT: f64 = 0.625 / 1e6;
/// DynamoDB on demand: $0.125 per million read request units.
pub const DOLLARS_PER_READ_UNIT: f64 = 0.125 / 1e6;
/// The functions' memory (`lambda_memory_size`, 256 MB), GB.
pub const MEMORY_GB: f64 = 0.25;

/// A function's billed duration class (assumptions, stated in docs/performance.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    /// One or two AWS calls (StartExport, wait-for-export, export-events): 100 ms.
    Short,
    /// export-slots (acquire, release, the status-change rule): a few DynamoDB calls and a
    /// SendTaskSuccess, 200 ms.
    Slots,
    /// The sweep, one invocation for every account: 1 s.
    Sweep,
}

impl Function {
    /// Billed seconds per invocation.
    pub fn seconds(self) -> f64 {
        match self {
            Self::Short => 0.1,
            Self::Slots => 0.2,
            Self::Sweep => 1.0,
        }
    }
}

/// Counts of billed operations.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Usage {
    /// Step Functions state transitions.
    pub transitions: f64,
    /// Lambda invocations.
    pub invocations: f64,
    /// Lambda GB-seconds.
    pub gb_seconds: f64,
    /// DynamoDB read request units (items ≤ 4 KB, strongly consistent: 1 each).
    pub reads: f64,
    /// DynamoDB write request units (the ledger item, ≤ 2 KB with 5 holders: 2; a waiter
    /// or lock item: 1).
    pub writes: f64,
}

impl Usage {
    /// Counts one invocation of `function`.
    pub fn invoke(&mut self, function: Function) {
        self.invocations += 1.0;
        self.gb_seconds += MEMORY_GB * function.seconds();
    }

    /// Adds `other`'s counts.
    pub fn add(&mut self, other: &Usage) {
        self.transitions += other.transitions;
        self.invocations += other.invocations;
        self.gb_seconds += other.gb_seconds;
        self.reads += other.reads;
        self.writes += other.writes;
    }

    /// Dollars: Step Functions, Lambda, DynamoDB.
    pub fn dollars(&self) -> (f64, f64, f64) {
        (
            self.transitions * DOLLARS_PER_TRANSITION,
            self.invocations * DOLLARS_PER_REQUEST + self.gb_seconds * DOLLARS_PER_GB_SECOND,
            self.reads * DOLLARS_PER_READ_UNIT + self.writes * DOLLARS_PER_WRITE_UNIT,
        )
    }
}

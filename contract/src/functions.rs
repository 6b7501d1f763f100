//! The function table: the one list of the pipeline's Lambda functions.
//!
//! Everything else that names a function is derived from [`FUNCTIONS`]: the graph's Task
//! Resources (the ARN placeholder of the function a state calls), each binary's start-up
//! validation (the variables it reads), the Terraform (`functions.json`, written by
//! `snapshot-export render --format functions`, and checked against this table by a test), the scripts and
//! the e2e harness (which read `functions.json`). Adding a function is one entry here, its
//! handler and its `[[bin]]` in `lambdas/Cargo.toml`.

/// The ASL Task states that call a Lambda function (the graph names its other states).
pub mod states {
    /// Turns the raw event or manual input into `$.job`.
    pub const NORMALIZE: &str = "Normalize";
    /// Takes an export slot of the snapshot's account and Region, or parks the execution
    /// until one frees (a callback Task, `[export] slots = true`).
    pub const ACQUIRE_EXPORT_SLOT: &str = "AcquireExportSlot";
    /// Gives the export slot back once the export is COMPLETE (`[export] slots = true`).
    pub const RELEASE_EXPORT_SLOT: &str = "ReleaseExportSlot";
    /// Starts (or adopts) the RDS export task.
    pub const START_EXPORT: &str = "StartExport";
    /// Polls the RDS export task.
    pub const CHECK_EXPORT: &str = "CheckExport";
    /// Rewrites object ACLs, one page of objects per call (share-key delivery).
    pub const REWRITE_ACL: &str = "RewriteAcl";
    /// Copies the export into the analytics bucket, pages of objects per call (copy
    /// delivery).
    pub const COPY_OBJECTS: &str = "CopyObjects";
    /// Writes one latest and one history Glue table per exported table (catalog tables).
    pub const CATALOG_TABLES: &str = "CatalogTables";
    /// Starts the Glue crawler.
    pub const START_CRAWLER: &str = "StartCrawler";
    /// Polls our crawl.
    pub const CHECK_CRAWLER: &str = "CheckCrawler";
    /// Sends the success notification.
    pub const NOTIFY_SUCCESS: &str = "NotifySuccess";
    /// Waits for the export's end as a callback (`[export] events = true`): stores the
    /// task token, checks the export once, and is woken by `export-events` or times out
    /// into CheckExport (the fallback poll).
    pub const WAIT_FOR_EXPORT_EVENT: &str = "WaitForExportEvent";
}

/// The EventBridge rules that invoke a function directly (not through a Task state).
pub mod rules {
    /// The analytics default bus's rule on this state machine's "Step Functions Execution
    /// Status Change" events (FAILED, TIMED_OUT, ABORTED).
    pub const STATUS_CHANGE: &str = "status-change";
    /// The analytics bus's rule on the RDS export-finished events forwarded from prod
    /// (RDS-EVENT-0159/0160/0161, 0162/0163/0164).
    pub const EXPORT_FINISHED: &str = "export-finished";
    /// The default bus's schedule rule (`rate(export_sweep_interval_minutes)`): a Scheduled
    /// Event makes export-events sweep for waits whose export-finished event was lost.
    pub const EXPORT_SWEEP: &str = "export-sweep";
}

/// The Resource of a callback Task (`[export] events = true`): the Lambda function is named
/// in `Parameters.FunctionName` and Step Functions waits for `$$.Task.Token` to come back.
pub const CALLBACK_RESOURCE: &str = "arn:aws:states:::lambda:invoke.waitForTaskToken";

/// One Lambda function of the pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Function {
    /// The `[[bin]]` name, the Terraform key and the deployed name's suffix.
    pub binary: &'static str,
    /// What it does (the deployed function's description).
    pub description: &'static str,
    /// The Task states whose Resource (or, for a callback Task, `Parameters.FunctionName`)
    /// is this function; empty for a function only a rule invokes.
    pub states: &'static [&'static str],
    /// The EventBridge rules ([`rules`]) that invoke it.
    pub triggers: &'static [&'static str],
    /// The Lambda timeout; the Task's TimeoutSeconds adds [`TASK_TIMEOUT_SLACK_SECONDS`].
    pub timeout_seconds: u32,
    /// Variables that must be set (start-up fails with `InvalidConfig` naming the first missing).
    pub required_env: &'static [&'static str],
    /// Variables read when set.
    pub optional_env: &'static [&'static str],
}

/// Seconds a Task waits beyond its function's timeout before `States.Timeout`: the time
/// Lambda takes to report a timed-out invocation, so the function's own error wins.
pub const TASK_TIMEOUT_SLACK_SECONDS: u32 = 60;

impl Function {
    /// The Terraform `templatefile` variable holding this function's ARN, e.g.
    /// `start_export_function_arn`; the graph's Resource is `${<placeholder>}`.
    pub fn placeholder(&self) -> String {
        format!("{}_function_arn", self.binary.replace('-', "_"))
    }

    /// Every variable the function reads, required first.
    pub fn env(&self) -> impl Iterator<Item = &'static str> {
        self.required_env
            .iter()
            .chain(self.optional_env.iter())
            .copied()
    }

    /// The Task state's TimeoutSeconds.
    pub fn task_timeout_seconds(&self) -> u32 {
        self.timeout_seconds + TASK_TIMEOUT_SLACK_SECONDS
    }
}

/// Variables for assuming the prod-account role (absent: use the function's own credentials).
const PROD_ROLE_ARN: &str = "PROD_ROLE_ARN";
const PROD_ROLE_EXTERNAL_ID: &str = "PROD_ROLE_EXTERNAL_ID";
/// The DynamoDB table of the source accounts (many prod accounts); absent: the single
/// account of the variables above.
const SOURCES_TABLE: &str = "SOURCES_TABLE";

/// Normalize.
pub const NORMALIZE: Function = Function {
    binary: "normalize",
    description: "Turns an RDS snapshot event or a manual request into an export job.",
    states: &[states::NORMALIZE],
    triggers: &[],
    timeout_seconds: 60,
    required_env: &[],
    optional_env: &[
        "DB_IDENTIFIERS",
        "SNAPSHOT_TYPES",
        "EXPORT_ONLY",
        PROD_ROLE_ARN,
        PROD_ROLE_EXTERNAL_ID,
        SOURCES_TABLE,
        "SOURCE_ACCOUNT_IDS",
        "DELIVERY",
    ],
};

/// StartExport.
pub const START_EXPORT: Function = Function {
    binary: "start-export",
    description: "Starts (or adopts) the RDS snapshot export to S3.",
    states: &[states::START_EXPORT],
    triggers: &[],
    timeout_seconds: 60,
    required_env: &["EXPORT_BUCKET", "EXPORT_KMS_KEY_ARN", "EXPORT_ROLE_ARN"],
    optional_env: &[
        "EXPORT_PREFIX",
        PROD_ROLE_ARN,
        PROD_ROLE_EXTERNAL_ID,
        SOURCES_TABLE,
        EXPORT_SLOTS_TABLE,
    ],
};

/// CheckExport.
pub const CHECK_EXPORT: Function = Function {
    binary: "check-export",
    description: "Polls the export task's status.",
    states: &[states::CHECK_EXPORT],
    triggers: &[],
    timeout_seconds: 60,
    required_env: &[],
    optional_env: &[PROD_ROLE_ARN, PROD_ROLE_EXTERNAL_ID, SOURCES_TABLE],
};

/// RewriteAcl.
pub const REWRITE_ACL: Function = Function {
    binary: "rewrite-acl",
    description: "Gives the bucket owner full control of the exported objects (skipped under BucketOwnerEnforced).",
    states: &[states::REWRITE_ACL],
    triggers: &[],
    timeout_seconds: 900,
    required_env: &["EXPORT_BUCKET"],
    optional_env: &[
        "EXPORT_PREFIX",
        PROD_ROLE_ARN,
        PROD_ROLE_EXTERNAL_ID,
        SOURCES_TABLE,
        "ACL_CONCURRENCY",
        "ACL_DEADLINE_MARGIN_SECONDS",
    ],
};

/// CopyObjects.
pub const COPY_OBJECTS: Function = Function {
    binary: "copy-objects",
    description: "Copies the export from the prod staging bucket into the analytics bucket, re-encrypted with the analytics key.",
    states: &[states::COPY_OBJECTS],
    triggers: &[],
    timeout_seconds: 900,
    required_env: &["EXPORT_BUCKET", "DESTINATION_BUCKET"],
    optional_env: &[
        "EXPORT_PREFIX",
        "DESTINATION_KMS_KEY_ARN",
        "COPIER_ROLE_ARN",
        "COPIER_ROLE_EXTERNAL_ID",
        "COPY_CONCURRENCY",
        "COPY_DEADLINE_MARGIN_SECONDS",
        SOURCES_TABLE,
    ],
};

/// CatalogTables.
pub const CATALOG_TABLES: Function = Function {
    binary: "catalog-tables",
    description: "Catalogs every exported table in Glue from its Parquet footer: a latest table and a history table partitioned by export id.",
    states: &[states::CATALOG_TABLES],
    triggers: &[],
    timeout_seconds: 900,
    required_env: &["GLUE_DATABASE"],
    optional_env: &["CATALOG_CONCURRENCY", "ON_PARTIAL", "ROW_DROP_THRESHOLD"],
};

/// StartCrawler.
pub const START_CRAWLER: Function = Function {
    binary: "start-crawler",
    description: "Starts the Glue crawler over the export prefix.",
    states: &[states::START_CRAWLER],
    triggers: &[],
    timeout_seconds: 60,
    required_env: &["CRAWLER_NAME"],
    optional_env: &[],
};

/// CheckCrawler.
pub const CHECK_CRAWLER: Function = Function {
    binary: "check-crawler",
    description: "Polls the Glue crawler's last crawl.",
    states: &[states::CHECK_CRAWLER],
    triggers: &[],
    timeout_seconds: 60,
    required_env: &["CRAWLER_NAME"],
    optional_env: &[],
};

/// Notify.
pub const NOTIFY: Function = Function {
    binary: "notify",
    description: "Sends the success event, and the failure event of a failed execution (from its status-change event).",
    states: &[states::NOTIFY_SUCCESS],
    triggers: &[rules::STATUS_CHANGE],
    timeout_seconds: 60,
    required_env: &[],
    optional_env: &["EVENT_BUS_NAME", "EVENT_SOURCE"],
};

/// WaitForExportEvent (`[export] events = true`).
pub const WAIT_FOR_EXPORT: Function = Function {
    binary: "wait-for-export",
    description: "Stores the export wait's task token, checks the export once and hands the token back at once when it has ended.",
    states: &[states::WAIT_FOR_EXPORT_EVENT],
    triggers: &[],
    timeout_seconds: 60,
    required_env: &["EXPORT_WAITS_TABLE"],
    optional_env: &[PROD_ROLE_ARN, PROD_ROLE_EXTERNAL_ID, SOURCES_TABLE],
};

/// The RDS export-finished events (`[export] events = true`).
pub const EXPORT_EVENTS: Function = Function {
    binary: "export-events",
    description: "Wakes the executions waiting for an export when RDS says it ended, or when its schedule's sweep finds it ended without an event, after confirming with DescribeExportTasks.",
    states: &[],
    triggers: &[rules::EXPORT_FINISHED, rules::EXPORT_SWEEP],
    timeout_seconds: 60,
    required_env: &["EXPORT_WAITS_TABLE"],
    optional_env: &[PROD_ROLE_ARN, PROD_ROLE_EXTERNAL_ID, SOURCES_TABLE],
};

/// The export-slots table (`[export] slots = true`): the ledger per account and Region,
/// the parked waiters and the snapshot locks.
const EXPORT_SLOTS_TABLE: &str = "EXPORT_SLOTS_TABLE";

/// AcquireExportSlot and ReleaseExportSlot, and the slots' side of the status-change and
/// sweep rules (`[export] slots = true`).
pub const EXPORT_SLOTS: Function = Function {
    binary: "export-slots",
    description: "Schedules the account's 5 export slots: grants a free slot or parks the execution's task token until one frees, releases slots (export done, execution failed, lease expired) and wakes the next waiter fairly across databases.",
    states: &[states::ACQUIRE_EXPORT_SLOT, states::RELEASE_EXPORT_SLOT],
    triggers: &[rules::STATUS_CHANGE, rules::EXPORT_SWEEP],
    timeout_seconds: 60,
    required_env: &[EXPORT_SLOTS_TABLE],
    optional_env: &[SOURCES_TABLE, PROD_ROLE_ARN, PROD_ROLE_EXTERNAL_ID],
};

/// Every function of the pipeline, in graph order.
pub const FUNCTIONS: &[Function] = &[
    NORMALIZE,
    EXPORT_SLOTS,
    START_EXPORT,
    CHECK_EXPORT,
    WAIT_FOR_EXPORT,
    EXPORT_EVENTS,
    REWRITE_ACL,
    COPY_OBJECTS,
    CATALOG_TABLES,
    START_CRAWLER,
    CHECK_CRAWLER,
    NOTIFY,
];

/// The function a Task state calls, if any.
pub fn for_state(state: &str) -> Option<&'static Function> {
    FUNCTIONS.iter().find(|f| f.states.contains(&state))
}

/// The function built as `binary`, if any.
pub fn by_binary(binary: &str) -> Option<&'static Function> {
    FUNCTIONS.iter().find(|f| f.binary == binary)
}

/// Where [`table_json`] is committed, relative to the repository root.
pub(crate) const TABLE_JSON_PATH: &str = "infra/modules/analytics-account/functions.json";

/// The table as the committed `functions.json` the Terraform, the scripts and the e2e
/// harness read: `{"generated_by": ..., "functions": {"<binary>": {...}}}`.
pub fn table_json() -> String {
    let functions: serde_json::Map<String, serde_json::Value> = FUNCTIONS
        .iter()
        .map(|f| {
            let mut entry = serde_json::Map::new();
            entry.insert("description".into(), f.description.into());
            entry.insert("placeholder".into(), f.placeholder().into());
            entry.insert("states".into(), f.states.into());
            entry.insert("triggers".into(), f.triggers.into());
            entry.insert("timeout_seconds".into(), f.timeout_seconds.into());
            entry.insert("required_env".into(), f.required_env.into());
            entry.insert("optional_env".into(), f.optional_env.into());
            (f.binary.to_owned(), entry.into())
        })
        .collect();
    let doc = serde_json::json!({
        "generated_by": format!(
            "cargo run -p snapshot-export-cli -- render --format functions --out {TABLE_JSON_PATH} \
             (from contract/src/functions.rs; do not edit)"
        ),
        "functions": functions,
    });
    // Serializing a Value built from strings and numbers cannot fail.
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests;

//! The Lambda functions this crate builds and the environment each one reads.
//!
//! One table, used by the binaries' start-up validation, the infra contract test (every
//! function has a Terraform resource setting its required variables) and the docs.

/// One Lambda function: its binary name and the environment variables its handler reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FunctionSpec {
    /// The `[[bin]]` name; also the ASL placeholder stem (`-` → `_`, plus `_function_arn`).
    pub binary: &'static str,
    /// Variables that must be set (start-up fails with `InvalidConfig` naming the first missing).
    pub required_env: &'static [&'static str],
    /// Variables read when set.
    pub optional_env: &'static [&'static str],
}

impl FunctionSpec {
    /// The templatefile placeholder name for this function's ARN, e.g.
    /// `start_export_function_arn`.
    pub fn placeholder(&self) -> String {
        format!("{}_function_arn", self.binary.replace('-', "_"))
    }
}

/// Variables for assuming the prod-account role (absent: use the function's own credentials).
const PROD_ROLE: [&str; 2] = ["PROD_ROLE_ARN", "PROD_ROLE_EXTERNAL_ID"];

/// Every function of the pipeline, in graph order.
pub const FUNCTIONS: &[FunctionSpec] = &[
    FunctionSpec {
        binary: "normalize",
        required_env: &[],
        optional_env: &[
            "DB_IDENTIFIERS",
            "SNAPSHOT_TYPES",
            "EXPORT_ONLY",
            PROD_ROLE[0],
            PROD_ROLE[1],
        ],
    },
    FunctionSpec {
        binary: "start-export",
        required_env: &["EXPORT_BUCKET", "EXPORT_KMS_KEY_ARN", "EXPORT_ROLE_ARN"],
        optional_env: &["EXPORT_PREFIX", PROD_ROLE[0], PROD_ROLE[1]],
    },
    FunctionSpec {
        binary: "check-export",
        required_env: &[],
        optional_env: &PROD_ROLE,
    },
    FunctionSpec {
        binary: "rewrite-acl",
        required_env: &["EXPORT_BUCKET"],
        optional_env: &[
            "EXPORT_PREFIX",
            PROD_ROLE[0],
            PROD_ROLE[1],
            "ACL_CONCURRENCY",
            "ACL_DEADLINE_MARGIN_SECONDS",
        ],
    },
    FunctionSpec {
        binary: "start-crawler",
        required_env: &["CRAWLER_NAME"],
        optional_env: &[],
    },
    FunctionSpec {
        binary: "check-crawler",
        required_env: &["CRAWLER_NAME"],
        optional_env: &[],
    },
    FunctionSpec {
        binary: "notify",
        required_env: &[],
        optional_env: &["EVENT_BUS_NAME", "EVENT_SOURCE"],
    },
];

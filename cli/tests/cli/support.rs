//! Test support: moto per test (the harness launcher, `tests/harness/launcher.py`, started
//! through `tests/harness/launcher.rs` and stopped on drop), the binary run against it,
//! and the state machine created in moto from the committed definition.

use std::path::PathBuf;
use std::process::{Command, Output};

use aws_config::{BehaviorVersion, Region};
use contract::functions::FUNCTIONS;

// Not every helper of the launcher handle is used here (moto's API, the control API).
#[allow(dead_code)]
#[path = "../../../tests/harness/launcher.rs"]
mod launcher;

/// moto's default account.
pub const ACCOUNT: &str = "123456789012";
/// The Region every test uses.
pub const REGION: &str = "us-east-1";

/// The workspace root.
pub fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The Python interpreter of the launcher (`$E2E_PYTHON` or `.venv/bin/python`), which
/// has boto3.
pub fn python() -> PathBuf {
    launcher::python()
}

/// moto for one test (the harness launcher), stopped when dropped.
pub struct Moto {
    _launcher: launcher::Launcher,
    /// `http://127.0.0.1:<port>`.
    pub endpoint: String,
}

impl Moto {
    /// Starts moto (plain).
    pub fn start() -> Self {
        Self::start_with(&[])
    }

    /// Starts moto with extra environment (e.g. `SF_EXECUTION_HISTORY_TYPE=FAILURE`, which
    /// makes every execution FAILED with a fixed failure history).
    pub fn start_with(env: &[(&str, &str)]) -> Self {
        let launcher = launcher::Launcher::start(env);
        Self {
            endpoint: launcher.moto_url().to_owned(),
            _launcher: launcher,
        }
    }

    /// The SDK configuration for set-up calls.
    pub async fn sdk_config(&self) -> aws_config::SdkConfig {
        aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(REGION))
            .endpoint_url(&self.endpoint)
            .credentials_provider(aws_sdk_sfn::config::Credentials::new(
                "testing", "testing", None, None, "test",
            ))
            .load()
            .await
    }

    /// The binary with the AWS environment pointing at this server.
    pub fn cli(&self) -> Command {
        let mut command = bare_cli();
        command
            .env("AWS_ENDPOINT_URL", &self.endpoint)
            .env("AWS_REGION", REGION)
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing");
        command
    }

    /// Runs the binary with `args`.
    pub fn run(&self, args: &[&str]) -> Output {
        self.cli().args(args).output().unwrap()
    }

    /// Creates the pipeline's state machine from the committed definition (placeholders
    /// replaced by function ARNs) and returns its ARN.
    pub async fn create_pipeline(&self) -> String {
        let mut definition =
            std::fs::read_to_string(workspace().join("state-machine/definition.asl.json")).unwrap();
        for function in FUNCTIONS {
            definition = definition.replace(
                &format!("${{{}}}", function.placeholder()),
                &format!(
                    "arn:aws:lambda:{REGION}:{ACCOUNT}:function:{}",
                    function.binary
                ),
            );
        }
        assert!(
            !definition.contains("${"),
            "a placeholder is left in the definition"
        );
        let sfn = aws_sdk_sfn::Client::new(&self.sdk_config().await);
        sfn.create_state_machine()
            .name("snapshot-export")
            .definition(definition)
            .role_arn(format!("arn:aws:iam::{ACCOUNT}:role/snapshot-export"))
            .send()
            .await
            .unwrap()
            .state_machine_arn()
            .to_owned()
    }
}

/// The binary with no AWS environment at all (no Region, no credentials, no profile).
pub fn bare_cli() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_snapshot-export"));
    for (key, _) in std::env::vars() {
        if key.starts_with("AWS_") || key == "SNAPSHOT_EXPORT_STATE_MACHINE_ARN" {
            command.env_remove(key);
        }
    }
    command
        .env("AWS_CONFIG_FILE", "/nonexistent/aws-config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/aws-credentials",
        )
        .env("AWS_EC2_METADATA_DISABLED", "true");
    command
}

/// stdout as text.
pub fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

/// stderr as text.
pub fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

/// Asserts the run succeeded and returns stdout.
pub fn ok(output: &Output) -> String {
    assert!(
        output.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status.code(),
        stdout(output),
        stderr(output)
    );
    stdout(output)
}

/// Asserts the run failed with exit 1 and exactly one line on stderr; returns that line.
pub fn one_line_error(output: &Output) -> String {
    assert_eq!(
        output.status.code(),
        Some(1),
        "stdout: {}\nstderr: {}",
        stdout(output),
        stderr(output)
    );
    let err = stderr(output);
    assert_eq!(err.lines().count(), 1, "not one line: {err}");
    assert!(err.starts_with("snapshot-export: error: "), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    err.trim_end().to_owned()
}

/// Parses stdout as JSON.
pub fn json(output: &Output) -> serde_json::Value {
    serde_json::from_str(&ok(output)).unwrap()
}

/// A snapshot ARN in moto's account.
pub fn snapshot_arn(id: &str) -> String {
    format!("arn:aws:rds:{REGION}:{ACCOUNT}:snapshot:{id}")
}

/// Mocked clients: the given Step Functions and RDS rules (matched in any order), and
/// clients without rules for the other services.
pub fn mocked(
    sfn: &[&aws_smithy_mocks::Rule],
    rds: &[&aws_smithy_mocks::Rule],
) -> snapshot_export_cli::aws::Clients {
    use aws_smithy_mocks::{RuleMode, mock_client};
    let none: &[&aws_smithy_mocks::Rule] = &[];
    snapshot_export_cli::aws::Clients {
        sfn: mock_client!(aws_sdk_sfn, RuleMode::MatchAny, sfn),
        rds: mock_client!(aws_sdk_rds, RuleMode::MatchAny, rds),
        events: mock_client!(aws_sdk_eventbridge, RuleMode::MatchAny, none),
        glue: mock_client!(aws_sdk_glue, RuleMode::MatchAny, none),
    }
}

/// Seconds since the epoch, now.
pub fn now() -> i64 {
    aws_smithy_types::DateTime::from(std::time::SystemTime::now()).secs()
}

/// A Step Functions JSON error response (`__type` and message), as AWS sends it.
pub fn sfn_error(code: &str, message: &str) -> aws_smithy_runtime_api::http::Response {
    aws_smithy_runtime_api::http::Response::new(
        aws_smithy_runtime_api::http::StatusCode::try_from(400).unwrap(),
        aws_smithy_types::body::SdkBody::from(format!(
            r#"{{"__type":"{code}","message":"{message}"}}"#
        )),
    )
}

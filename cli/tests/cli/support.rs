//! Test support of the CLI: the binary run against moto (moto itself is the shared
//! [`test_support::Moto`]), the state machine created in moto from the committed
//! definition, and the checks of a run's output.

use std::process::{Command, Output};

use contract::functions::FUNCTIONS;
use snapshot_export_cli::args::STATE_MACHINE_ARN_ENV;
pub(crate) use test_support::{ACCOUNT, Moto, REGION, python, workspace};

/// What the CLI's tests do with moto beyond the shared wrapper.
pub(crate) trait MotoCli {
    /// The binary with the AWS environment pointing at this server.
    fn cli(&self) -> Command;

    /// Runs the binary with `args`.
    fn run(&self, args: &[&str]) -> Output {
        self.cli().args(args).output().unwrap()
    }

    /// Creates the pipeline's state machine from the committed definition (placeholders
    /// replaced by function ARNs) and returns its ARN.
    async fn create_pipeline(&self) -> String;
}

impl MotoCli for Moto {
    fn cli(&self) -> Command {
        let mut command = bare_cli();
        command
            .env("AWS_ENDPOINT_URL", self.url())
            .env("AWS_REGION", REGION)
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing");
        command
    }

    async fn create_pipeline(&self) -> String {
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
pub(crate) fn bare_cli() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_snapshot-export"));
    for (key, _) in std::env::vars() {
        if key.starts_with("AWS_") || key == STATE_MACHINE_ARN_ENV {
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
pub(crate) fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

/// stderr as text.
pub(crate) fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

/// Asserts the run succeeded and returns stdout.
pub(crate) fn ok(output: &Output) -> String {
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
pub(crate) fn one_line_error(output: &Output) -> String {
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
pub(crate) fn json(output: &Output) -> serde_json::Value {
    serde_json::from_str(&ok(output)).unwrap()
}

/// A snapshot ARN in moto's account.
pub(crate) fn snapshot_arn(id: &str) -> String {
    format!("arn:aws:rds:{REGION}:{ACCOUNT}:snapshot:{id}")
}

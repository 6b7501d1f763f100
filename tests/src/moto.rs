//! moto for one test: the harness launcher ([`crate::launcher`], stopped when the test's
//! handle drops), the SDK configuration pointing at it, and helpers for moto's own API
//! (recorder, state manager) and the harness control API. The one wrapper the Lambda
//! crate's and the CLI's integration tests share.

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;

use crate::launcher::Launcher;

/// moto's default account, the one the test credentials act in.
pub const ACCOUNT: &str = "123456789012";
/// The Region every test uses.
pub const REGION: &str = "us-east-1";

/// moto (with the harness patches) for one test.
pub struct Moto {
    launcher: Launcher,
}

impl Moto {
    /// Starts the launcher and waits until it is ready.
    pub fn start() -> Self {
        Self::start_with(&[])
    }

    /// Starts the launcher with extra environment (e.g. `SF_EXECUTION_HISTORY_TYPE=FAILURE`,
    /// which makes every Step Functions execution FAILED with a fixed failure history).
    pub fn start_with(env: &[(&str, &str)]) -> Self {
        Self {
            launcher: Launcher::start(env),
        }
    }

    /// moto's endpoint, `http://127.0.0.1:<port>`.
    pub fn url(&self) -> &str {
        self.launcher.moto_url()
    }

    /// SDK configuration pointing at this server ([`REGION`], test credentials).
    pub async fn sdk_config(&self) -> SdkConfig {
        aws_config::defaults(BehaviorVersion::latest())
            .endpoint_url(self.url())
            .region(Region::new(REGION))
            .credentials_provider(Credentials::new("testing", "testing", None, None, "moto"))
            .load()
            .await
    }

    /// A call to moto's own API (`/moto-api/...`) that must succeed; the response body.
    pub fn moto_api(&self, method: &str, path: &str, body: &str) -> String {
        self.launcher.moto_api(method, path, body)
    }

    /// Changes the harness controls (`POST /controls`, see `tests/harness/patches.py`).
    pub fn controls(&self, changes: serde_json::Value) {
        self.launcher
            .control("POST", "/controls", &changes.to_string());
    }

    /// Starts recording requests (the recorder is per launcher).
    pub fn start_recording(&self) {
        self.moto_api("POST", "/moto-api/recorder/start-recording", "");
    }

    /// The requests recorded so far, one JSON document each.
    pub fn recording(&self) -> Vec<serde_json::Value> {
        let text = self.moto_api("GET", "/moto-api/recorder/download-recording", "");
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }
}

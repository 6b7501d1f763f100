//! moto for one test: the harness launcher (`tests/harness/launcher.py`, started through
//! `tests/harness/launcher.rs`, stopped when the test ends), with the SDK configuration
//! pointing at it and helpers for moto's own API (recorder, state manager) and the
//! harness control API.

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;

#[path = "../../../tests/harness/launcher.rs"]
mod launcher;

use launcher::Launcher;

/// moto (with the harness patches) for one test.
pub(crate) struct Moto {
    launcher: Launcher,
}

impl Moto {
    /// Starts the launcher and waits until it is ready.
    pub(crate) fn start() -> Self {
        Self {
            launcher: Launcher::start(&[]),
        }
    }

    /// moto's endpoint, `http://127.0.0.1:<port>`.
    pub(crate) fn url(&self) -> String {
        self.launcher.moto_url().to_owned()
    }

    /// SDK configuration pointing at this server (region us-east-1, test credentials).
    pub(crate) async fn sdk_config(&self) -> SdkConfig {
        aws_config::defaults(BehaviorVersion::latest())
            .endpoint_url(self.url())
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("testing", "testing", None, None, "moto"))
            .load()
            .await
    }

    /// A call to moto's own API (`/moto-api/...`) that must succeed.
    pub(crate) fn moto_api(&self, method: &str, path: &str, body: &str) -> String {
        self.launcher.moto_api(method, path, body)
    }

    /// Changes the harness controls (`POST /controls`, see `tests/harness/patches.py`).
    pub(crate) fn controls(&self, changes: serde_json::Value) {
        self.launcher
            .control("POST", "/controls", &changes.to_string());
    }

    /// Starts recording requests (the recorder is per launcher).
    pub(crate) fn start_recording(&self) {
        self.moto_api("POST", "/moto-api/recorder/start-recording", "");
    }

    /// The requests recorded so far, one JSON document each.
    pub(crate) fn recording(&self) -> Vec<serde_json::Value> {
        let text = self.moto_api("GET", "/moto-api/recorder/download-recording", "");
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }
}

//! A moto server on a free loopback port for one test, killed when the test ends, plus a
//! minimal HTTP client for moto's control API (recorder, state manager).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;

/// A running moto server.
pub struct Moto {
    child: Child,
    port: u16,
    dir: PathBuf,
}

fn moto_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("MOTO_SERVER") {
        return PathBuf::from(path);
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/moto_server")
}

impl Moto {
    /// Starts moto and waits until it answers.
    pub fn start() -> Self {
        let binary = moto_binary();
        assert!(
            binary.exists(),
            "moto server not found at {}: run scripts/setup.sh (installs moto[server] into .venv) or set MOTO_SERVER",
            binary.display()
        );
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .unwrap_or_else(|e| panic!("no free port: {e}"));
        let dir = std::env::temp_dir().join(format!("lambdas-moto-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("temp dir: {e}"));
        let child = Command::new(&binary)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .current_dir(&dir)
            .env("MOTO_PORT", port.to_string())
            .env("MOTO_RECORDER_FILEPATH", dir.join("recording"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
        let moto = Self { child, port, dir };
        let until = Instant::now() + Duration::from_secs(60);
        while moto.request("GET", "/moto-api/data.json", "").is_err() {
            assert!(
                Instant::now() < until,
                "moto server did not answer on port {port} within 60 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        moto
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// SDK configuration pointing at this server (region us-east-1, test credentials).
    pub async fn sdk_config(&self) -> SdkConfig {
        aws_config::defaults(BehaviorVersion::latest())
            .endpoint_url(self.url())
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("testing", "testing", None, None, "moto"))
            .load()
            .await
    }

    /// One HTTP request to the server; the status and body.
    pub fn request(&self, method: &str, path: &str, body: &str) -> std::io::Result<(u16, String)> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port))?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.port,
            body.len()
        )?;
        let mut raw = String::new();
        stream.read_to_string(&mut raw)?;
        let status = raw
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let body = raw
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_owned())
            .unwrap_or_default();
        Ok((status, body))
    }

    /// A control-API call that must succeed.
    pub fn control(&self, method: &str, path: &str, body: &str) -> String {
        let (status, text) = self
            .request(method, path, body)
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        assert!(
            (200..300).contains(&status),
            "{method} {path} -> {status}: {text}"
        );
        text
    }

    /// Starts recording requests (the recorder is per server).
    pub fn start_recording(&self) {
        self.control("POST", "/moto-api/recorder/start-recording", "");
    }

    /// The requests recorded so far, one JSON document each.
    pub fn recording(&self) -> Vec<serde_json::Value> {
        let text = self.control("GET", "/moto-api/recorder/download-recording", "");
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

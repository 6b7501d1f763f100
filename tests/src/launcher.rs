//! The Rust tests' handle on the one local AWS harness, `tests/harness/launcher.py` (moto
//! in-process with the harness patches, plus the harness control API), so every Rust test
//! starts moto exactly as the Node runner does (`tests/e2e/lib/launcher.mjs`). Tests use it
//! through [`crate::Moto`].
//!
//! Each [`Launcher`] is one `<workspace>/.venv/bin/python -B tests/harness/launcher.py`
//! (`$E2E_PYTHON` replaces the interpreter) for one test: the tests run in parallel threads
//! without sharing state. It runs in its own temporary directory, which also holds moto's
//! recorder file (`MOTO_RECORDER_FILEPATH`), and prints one JSON ready line with the URLs
//! of moto and of the control API. Dropping the handle closes its stdin, kills it, waits
//! for it and removes the directory; if the test process dies instead, the closed stdin
//! makes the launcher exit on its own.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::workspace;

/// How long a launcher may take to print its ready line (importing moto is slow on a busy
/// 2-core machine).
const READY_TIMEOUT: Duration = Duration::from_secs(90);
/// The most of the launcher's stderr kept for an error message.
const STDERR_KEPT: usize = 16 * 1024;

/// A running `tests/harness/launcher.py`, stopped when dropped.
pub(crate) struct Launcher {
    child: Child,
    /// Held open: the launcher exits when it closes.
    stdin: Option<ChildStdin>,
    moto: String,
    control: String,
    dir: PathBuf,
    stderr: Arc<Mutex<String>>,
    stderr_reader: Option<JoinHandle<()>>,
}

/// The Python interpreter (moto, boto3): `$E2E_PYTHON` or the workspace's `.venv`.
pub fn python() -> PathBuf {
    if let Some(path) = std::env::var_os("E2E_PYTHON") {
        return PathBuf::from(path);
    }
    let venv = workspace().join(".venv/bin/python");
    assert!(
        venv.exists(),
        "{} is missing: run scripts/setup.sh (installs moto into .venv) or set E2E_PYTHON",
        venv.display()
    );
    venv
}

impl Launcher {
    /// Starts a launcher with `env` added to its environment (moto settings such as
    /// `SF_EXECUTION_HISTORY_TYPE`) and waits for its ready line.
    pub(crate) fn start(env: &[(&str, &str)]) -> Self {
        static STARTED: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "harness-launcher-{}-{}",
            std::process::id(),
            STARTED.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("temp dir {}: {e}", dir.display()));
        let python = python();
        let script = workspace().join("tests/harness/launcher.py");
        let mut child = Command::new(&python)
            .arg("-B")
            .arg(&script)
            .current_dir(&dir)
            .env("MOTO_RECORDER_FILEPATH", dir.join("recording"))
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start {} {}: {e} (run scripts/setup.sh or set E2E_PYTHON)",
                    python.display(),
                    script.display()
                )
            });
        let stdin = child.stdin.take();
        let stderr = Arc::new(Mutex::new(String::new()));
        let stderr_reader = child
            .stderr
            .take()
            .map(|pipe| keep_tail(pipe, Arc::clone(&stderr)));
        let (ready_tx, ready_rx) = mpsc::channel();
        if let Some(pipe) = child.stdout.take() {
            std::thread::spawn(move || {
                let mut lines = BufReader::new(pipe).lines();
                let _ = ready_tx.send(lines.next());
                for _ in lines {} // nothing more is expected; never let the pipe fill up
            });
        }
        let mut launcher = Self {
            child,
            stdin,
            moto: String::new(),
            control: String::new(),
            dir,
            stderr,
            stderr_reader,
        };
        let line = match ready_rx.recv_timeout(READY_TIMEOUT) {
            Ok(Some(Ok(line))) => line,
            Ok(_) => launcher.fail("exited before it was ready"),
            Err(_) => launcher.fail(&format!(
                "was not ready after {} s",
                READY_TIMEOUT.as_secs()
            )),
        };
        let ready: serde_json::Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("launcher ready line is not JSON ({e}): {line}"));
        let url = |key: &str| {
            ready[key]
                .as_str()
                .unwrap_or_else(|| panic!("launcher ready line has no {key}: {line}"))
                .to_owned()
        };
        launcher.moto = url("moto");
        launcher.control = url("control");
        launcher
    }

    /// Stops the launcher, reads the rest of its stderr and panics with it.
    fn fail(&mut self, what: &str) -> ! {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(reader) = self.stderr_reader.take() {
            let _ = reader.join();
        }
        panic!(
            "the launcher ({} -B tests/harness/launcher.py) {what}; its stderr:\n{}",
            python().display(),
            self.stderr_tail()
        )
    }

    /// moto's endpoint, `http://127.0.0.1:<port>`.
    pub(crate) fn moto_url(&self) -> &str {
        &self.moto
    }

    /// What the launcher wrote to stderr lately (for error messages).
    pub(crate) fn stderr_tail(&self) -> String {
        self.stderr.lock().map(|t| t.clone()).unwrap_or_default()
    }

    /// A call to moto's own API (`/moto-api/...`: recorder, state manager) that must
    /// succeed; the response body.
    pub(crate) fn moto_api(&self, method: &str, path: &str, body: &str) -> String {
        self.must(&self.moto, method, path, body)
    }

    /// A call to the harness control API (`/controls`, `/counters`, `/facts`, ...; see
    /// `tests/harness/control.py`) that must succeed; the response body.
    pub(crate) fn control(&self, method: &str, path: &str, body: &str) -> String {
        self.must(&self.control, method, path, body)
    }

    fn must(&self, base: &str, method: &str, path: &str, body: &str) -> String {
        let (status, text) = request(base, method, path, body)
            .unwrap_or_else(|e| panic!("{method} {base}{path}: {e}"));
        assert!(
            (200..300).contains(&status),
            "{method} {base}{path} -> {status}: {text}\nlauncher stderr:\n{}",
            self.stderr_tail()
        );
        text
    }
}

/// Reads `pipe` to its end on a thread, keeping its last [`STDERR_KEPT`] bytes (cut at a
/// character boundary) in `kept`: enough for an error message, and the pipe never fills.
fn keep_tail(pipe: impl Read + Send + 'static, kept: Arc<Mutex<String>>) -> JoinHandle<()> {
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            if let Ok(mut text) = kept.lock() {
                text.push_str(&line);
                text.push('\n');
                if text.len() > STDERR_KEPT {
                    let cut = text.len() - STDERR_KEPT;
                    let cut = (cut..text.len())
                        .find(|&i| text.is_char_boundary(i))
                        .unwrap_or(text.len());
                    text.drain(..cut);
                }
            }
        }
    })
}

/// One HTTP/1.1 request to `base` (`http://host:port`); the status and body.
fn request(base: &str, method: &str, path: &str, body: &str) -> std::io::Result<(u16, String)> {
    let host = base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(host)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
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

impl Drop for Launcher {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

//! The real binaries under a minimal local Lambda Runtime API: an init error reaches
//! `/init/error` as `InvalidConfig`, invocations answer with the contract's payloads and
//! error names, and log lines are JSON carrying the export id.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

/// One request the binary made to the Runtime API.
#[derive(Debug)]
struct Call {
    method: String,
    path: String,
    body: String,
}

fn read_request(stream: &mut TcpStream) -> Option<Call> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next()?.to_owned(), parts.next()?.to_owned());
    let mut length = 0usize;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((k, v)) = header.split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            length = v.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body).ok()?;
    Some(Call {
        method,
        path,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

/// Serves `events` (request id, payload) one per `/next`, then leaves `/next` hanging.
fn serve(listener: TcpListener, mut events: Vec<(String, Value)>) -> Receiver<Call> {
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        let mut parked = Vec::new();
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let Some(call) = read_request(&mut stream) else {
                continue;
            };
            let next = call.path.ends_with("/invocation/next");
            let _ = tx.send(call);
            if next {
                if events.is_empty() {
                    parked.push(stream); // no more work: the runtime waits, as under Lambda
                    continue;
                }
                let (id, payload) = events.remove(0);
                let body = payload.to_string();
                let deadline = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map(|d| d.as_millis())
                    .unwrap_or(0)
                    + 60_000;
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nLambda-Runtime-Aws-Request-Id: {id}\r\n\
                     Lambda-Runtime-Deadline-Ms: {deadline}\r\nLambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:1:function:f\r\n\
                     Lambda-Runtime-Trace-Id: Root=1-0-0\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            } else {
                let _ = write!(
                    stream,
                    "HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}"
                );
            }
        }
    });
    rx
}

/// Runs `binary` with `env` (and nothing else from the test's environment) until it has
/// made `posts` POST requests or exited; returns the POSTs and its stdout.
fn run(
    binary: &str,
    env: &[(&str, &str)],
    events: Vec<(String, Value)>,
    posts: usize,
) -> (Vec<Call>, String) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
    let port = listener
        .local_addr()
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("{e}"));
    let calls = serve(listener, events);
    let mut child = Command::new(binary)
        .env_clear()
        .env("AWS_LAMBDA_RUNTIME_API", format!("127.0.0.1:{port}"))
        .env("AWS_LAMBDA_FUNCTION_NAME", "test-function")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {binary}: {e}"));
    let mut seen = Vec::new();
    let until = Instant::now() + Duration::from_secs(30);
    while seen.len() < posts && Instant::now() < until {
        match calls.recv_timeout(Duration::from_millis(200)) {
            Ok(call) if call.method == "POST" => seen.push(call),
            Ok(_) => {}
            Err(_) => {
                if matches!(child.try_wait(), Ok(Some(_))) {
                    break;
                }
            }
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let mut stdout = String::new();
    if let Some(mut out) = child.stdout.take() {
        let _ = out.read_to_string(&mut stdout);
    }
    (seen, stdout)
}

#[test]
fn config_error_is_an_invalid_config_init_error() {
    let (posts, _) = run(
        env!("CARGO_BIN_EXE_start-export"),
        &[("EXPORT_KMS_KEY_ARN", "arn:aws:kms:us-east-1:1:key/k")],
        vec![],
        1,
    );
    let call = posts
        .first()
        .unwrap_or_else(|| panic!("no POST to the Runtime API"));
    assert_eq!(call.path, "/2018-06-01/runtime/init/error");
    let body: Value = serde_json::from_str(&call.body).unwrap_or(Value::Null);
    assert_eq!(body["errorType"], "InvalidConfig", "{}", call.body);
    assert!(
        body["errorMessage"]
            .as_str()
            .is_some_and(|m| m.contains("EXPORT_BUCKET")),
        "{}",
        call.body
    );
}

fn job() -> Value {
    json!({"action": "export", "snapshot_arn": "arn:aws:rds:us-east-1:1:snapshot:s1", "source_kind": "db-snapshot",
           "snapshot_id": "s1", "trigger": "manual", "export_task_id": "s1-0a1b2c3d"})
}

#[test]
fn notify_answers_and_logs_json_with_the_export_id() {
    let input = json!({"outcome": "FAILED", "execution_id": "arn:aws:states:us-east-1:1:execution:p:e",
                       "execution_started_at": "2027-01-15T08:00:00Z", "state": {"job": job()}});
    let (posts, stdout) = run(
        env!("CARGO_BIN_EXE_notify"),
        &[],
        vec![("req-1".into(), input)],
        1,
    );
    let call = posts
        .first()
        .unwrap_or_else(|| panic!("no response posted"));
    assert_eq!(call.path, "/2018-06-01/runtime/invocation/req-1/response");
    let body: Value = serde_json::from_str(&call.body).unwrap_or(Value::Null);
    assert_eq!(
        body,
        json!({"sent": false, "detail_type": "Snapshot Export Failed"})
    );
    let logged_with_id = stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .any(|l| l["span"]["export_id"] == "s1-0a1b2c3d");
    assert!(
        logged_with_id,
        "no JSON log line with the export id:\n{stdout}"
    );
}

#[test]
fn handler_errors_carry_the_contract_name() {
    let env = [
        ("EXPORT_BUCKET", "exports-bucket"),
        ("EXPORT_KMS_KEY_ARN", "arn:aws:kms:us-east-1:1:key/k"),
        ("EXPORT_ROLE_ARN", "arn:aws:iam::1:role/export"),
    ];
    let mut ignored = job();
    ignored["action"] = json!("ignore");
    let input = json!({"job": ignored, "policy": {"min_poll_seconds": 30, "max_poll_seconds": 1800, "max_wait_seconds": 86400}});
    let (posts, _) = run(
        env!("CARGO_BIN_EXE_start-export"),
        &env,
        vec![("req-2".into(), input)],
        1,
    );
    let call = posts.first().unwrap_or_else(|| panic!("no error posted"));
    assert_eq!(call.path, "/2018-06-01/runtime/invocation/req-2/error");
    let body: Value = serde_json::from_str(&call.body).unwrap_or(Value::Null);
    assert_eq!(body["errorType"], "InvalidInput", "{}", call.body);
}

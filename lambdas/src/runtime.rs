//! The shared `main` of every binary: logging, configuration, clients, the Lambda loop.
//!
//! Each binary is one call to [`run`] with its [`Handler`]. Configuration errors are
//! reported to the Runtime API's `/init/error` with `errorType` `InvalidConfig`, so a bad
//! deployment fails every invocation with a message naming the variable to fix.

use std::future::Future;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use lambda_runtime::{Diagnostic, LambdaEvent, service_fn};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tracing::Instrument;

use contract::functions::Function;

use crate::config::Env;
use crate::error::TaskError;

/// One Lambda function's handler: its configuration, its input and output, its code.
pub trait Handler: Sized + Send + Sync + 'static {
    /// Its entry in the function table.
    const FUNCTION: &'static Function;
    /// Its configuration, parsed from the environment.
    type Config: Send;
    /// The payload the state machine passes.
    type Input: DeserializeOwned + Send;
    /// The result the state machine keeps.
    type Output: Serialize + Send;

    /// Parses the environment (once per cold start): `InvalidConfig` naming the variable
    /// that is missing or malformed.
    fn config(env: &Env) -> Result<Self::Config, TaskError>;

    /// Builds the clients (once per cold start).
    fn init(config: Self::Config) -> impl Future<Output = Self> + Send;

    /// The export id the input is about, for the log span (`None` when not known yet).
    fn export_id(input: &Self::Input) -> Option<String>;

    /// Handles one invocation.
    fn handle(
        &self,
        input: Self::Input,
        invocation: Invocation,
    ) -> impl Future<Output = Result<Self::Output, TaskError>> + Send;
}

/// What an invocation knows about time.
#[derive(Debug, Clone, Copy)]
pub struct Invocation {
    /// Wall clock, seconds since the Unix epoch.
    pub now: i64,
    /// When Lambda will stop the invocation, if known.
    pub deadline: Option<Instant>,
}

/// Seconds since the Unix epoch.
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// The invocation's deadline (ms since the epoch in the Lambda context) as an [`Instant`].
pub(crate) fn deadline_instant(deadline_ms: u64) -> Option<Instant> {
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .ok()?
        .as_millis();
    let left = u128::from(deadline_ms).checked_sub(now_ms)?;
    Instant::now().checked_add(Duration::from_millis(u64::try_from(left).ok()?))
}

/// Installs JSON logs (text when `AWS_LAMBDA_LOG_FORMAT=Text`), level from
/// `AWS_LAMBDA_LOG_LEVEL` or `RUST_LOG`, default INFO.
pub(crate) fn init_logging() {
    use lambda_runtime::tracing::subscriber::{EnvFilter, filter::LevelFilter, fmt};
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .or_else(|_| std::env::var("RUST_LOG"))
        .ok()
        .and_then(|l| l.parse::<LevelFilter>().ok())
        .unwrap_or(LevelFilter::INFO);
    let filter = EnvFilter::builder()
        .with_default_directive(level.into())
        .parse_lossy("");
    let text = std::env::var("AWS_LAMBDA_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("text"));
    let builder = fmt()
        .with_env_filter(filter)
        .with_target(false)
        .without_time();
    // `try_init` so a second call (tests) is harmless.
    let _ = if text {
        builder.try_init()
    } else {
        builder.json().with_current_span(true).try_init()
    };
}

/// Runs the handler `T` under the Lambda Runtime API until the process is stopped.
pub async fn run<T: Handler>() -> Result<(), lambda_runtime::Error> {
    init_logging();
    let env = Env::from_process(T::FUNCTION);
    let task = match T::config(&env) {
        Ok(config) => Box::pin(T::init(config)).await,
        Err(e) => {
            tracing::error!(error_type = e.name(), error = %e, "start-up failed");
            report_init_error(&e).await;
            return Err(Box::new(e));
        }
    };
    let task = &task;
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<serde_json::Value>| async move {
            let invocation = Invocation {
                now: unix_now(),
                deadline: deadline_instant(event.context.deadline),
            };
            let span = tracing::info_span!(
                "task",
                function = T::FUNCTION.binary,
                export_id = tracing::field::Empty,
                request_id = %event.context.request_id
            );
            async move {
                let result = match parse_input::<T>(event.payload) {
                    Ok(input) => {
                        if let Some(id) = T::export_id(&input) {
                            tracing::Span::current().record("export_id", id.as_str());
                        }
                        // Boxed: the SDK's nested futures otherwise overflow the compiler's
                        // layout depth.
                        Box::pin(task.handle(input, invocation)).await
                    }
                    Err(e) => Err(e),
                };
                match &result {
                    Ok(_) => tracing::info!("task succeeded"),
                    Err(e) => tracing::warn!(error_type = e.name(), error = %e, "task failed"),
                }
                result.map_err(Diagnostic::from)
            }
            .instrument(span)
            .await
        },
    ))
    .await
}

/// The payload as the handler's input type. Deserialized here rather than by the runtime
/// so that a payload of the wrong shape is an `InvalidInput` naming the field (the
/// runtime's own error type would be a Rust type name no Retry or Catch can match).
/// The fuzz test (`lambdas/tests/fuzz.rs`) drives it through `crate::HANDLERS`.
pub(crate) fn parse_input<T: Handler>(payload: serde_json::Value) -> Result<T::Input, TaskError> {
    serde_json::from_value(payload).map_err(|e| {
        TaskError::InvalidInput(format!(
            "the {} function's input does not have the shape its state passes: {e}",
            T::FUNCTION.binary
        ))
    })
}

/// Posts the error to `/runtime/init/error`, as Lambda expects of a runtime that cannot
/// start, so the invocation fails with our error name instead of `Runtime.ExitError`.
async fn report_init_error(error: &TaskError) {
    use lambda_runtime_api_client::{PooledClient, body::Body, build_request};
    if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_none() {
        // Not under Lambda (a local run): the log line above is all there is to say.
        return;
    }
    let diagnostic = Diagnostic::from(error.clone());
    let body = match serde_json::to_vec(&diagnostic) {
        Ok(b) => b,
        Err(_) => return,
    };
    let request = build_request()
        .method("POST")
        .uri("/2018-06-01/runtime/init/error")
        .header("lambda-runtime-function-error-type", error.name())
        .header("content-type", "application/json")
        .body(Body::from(body));
    match request {
        Ok(request) => {
            if let Err(e) = PooledClient::builder().build().call(request).await {
                tracing::error!(error = %e, "could not report the init error");
            }
        }
        Err(e) => tracing::error!(error = %e, "could not build the init error request"),
    }
}

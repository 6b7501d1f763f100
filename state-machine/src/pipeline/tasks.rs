//! The Task states every stage is made of, and the small conversions the stages share.
//!
//! A Task's Resource, timeout and retries come from the function table and the project's
//! retry rules, never from the stage: every Task of the graph retries the same way, and
//! none catches its errors (see the `pipeline` module doc for why).

use serde_json::{Value, json};

use crate::asl::{JitterStrategy, JsonPath, ResultPath, Retrier, Task, Transition};
use crate::error::AslError;
use contract::{errors, functions};

/// The context object's redrive count, passed to every task that behaves differently
/// after a redrive (0 before any).
pub(super) const REDRIVE_COUNT: &str = "$$.Execution.RedriveCount";

/// The context object's execution ARN (the holder of a slot, the owner of a snapshot).
pub(super) const EXECUTION_ID: &str = "$$.Execution.Id";

/// The context object's task token (callback Tasks only; new at every entry).
pub(super) const TASK_TOKEN: &str = "$$.Task.Token";

/// The Task state `state` calling its function (per the function table), with the
/// function's timeout and the standard retries, and no Catch.
pub(super) fn lambda(state: &str, next: &str) -> Result<Task, AslError> {
    let function = function_of(state)?;
    Ok(Task::new(
        format!("${{{}}}", function.placeholder()),
        Transition::next(next),
    )
    .timeout_seconds(function.task_timeout_seconds().into())
    .retry(standard_retries()))
}

/// The callback Task state `state` (`lambda:invoke.waitForTaskToken`) calling its function
/// (per the function table) with `payload`, waiting at most the seconds at
/// `timeout_path`, with the standard retries (the invocation's errors) and no Catch yet.
pub(super) fn callback(
    state: &str,
    next: &str,
    payload: Value,
    timeout_path: &str,
) -> Result<Task, AslError> {
    let mut task = callback_task(state, next, payload)?;
    task.extra
        .insert("TimeoutSecondsPath".to_owned(), Value::from(timeout_path));
    Ok(task)
}

/// The callback Task state `state` with `payload`, the standard retries and no timeout
/// yet (the caller sets TimeoutSeconds or TimeoutSecondsPath).
pub(super) fn callback_task(state: &str, next: &str, payload: Value) -> Result<Task, AslError> {
    let function = function_of(state)?;
    Ok(
        Task::new(functions::CALLBACK_RESOURCE, Transition::next(next))
            .parameters(json!({
                "FunctionName": format!("${{{}}}", function.placeholder()),
                "Payload": payload,
            }))
            .retry(standard_retries()),
    )
}

fn function_of(state: &str) -> Result<&'static functions::Function, AslError> {
    functions::for_state(state).ok_or_else(|| AslError::NoFunction(state.to_owned()))
}

/// (1) the Lambda service errors as CDK's LambdaInvoke retries them, (2) our transient
/// errors with capped, jittered backoff.
fn standard_retries() -> Vec<Retrier> {
    vec![
        Retrier::on(errors::LAMBDA_SERVICE_ERRORS)
            .interval_seconds(2)
            .max_attempts(6)
            .backoff_rate(2.0),
        Retrier::on(errors::TRANSIENT)
            .interval_seconds(2)
            .max_attempts(6)
            .backoff_rate(2.0)
            .max_delay_seconds(60)
            .jitter(JitterStrategy::Full),
    ]
}

/// A JSONPath the graph spells out.
pub(super) fn path(p: &str) -> Result<JsonPath, AslError> {
    JsonPath::new(p)
}

/// A ResultPath the graph spells out.
pub(super) fn result_path(p: &str) -> Result<ResultPath, AslError> {
    ResultPath::path(p)
}

/// A literal the graph writes into a payload (a policy).
pub(super) fn to_json(value: impl serde::Serialize) -> Result<Value, AslError> {
    serde_json::to_value(value).map_err(|source| AslError::Render { source })
}

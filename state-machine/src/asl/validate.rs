//! The rules a graph must follow before it is rendered or accepted from a file.
//!
//! Each rule fails with its own [`AslError`] variant naming the state and the field, so a
//! mistake in a pipeline stage reads like a review comment, not like a Step Functions
//! deployment error an hour later.

use std::collections::{HashMap, HashSet, VecDeque};

use serde_json::Value;

use super::StateMachine;
use super::choice::Condition;
use super::path::{MAX_STATE_NAME_LEN, ResultPath};
use super::retry::{Catcher, MAX_DELAY_SECONDS_LIMIT, Retrier, STATES_ALL};
use super::states::State;
use crate::error::AslError;

/// Largest IntervalSeconds / MaxAttempts Step Functions accepts.
const RETRY_NUMBER_LIMIT: u32 = 99_999_999;

/// Keys the model owns: the `extra` escape hatch may not redefine them.
const RESERVED_KEYS: [&str; 24] = [
    "Type",
    "Next",
    "End",
    "Comment",
    "Resource",
    "InputPath",
    "OutputPath",
    "Parameters",
    "ResultSelector",
    "ResultPath",
    "TimeoutSeconds",
    "Retry",
    "Catch",
    "Result",
    "Seconds",
    "SecondsPath",
    "Timestamp",
    "TimestampPath",
    "Choices",
    "Default",
    "Error",
    "ErrorPath",
    "Cause",
    "CausePath",
];

/// Checks every rule; the first broken one is returned.
pub(crate) fn validate(machine: &StateMachine) -> Result<(), AslError> {
    let states = &machine.states.0;
    if states.is_empty() {
        return Err(AslError::NoStates);
    }
    let mut positions: HashMap<&str, usize> = HashMap::new();
    for (position, (name, _)) in states.iter().enumerate() {
        let len = name.as_str().chars().count();
        if len == 0 {
            return Err(AslError::EmptyStateName { position });
        }
        if len > MAX_STATE_NAME_LEN {
            return Err(AslError::StateNameTooLong {
                name: name.to_string(),
                len,
            });
        }
        if let Some(first) = positions.insert(name.as_str(), position) {
            return Err(AslError::DuplicateStateName {
                name: name.to_string(),
                first,
                second: position,
            });
        }
    }
    if !positions.contains_key(machine.start_at.as_str()) {
        return Err(AslError::UnknownStartAt {
            target: machine.start_at.to_string(),
        });
    }
    if machine.timeout_seconds == Some(0) {
        return Err(AslError::InvalidTimeout {
            owner: "the state machine".to_owned(),
            value: 0,
        });
    }
    for (name, state) in states {
        for (field, target) in state.targets() {
            if !positions.contains_key(target.as_str()) {
                return Err(AslError::UnknownTarget {
                    state: name.to_string(),
                    field,
                    target: target.to_string(),
                });
            }
        }
        check_state(name.as_str(), state)?;
    }
    check_reachable(machine)?;
    if !states.iter().any(|(_, state)| state.is_terminal()) {
        return Err(AslError::NoTerminalState);
    }
    Ok(())
}

/// The rules local to one state.
fn check_state(name: &str, state: &State) -> Result<(), AslError> {
    if let Some(key) = state
        .extra()
        .keys()
        .find(|k| RESERVED_KEYS.contains(&k.as_str()))
    {
        return Err(AslError::ReservedExtraField {
            state: name.to_owned(),
            key: key.clone(),
        });
    }
    match state {
        State::Task(task) => {
            if task.timeout_seconds == Some(0) {
                return Err(AslError::InvalidTimeout {
                    owner: format!("state `{name}`"),
                    value: 0,
                });
            }
            check_template(name, "Parameters", task.parameters.as_ref())?;
            check_template(name, "ResultSelector", task.result_selector.as_ref())?;
            check_result_path(name, "ResultPath", task.result_path.as_ref())?;
            for (i, retrier) in task.retry.iter().enumerate() {
                check_retrier(name, i, task.retry.len(), retrier)?;
            }
            for (i, catcher) in task.catch.iter().enumerate() {
                check_catcher(name, i, task.catch.len(), catcher)?;
            }
        }
        State::Pass(pass) => {
            check_template(name, "Parameters", pass.parameters.as_ref())?;
            check_result_path(name, "ResultPath", pass.result_path.as_ref())?;
        }
        State::Choice(choice) => {
            if choice.choices.is_empty() {
                return Err(AslError::ChoiceWithoutRules {
                    state: name.to_owned(),
                });
            }
            for (i, rule) in choice.choices.iter().enumerate() {
                check_condition(name, &format!("Choices[{i}]"), &rule.condition)?;
            }
        }
        State::Fail(fail) => {
            let conflict = |first, second| AslError::ConflictingFields {
                state: name.to_owned(),
                first,
                second,
            };
            if fail.error.is_some() && fail.error_path.is_some() {
                return Err(conflict("Error", "ErrorPath"));
            }
            if fail.cause.is_some() && fail.cause_path.is_some() {
                return Err(conflict("Cause", "CausePath"));
            }
        }
        State::Wait(_) | State::Succeed(_) => {}
    }
    Ok(())
}

/// `ErrorEquals` is not empty, and `States.ALL` is alone and in the last entry.
fn check_error_equals(
    state: &str,
    list: &str,
    index: usize,
    len: usize,
    errors: &[String],
) -> Result<(), AslError> {
    let field = format!("{list}[{index}]");
    if errors.is_empty() {
        return Err(AslError::EmptyErrorEquals {
            state: state.to_owned(),
            field: format!("{field}.ErrorEquals"),
        });
    }
    if errors.iter().any(|e| e == STATES_ALL) {
        if errors.len() > 1 {
            return Err(AslError::StatesAllNotAlone {
                state: state.to_owned(),
                field: format!("{field}.ErrorEquals"),
            });
        }
        if index + 1 != len {
            return Err(AslError::StatesAllNotLast {
                state: state.to_owned(),
                field,
            });
        }
    }
    Ok(())
}

fn check_retrier(state: &str, index: usize, len: usize, r: &Retrier) -> Result<(), AslError> {
    check_error_equals(state, "Retry", index, len, &r.error_equals)?;
    let out_of_range = |field: &str, value: String, allowed| AslError::RetryOutOfRange {
        state: state.to_owned(),
        field: format!("Retry[{index}].{field}"),
        value,
        allowed,
    };
    if let Some(v) = r.interval_seconds
        && !(1..=RETRY_NUMBER_LIMIT).contains(&v)
    {
        return Err(out_of_range(
            "IntervalSeconds",
            v.to_string(),
            "1..=99999999",
        ));
    }
    if let Some(v) = r.max_attempts
        && v > RETRY_NUMBER_LIMIT
    {
        return Err(out_of_range("MaxAttempts", v.to_string(), "0..=99999999"));
    }
    if let Some(v) = r.backoff_rate
        && !(v.is_finite() && v >= 1.0)
    {
        return Err(out_of_range("BackoffRate", v.to_string(), "at least 1.0"));
    }
    if let Some(v) = r.max_delay_seconds
        && !(1..=MAX_DELAY_SECONDS_LIMIT).contains(&v)
    {
        return Err(out_of_range(
            "MaxDelaySeconds",
            v.to_string(),
            "1..=31622400",
        ));
    }
    Ok(())
}

fn check_catcher(state: &str, index: usize, len: usize, c: &Catcher) -> Result<(), AslError> {
    check_error_equals(state, "Catch", index, len, &c.error_equals)?;
    check_result_path(
        state,
        &format!("Catch[{index}].ResultPath"),
        c.result_path.as_ref(),
    )
}

/// A ResultPath writes into the state's data: the context object is read-only.
fn check_result_path(state: &str, field: &str, path: Option<&ResultPath>) -> Result<(), AslError> {
    match path {
        Some(ResultPath::Path(p)) if p.is_context() => Err(AslError::ContextPathNotAllowed {
            state: state.to_owned(),
            field: field.to_owned(),
            path: p.to_string(),
        }),
        _ => Ok(()),
    }
}

/// Every `"key.$"` of a payload template holds a path (`$...`) or an intrinsic
/// (`States.Format(...)`), at any depth.
fn check_template(
    state: &str,
    field: &'static str,
    template: Option<&Value>,
) -> Result<(), AslError> {
    fn walk(state: &str, field: &'static str, value: &Value) -> Result<(), AslError> {
        match value {
            Value::Object(map) => {
                for (key, value) in map {
                    if key.ends_with(".$") {
                        let ok = value.as_str().is_some_and(|s| {
                            s.starts_with("States.") || super::path::JsonPath::new(s).is_ok()
                        });
                        if !ok {
                            return Err(AslError::InvalidPayloadPath {
                                state: state.to_owned(),
                                field,
                                key: key.clone(),
                                value: value.to_string(),
                            });
                        }
                    } else {
                        walk(state, field, value)?;
                    }
                }
                Ok(())
            }
            Value::Array(items) => items.iter().try_for_each(|v| walk(state, field, v)),
            _ => Ok(()),
        }
    }
    template.map_or(Ok(()), |t| walk(state, field, t))
}

/// `And` and `Or` hold at least one condition, at any depth.
fn check_condition(state: &str, field: &str, condition: &Condition) -> Result<(), AslError> {
    let (name, list) = match condition {
        Condition::Compare { .. } => return Ok(()),
        Condition::Not(inner) => return check_condition(state, &format!("{field}.Not"), inner),
        Condition::And(list) => ("And", list),
        Condition::Or(list) => ("Or", list),
    };
    if list.is_empty() {
        return Err(AslError::InvalidCondition {
            state: state.to_owned(),
            field: field.to_owned(),
            reason: format!("`{name}` needs at least one condition"),
        });
    }
    list.iter()
        .enumerate()
        .try_for_each(|(i, c)| check_condition(state, &format!("{field}.{name}[{i}]"), c))
}

/// Every state is reachable from `StartAt` through Next, Choices, Default and Catch.
fn check_reachable(machine: &StateMachine) -> Result<(), AslError> {
    let by_name: HashMap<&str, &State> = machine
        .states()
        .map(|(name, state)| (name.as_str(), state))
        .collect();
    let mut seen: HashSet<&str> = HashSet::from([machine.start_at.as_str()]);
    let mut queue = VecDeque::from([machine.start_at.as_str()]);
    while let Some(name) = queue.pop_front() {
        let Some(state) = by_name.get(name) else {
            continue;
        };
        for (_, target) in state.targets() {
            if seen.insert(target.as_str()) {
                queue.push_back(target.as_str());
            }
        }
    }
    match machine
        .states()
        .find(|(name, _)| !seen.contains(name.as_str()))
    {
        Some((name, _)) => Err(AslError::Unreachable {
            state: name.to_string(),
            start_at: machine.start_at.to_string(),
        }),
        None => Ok(()),
    }
}

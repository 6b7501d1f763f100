//! The deployed definition against the one rendered from the configuration (the renderer
//! `render` uses), with each function's placeholder replaced by the deployed function's
//! ARN as the Terraform's `templatefile` does. The first difference is named by its JSON
//! path.

use contract::functions::FUNCTIONS;
use serde_json::Value;
use state_machine::{PipelineConfig, pipeline};

use super::Check;
use super::stack::Stack;

/// The check's name.
const NAME: &str = "definition";

/// Compares the deployed definition with the rendered one.
pub(crate) fn check(stack: &Stack, config: &PipelineConfig) -> Check {
    let fix = "render the definition from the deployed configuration (snapshot-export render \
               --config FILE --out state-machine/definition.asl.json, or the module's \
               definition_path) and terraform apply, or pass the --config it was rendered from";
    let rendered = match pipeline(config).and_then(|p| p.to_json()) {
        Ok(text) => text,
        Err(e) => {
            return Check::fail(
                NAME,
                format!("the configuration does not render: {e}"),
                "--config",
                "fix the configuration (snapshot-export validate --config FILE)",
            );
        }
    };
    let mut expected_text = rendered;
    for function in FUNCTIONS {
        if let Some(deployed) = stack.function(function.binary) {
            expected_text =
                expected_text.replace(&format!("${{{}}}", function.placeholder()), &deployed.arn);
        }
    }
    let expected: Value = serde_json::from_str(&expected_text).unwrap_or(Value::Null);
    let deployed: Value = match serde_json::from_str(&stack.definition) {
        Ok(value) => value,
        Err(e) => {
            return Check::fail(
                NAME,
                format!("the deployed definition is not JSON: {e}"),
                &stack.machine.arn,
                fix,
            );
        }
    };
    match structural_difference(&deployed, &expected) {
        None => {
            Check::ok(NAME, "the deployed definition is the rendered one").on(&stack.machine.arn)
        }
        Some(difference) => Check::fail(
            NAME,
            format!("the deployed definition differs from the rendered one at {difference}"),
            &stack.machine.arn,
            fix,
        ),
    }
}

/// The first difference outside the top-level `Comment`, else the Comment's: the Comment
/// only describes the graph (and changes with every config), so a drifted state is the
/// more useful place to name.
fn structural_difference(deployed: &Value, expected: &Value) -> Option<String> {
    let without_comment = |value: &Value| {
        let mut value = value.clone();
        if let Value::Object(map) = &mut value {
            map.remove("Comment");
        }
        value
    };
    first_difference(&without_comment(deployed), &without_comment(expected), "$")
        .or_else(|| first_difference(deployed, expected, "$"))
}

/// The first place `deployed` and `expected` differ: its path and both values (cut).
pub(crate) fn first_difference(deployed: &Value, expected: &Value, path: &str) -> Option<String> {
    match (deployed, expected) {
        (Value::Object(d), Value::Object(e)) => {
            for (key, value) in e {
                let here = format!("{path}.{key}");
                match d.get(key) {
                    None => return Some(format!("{here}: missing (rendered: {})", short(value))),
                    Some(found) => {
                        if let Some(diff) = first_difference(found, value, &here) {
                            return Some(diff);
                        }
                    }
                }
            }
            d.iter()
                .find(|(key, _)| !e.contains_key(*key))
                .map(|(key, value)| {
                    format!("{path}.{key}: not rendered (deployed: {})", short(value))
                })
        }
        (Value::Array(d), Value::Array(e)) if d.len() == e.len() => d
            .iter()
            .zip(e)
            .enumerate()
            .find_map(|(i, (d, e))| first_difference(d, e, &format!("{path}[{i}]"))),
        _ if deployed == expected => None,
        _ => Some(format!(
            "{path}: deployed {}, rendered {}",
            short(deployed),
            short(expected)
        )),
    }
}

/// A value on one line, cut to 80 characters.
fn short(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() <= 80 {
        text
    } else {
        format!("{}…", text.chars().take(79).collect::<String>())
    }
}

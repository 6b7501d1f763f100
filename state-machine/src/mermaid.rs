//! Renders a [`StateMachine`] as a Mermaid `flowchart TD`, for the docs and the CLI.
//!
//! Shapes follow the state type (tasks are boxes, choices diamonds, waits stadiums, ends
//! circles); Choice rules label their edges, defaults and catches are dotted.

use std::fmt::Write as _;

use crate::asl::{Condition, State, StateMachine, Test};

impl StateMachine {
    /// The machine as Mermaid flowchart text (ends with a newline).
    pub fn to_mermaid(&self) -> String {
        let mut out = String::from("flowchart TD\n    start_((start))\n");
        for (name, state) in self.states() {
            let (open, close) = shape(state);
            let _ = writeln!(
                out,
                "    {}{open}\"{}\"{close}",
                node_id(name.as_str()),
                label(name.as_str())
            );
        }
        let _ = writeln!(out, "    start_ --> {}", node_id(self.start_at().as_str()));
        for (name, state) in self.states() {
            write_edges(&mut out, &node_id(name.as_str()), state);
        }
        out
    }
}

/// The node id of a state: its name with other characters than letters, digits and `_`
/// replaced; `end` (a Mermaid keyword) and names starting with a digit get a prefix.
fn node_id(name: &str) -> String {
    let id: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let reserved = id.eq_ignore_ascii_case("end") || id.starts_with(|c: char| c.is_ascii_digit());
    if reserved { format!("s_{id}") } else { id }
}

/// The brackets of a state's node: tasks are boxes, choices diamonds, waits stadiums, ends
/// circles.
fn shape(state: &State) -> (&'static str, &'static str) {
    match state {
        State::Task(_) => ("[", "]"),
        State::Pass(_) => ("[/", "/]"),
        State::Wait(_) => ("([", "])"),
        State::Choice(_) => ("{", "}"),
        State::Succeed(_) | State::Fail(_) => ("((", "))"),
    }
}

/// The edges out of the state `from`: its `Next`, a Choice's rules (labelled with their
/// condition) and default (dotted), a Task's catches (dotted).
fn write_edges(out: &mut String, from: &str, state: &State) {
    if let Some(next) = state.transition().and_then(|t| t.target()) {
        let _ = writeln!(out, "    {from} --> {}", node_id(next.as_str()));
    }
    match state {
        State::Choice(choice) => {
            for rule in &choice.choices {
                let _ = writeln!(
                    out,
                    "    {from} -->|\"{}\"| {}",
                    label(&describe(&rule.condition)),
                    node_id(rule.next.as_str())
                );
            }
            if let Some(default) = &choice.default {
                let _ = writeln!(
                    out,
                    "    {from} -.->|default| {}",
                    node_id(default.as_str())
                );
            }
        }
        State::Task(task) => {
            for catcher in &task.catch {
                let _ = writeln!(
                    out,
                    "    {from} -.->|\"catch {}\"| {}",
                    label(&catcher.error_equals.join(", ")),
                    node_id(catcher.next.as_str())
                );
            }
        }
        _ => {}
    }
}

/// A condition in words (`$.export.status = COMPLETE`).
fn describe(condition: &Condition) -> String {
    match condition {
        Condition::Compare { variable, test } => {
            let operand = match test {
                Test::String(op, _)
                | Test::StringPath(op, _)
                | Test::Numeric(op, _)
                | Test::NumericPath(op, _)
                | Test::Timestamp(op, _)
                | Test::TimestampPath(op, _) => format!("{} {}", op.symbol(), plain(test)),
                Test::StringMatches(_) => format!("matches {}", plain(test)),
                Test::BooleanEquals(_) | Test::BooleanEqualsPath(_) => format!("= {}", plain(test)),
                Test::Is(kind, _) => format!("{} {}", kind.key(), plain(test)),
            };
            format!("{variable} {operand}")
        }
        Condition::And(all) => join(all, " and "),
        Condition::Or(any) => join(any, " or "),
        Condition::Not(inner) => format!("not ({})", describe(inner)),
    }
}

fn join(conditions: &[Condition], sep: &str) -> String {
    let parts: Vec<String> = conditions
        .iter()
        .map(|c| format!("({})", describe(c)))
        .collect();
    parts.join(sep)
}

/// The operand without JSON quotes.
fn plain(test: &Test) -> String {
    match test.operand() {
        serde_json::Value::String(s) => s,
        other => other.to_string(),
    }
}

/// Escapes what would end a quoted Mermaid label.
fn label(text: &str) -> String {
    text.replace('"', "#quot;")
}

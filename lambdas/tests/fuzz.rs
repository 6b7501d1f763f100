//! Bad input, at scale: every handler answers every payload with its input or a named
//! error, never a panic. No AWS: Normalize's `parse` (pure), and the runtime's
//! `parse_input` (the payload deserialized into each handler's input type, where a payload
//! of the wrong shape is `InvalidInput`).
//!
//! "Every handler" is every function of the table (`contract::functions::FUNCTIONS`): a
//! function without seeds in `fuzz_seeds.json` or without its handler in
//! `lambdas::HANDLERS` fails the test, named.
//!
//! Cases: `FUZZ_CASES` (default 100,000) for Normalize, a tenth of it per function.
//! The figures (cases run, errors by name) are printed; `cargo test -p lambdas --test fuzz
//! -- --nocapture` shows them (docs/security.md records one run).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Instant;

use contract::functions::FUNCTIONS;
use lambdas::{HANDLERS, NormalizeConfig, TaskError, parse};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Map, Value, json};

fn cases() -> u32 {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000)
}

// --- generators ------------------------------------------------------------------------------

/// Strings a payload may carry: plain, unicode (any scalar value), control characters,
/// near-miss identifiers and, rarely, huge ones.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        40 => "[a-zA-Z0-9:._/-]{0,40}",
        16 => any::<String>(),
        8 => "\\PC{0,20}",
        8 => prop::sample::select(vec![
            "", " ", "aws.rds", "RDS-EVENT-0091", "RDS-EVENT-", "#RDS-EVENT-0042", "RDS-EVENT-0169x",
            "rds:", "snapshot", "null", "\u{0}", "é", "👍", "RDS-EVENT-00\u{301}91", "\u{202e}0091",
        ]).prop_map(str::to_owned),
        1 => (1usize..100_000).prop_map(|n| "a".repeat(n)),
        1 => (1usize..10_000).prop_map(|n| "é👍".repeat(n)),
    ]
}

/// ARNs of this and other partitions, regions, accounts and resource types.
fn arn() -> impl Strategy<Value = String> {
    let partition = prop::sample::select(vec!["aws", "aws-cn", "aws-us-gov", "aws-iso", "", "AWS"]);
    let service = prop::sample::select(vec!["rds", "rds", "rds", "s3", "iam", ""]);
    let region = prop::sample::select(vec![
        "us-east-1",
        "eu-west-1",
        "cn-north-1",
        "us-gov-west-1",
        "",
        "x",
    ]);
    let account = prop::sample::select(vec![
        "210987654321",
        "123456789012",
        "1",
        "abcdefghijkl",
        "2109876543210",
        "",
    ]);
    let kind = prop::sample::select(vec![
        "snapshot",
        "cluster-snapshot",
        "cluster",
        "db",
        "snapshot:",
        "",
    ]);
    let id = prop_oneof!["[a-z][a-z0-9:-]{0,70}", text()];
    (partition, service, region, account, kind, id)
        .prop_map(|(p, s, r, a, k, i)| format!("arn:{p}:{s}:{r}:{a}:{k}:{i}"))
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        text().prop_map(Value::String),
        arn().prop_map(Value::String),
    ]
}

/// Any JSON value, nested a few levels.
fn json_value() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(2, 12, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(text(), inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn rds_event(arn: &str, cluster: bool, event: &str) -> Value {
    json!({
        "version": "0", "id": "0b0e4a3c", "source": "aws.rds", "account": "210987654321",
        "detail-type": if cluster { "RDS DB Cluster Snapshot Event" } else { "RDS DB Snapshot Event" },
        "time": "2026-11-24T03:12:41Z", "region": "us-east-1", "resources": [arn],
        "detail": {
            "EventCategories": ["backup"], "SourceType": if cluster { "CLUSTER_SNAPSHOT" } else { "SNAPSHOT" },
            "SourceArn": arn, "Date": "2026-11-24T03:12:41.000Z", "Message": "Automated snapshot created",
            "SourceIdentifier": arn.rsplit(':').next().unwrap_or(""), "EventID": event,
        }
    })
}

/// Replaces the value at a path (object keys / array indexes) chosen by `pick`, or removes it.
fn mutate(mut v: Value, pick: usize, replacement: Option<Value>) -> Value {
    let mut paths: Vec<Vec<Value>> = Vec::new();
    fn walk(v: &Value, at: &mut Vec<Value>, out: &mut Vec<Vec<Value>>) {
        match v {
            Value::Object(m) => {
                for (k, c) in m {
                    at.push(Value::String(k.clone()));
                    out.push(at.clone());
                    walk(c, at, out);
                    at.pop();
                }
            }
            Value::Array(a) => {
                for (i, c) in a.iter().enumerate() {
                    at.push(Value::from(i));
                    out.push(at.clone());
                    walk(c, at, out);
                    at.pop();
                }
            }
            _ => {}
        }
    }
    walk(&v, &mut Vec::new(), &mut paths);
    let Some(path) = paths.get(pick % paths.len().max(1)).cloned() else {
        return v;
    };
    let (last, parents) = path.split_last().expect("non-empty path");
    let mut node = &mut v;
    for step in parents {
        node = match step {
            Value::String(k) => &mut node[k.as_str()],
            other => &mut node[other.as_u64().unwrap_or(0) as usize],
        };
    }
    match (node, last, replacement) {
        (Value::Object(m), Value::String(k), Some(r)) => {
            m.insert(k.clone(), r);
        }
        (Value::Object(m), Value::String(k), None) => {
            m.remove(k);
        }
        (Value::Array(a), i, Some(r)) => {
            let i = i.as_u64().unwrap_or(0) as usize;
            a[i] = r;
        }
        (Value::Array(a), i, None) => {
            a.remove(i.as_u64().unwrap_or(0) as usize);
        }
        _ => {}
    }
    v
}

/// Valid-looking events and manual inputs with one to three mutated fields, and plain
/// arbitrary JSON.
fn normalize_input() -> impl Strategy<Value = Value> {
    let event_id = prop_oneof![
        prop::sample::select(vec![
            "RDS-EVENT-0042",
            "RDS-EVENT-0091",
            "RDS-EVENT-0197",
            "RDS-EVENT-0075",
            "RDS-EVENT-0169",
            "RDS-EVENT-0161"
        ])
        .prop_map(str::to_owned),
        text(),
    ];
    let base = prop_oneof![
        (arn(), any::<bool>(), event_id).prop_map(|(a, c, e)| rds_event(&a, c, &e)),
        (arn(), prop::collection::vec(text(), 0..4))
            .prop_map(|(a, only)| json!({"snapshot_arn": a, "export_only": only})),
        Just(rds_event(
            "arn:aws:rds:us-east-1:210987654321:snapshot:rds:orders-2026-11-24-03-10",
            false,
            "RDS-EVENT-0091"
        )),
    ];
    let mutation = (any::<usize>(), prop::option::weighted(0.85, json_value()));
    prop_oneof![
        6 => (base, prop::collection::vec(mutation, 0..4)).prop_map(|(mut v, ms)| {
            for (pick, r) in ms {
                v = mutate(v, pick, r);
            }
            v
        }),
        1 => json_value(),
    ]
}

/// A payload of the shape the state passes (the handler's own output type serialized),
/// mutated, or arbitrary JSON.
fn payload_like(seed: Value) -> impl Strategy<Value = Value> {
    let mutation = (any::<usize>(), prop::option::weighted(0.85, json_value()));
    prop_oneof![
        3 => prop::collection::vec(mutation, 0..4).prop_map(move |ms| {
            let mut v = seed.clone();
            for (pick, r) in ms {
                v = mutate(v, pick, r);
            }
            v
        }),
        1 => json_value(),
    ]
}

// --- properties ------------------------------------------------------------------------------

/// Runs `check` over `n` generated values; returns the errors by name (and "ok").
fn run<S: Strategy>(
    name: &str,
    n: u32,
    strategy: S,
    check: impl Fn(&S::Value) -> Result<(), TaskError>,
) -> BTreeMap<String, u64>
where
    S::Value: std::fmt::Debug,
{
    let counts = Mutex::new(BTreeMap::<String, u64>::new());
    let mut runner = TestRunner::new(Config {
        cases: n,
        failure_persistence: None,
        ..Config::default()
    });
    let started = Instant::now();
    let result = runner.run(&strategy, |v| {
        // A panic fails the case (proptest catches it and shrinks to a minimal input).
        let name = match check(&v) {
            Ok(()) => "ok".to_owned(),
            Err(e) => {
                let n = e.name();
                prop_assert!(contract::errors::ALL.contains(&n), "unnamed error {n}: {e}");
                n.to_owned()
            }
        };
        *counts.lock().expect("counts").entry(name).or_default() += 1;
        Ok(())
    });
    let counts = counts.into_inner().expect("counts");
    println!(
        "fuzz {name}: {n} cases in {:.1} s: {counts:?}",
        started.elapsed().as_secs_f64()
    );
    if let Err(e) = result {
        panic!("{name}: {e}");
    }
    counts
}

/// The payloads the states passed to each function in e2e scenarios (`_comment` in the
/// file says which), by binary.
fn all_seeds() -> BTreeMap<String, Vec<Value>> {
    serde_json::from_str::<Map<String, Value>>(include_str!("fuzz_seeds.json"))
        .expect("fuzz_seeds.json")
        .into_iter()
        .filter_map(|(k, v)| v.as_array().cloned().map(|seeds| (k, seeds)))
        .collect()
}

#[test]
fn normalize_parse_answers_every_input_with_a_job_or_a_named_error() {
    let all = NormalizeConfig {
        db_identifiers: None,
        snapshot_types: None,
        export_only: vec![],
        prod_role: None,
        ..NormalizeConfig::default()
    };
    let counts = run("normalize parse", cases(), normalize_input(), |v| {
        parse(&all, v).map(|_| ())
    });
    assert!(
        counts.get("ok").copied().unwrap_or(0) > 0,
        "no input was accepted: the generator is off"
    );
    assert!(
        counts.get("InvalidInput").copied().unwrap_or(0) > 0,
        "no input was refused: the generator is off"
    );
    assert!(
        counts.keys().all(|k| k == "ok" || k == "InvalidInput"),
        "parse is pure: only InvalidInput expected, got {counts:?}"
    );
}

#[test]
fn every_function_has_fuzz_seeds_and_a_handler() {
    let seeds = all_seeds();
    let mut missing = Vec::new();
    for function in FUNCTIONS {
        let binary = function.binary;
        if seeds.get(binary).is_none_or(Vec::is_empty) {
            missing.push(format!(
                "{binary}: no seeds in lambdas/tests/fuzz_seeds.json (add a payload its state or rule passes)"
            ));
        }
        if !HANDLERS.iter().any(|h| h.function.binary == binary) {
            missing.push(format!("{binary}: no handler in lambdas::HANDLERS"));
        }
    }
    for binary in seeds.keys() {
        if !FUNCTIONS.iter().any(|f| f.binary == binary) {
            missing.push(format!(
                "fuzz_seeds.json has seeds for {binary}, which is not a function of the table"
            ));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

#[test]
fn every_handler_input_is_its_type_or_invalid_input() {
    let n = (cases() / 10).max(100);
    let seeds = all_seeds();
    let mut figures = Vec::new();
    for handler in HANDLERS {
        let function = handler.function.binary;
        // A function without seeds is named by every_function_has_fuzz_seeds_and_a_handler.
        let Some(seeds) = seeds.get(function).filter(|s| !s.is_empty()) else {
            continue;
        };
        let parse_input = handler.parse_input;
        let strategy = prop::sample::select(seeds.clone()).prop_flat_map(payload_like);
        let counts = run(&format!("{function} input"), n, strategy, |v| {
            parse_input(v.clone())
        });
        assert!(
            counts.keys().all(|k| k == "ok" || k == "InvalidInput"),
            "{function}: {counts:?}"
        );
        assert!(
            counts.contains_key("ok"),
            "{function}: no payload accepted, the seeds are off: {counts:?}"
        );
        figures.push(function);
    }
    assert_eq!(figures.len(), FUNCTIONS.len(), "fuzzed {figures:?}");
}

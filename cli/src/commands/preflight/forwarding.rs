//! The prod side of the event path: prod's default bus forwards the snapshot-created events
//! (and, in events mode, the export-finished ones) to the pipeline's bus with the rules the
//! prod module writes (`<name>-snapshot-created`, `<name>-export-finished`). Read with the
//! prod reader (`--prod-profile`, else the prod role, which may not read rules: then the
//! lines are skipped and say so). The patterns come from the constants of `events`; a test
//! ties them to `infra/modules/prod-account/locals.tf` and `events.tf`.

use aws_config::SdkConfig;
use contract::functions::NORMALIZE;
use serde_json::{Value, json};

use super::Check;
use super::events::{
    DETAIL_TYPES, EXPORT_FINISHED, RuleCheck, SNAPSHOT_CREATED, SOURCE, prod_account, verify_rule,
};
use super::stack::Stack;

/// The pattern the prod module writes for `event_ids`, with its SourceIdentifier filter
/// for DB_IDENTIFIERS (the example passes one `db_identifiers` list to both modules, and
/// the analytics module hands it to Normalize).
pub(crate) fn prod_pattern(event_ids: &[&str], db_identifiers: &[&str]) -> Value {
    let mut detail = json!({ "EventID": event_ids });
    if !db_identifiers.is_empty() {
        detail["SourceIdentifier"] = db_identifiers
            .iter()
            .flat_map(|db| {
                [
                    json!({"prefix": db}),
                    json!({"prefix": format!("rds:{db}-")}),
                ]
            })
            .collect();
    }
    json!({ "source": [SOURCE], "detail-type": DETAIL_TYPES, "detail": detail })
}

/// The forwarding rules on prod's default bus.
pub(crate) async fn check(reader: Option<&SdkConfig>, stack: &Stack) -> Vec<Check> {
    let created = format!("prod-{}", SNAPSHOT_CREATED.check);
    let finished = format!("prod-{}", EXPORT_FINISHED.check);
    if prod_account(stack) == stack.account {
        return vec![Check::skip(created, "one account: no forwarding")];
    }
    let Some(reader) = reader else {
        return vec![Check::skip(
            created,
            "nothing in prod is readable (see prod-role)",
        )];
    };
    let events = aws_sdk_eventbridge::Client::new(reader);
    let bus_arn = format!(
        "arn:{}:events:{}:{}:event-bus/{}",
        stack.partition, stack.region, stack.account, stack.machine.name
    );
    let db_identifiers: Vec<&str> = stack
        .env_of(NORMALIZE.binary, "DB_IDENTIFIERS")
        .map(|v| {
            v.split(',')
                .map(str::trim)
                .filter(|d| !d.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let mut checks = Vec::new();
    let rules: Vec<(&str, &str, Value)> = {
        let mut rules = vec![(
            created.as_str(),
            SNAPSHOT_CREATED.suffix,
            prod_pattern(SNAPSHOT_CREATED.event_ids, &db_identifiers),
        )];
        if stack.events_mode() {
            rules.push((
                finished.as_str(),
                EXPORT_FINISHED.suffix,
                prod_pattern(EXPORT_FINISHED.event_ids, &[]),
            ));
        }
        rules
    };
    for (check, suffix, pattern) in &rules {
        let name = format!("{}-{suffix}", stack.machine.name);
        let fix = format!(
            "terraform apply the prod module (it writes rule {name} on prod's default bus, \
             targeting {bus_arn}){}",
            if *suffix == EXPORT_FINISHED.suffix {
                " with export_events = true"
            } else {
                ""
            }
        );
        checks.push(
            verify_rule(
                &events,
                RuleCheck {
                    check,
                    name: &name,
                    bus: "default",
                    pattern,
                    target: &bus_arn,
                    fix: &fix,
                },
            )
            .await,
        );
    }
    checks
}

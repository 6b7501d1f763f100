//! EventBridge on the analytics side: the pipeline's bus (named like the state machine, the
//! modules' `name`) admits prod's RDS events; its snapshot-created rule (and, in events
//! mode, its export-finished rule) exists, is enabled, has the pattern the committed
//! Terraform writes and targets the state machine (export-events); the notification bus
//! exists.
//!
//! The expected patterns are written here once; a test reads them back out of
//! `infra/modules/analytics-account/events.tf`, `export-events.tf` and `locals.tf`, so a
//! change to either side fails until both agree.

use contract::functions::{EXPORT_EVENTS, NOTIFY};
use serde_json::{Value, json};

use super::Check;
use super::definition::first_difference;
use super::identity::{is_access_denied, prod_role};
use super::policy;
use super::stack::Stack;
use crate::error::CliError;

/// The events' source.
pub(crate) const SOURCE: &str = "aws.rds";
/// The detail types of snapshot events (instance, cluster).
pub(crate) const DETAIL_TYPES: [&str; 2] =
    ["RDS DB Snapshot Event", "RDS DB Cluster Snapshot Event"];
/// Snapshot created: manual, automated, copy; cluster manual, automated.
pub(crate) const SNAPSHOT_CREATED_EVENT_IDS: [&str; 5] = [
    "RDS-EVENT-0042",
    "RDS-EVENT-0091",
    "RDS-EVENT-0197",
    "RDS-EVENT-0075",
    "RDS-EVENT-0169",
];

/// One of the pipeline's rules on its bus.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RuleSpec {
    /// The check's name.
    pub(crate) check: &'static str,
    /// The rule's name after `<name>-`.
    pub(crate) suffix: &'static str,
    /// Its EventIDs.
    pub(crate) event_ids: &'static [&'static str],
}

/// The snapshot-created rule (events.tf).
pub(crate) const SNAPSHOT_CREATED: RuleSpec = RuleSpec {
    check: "snapshot-created-rule",
    suffix: "snapshot-created",
    event_ids: &SNAPSHOT_CREATED_EVENT_IDS,
};
/// The export-finished rule (export-events.tf).
pub(crate) const EXPORT_FINISHED: RuleSpec = RuleSpec {
    check: "export-finished-rule",
    suffix: "export-finished",
    event_ids: &contract::EXPORT_FINISHED_EVENT_IDS,
};

/// The pattern the Terraform writes for `event_ids` from `prod_accounts`
/// (`local.source_account_ids`: sorted).
pub(crate) fn expected_pattern(prod_accounts: &[String], event_ids: &[&str]) -> Value {
    json!({
        "account": prod_accounts,
        "source": [SOURCE],
        "detail-type": DETAIL_TYPES,
        "detail": { "EventID": event_ids },
    })
}

/// The account RDS events come from: the prod role's, else this one.
pub(crate) fn prod_account(stack: &Stack) -> String {
    prod_role(stack)
        .and_then(|(arn, _)| Stack::account_of(arn))
        .unwrap_or(&stack.account)
        .to_owned()
}

/// The accounts RDS events come from: SOURCE_ACCOUNT_IDS (sorted, as the Terraform's
/// `local.source_account_ids`) with a sources table, else the one prod account.
pub(crate) fn prod_accounts(stack: &Stack) -> Vec<String> {
    match super::sources::configured_ids(stack) {
        Some(ids) if super::sources::table(stack).is_some() => ids.into_iter().collect(),
        _ => vec![prod_account(stack)],
    }
}

/// Every EventBridge check.
pub(crate) async fn check(events: &aws_sdk_eventbridge::Client, stack: &Stack) -> Vec<Check> {
    let mut checks = vec![check_rule(events, stack, SNAPSHOT_CREATED, &stack.machine.arn).await];
    if stack.events_mode() {
        let target = stack
            .function(EXPORT_EVENTS.binary)
            .map(|d| d.arn.clone())
            .unwrap_or_default();
        checks.push(check_rule(events, stack, EXPORT_FINISHED, &target).await);
    } else {
        checks.push(Check::skip(
            EXPORT_FINISHED.check,
            "[export] events = false: the Wait loop polls",
        ));
    }
    checks.push(check_bus_policy(events, stack).await);
    checks.push(check_notification_bus(events, stack).await);
    checks
}

/// One of the analytics rules: present, enabled, the expected pattern, the expected target.
pub(crate) async fn check_rule(
    events: &aws_sdk_eventbridge::Client,
    stack: &Stack,
    spec: RuleSpec,
    target: &str,
) -> Check {
    let bus = &stack.machine.name;
    let name = format!("{bus}-{}", spec.suffix);
    let fix = format!(
        "terraform apply the analytics module (it writes rule {name} on bus {bus}){}",
        if spec.suffix == EXPORT_FINISHED.suffix {
            " with export_events = true"
        } else {
            ""
        }
    );
    let expected = expected_pattern(&prod_accounts(stack), spec.event_ids);
    verify_rule(
        events,
        RuleCheck {
            check: spec.check,
            name: &name,
            bus,
            pattern: &expected,
            target,
            fix: &fix,
        },
    )
    .await
}

/// A rule and what it must be.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RuleCheck<'a> {
    /// The check's name.
    pub(crate) check: &'a str,
    /// The rule's name.
    pub(crate) name: &'a str,
    /// Its bus (`default` for an account's default bus).
    pub(crate) bus: &'a str,
    /// The pattern the Terraform writes.
    pub(crate) pattern: &'a Value,
    /// The ARN one of its targets must have.
    pub(crate) target: &'a str,
    /// What to do when it is not so.
    pub(crate) fix: &'a str,
}

/// Present, enabled, the expected pattern, the expected target.
pub(crate) async fn verify_rule(
    events: &aws_sdk_eventbridge::Client,
    rule: RuleCheck<'_>,
) -> Check {
    let RuleCheck {
        check,
        name,
        bus,
        pattern: expected,
        target,
        fix,
    } = rule;
    let rule = match events
        .describe_rule()
        .name(name)
        .event_bus_name(bus)
        .send()
        .await
    {
        Ok(rule) => rule,
        Err(e) if is_access_denied(&e) => {
            return Check::skip(
                check,
                format!(
                    "the rule {name} is not readable with these credentials: pass --prod-profile"
                ),
            )
            .permission("events:DescribeRule");
        }
        Err(e) => {
            let missing = e
                .as_service_error()
                .is_some_and(|s| s.is_resource_not_found_exception());
            return Check::fail(
                check,
                if missing {
                    format!("the rule {name} is missing on bus {bus}")
                } else {
                    format!(
                        "cannot read the rule ({})",
                        CliError::aws("DescribeRule", &e)
                    )
                },
                name,
                fix,
            )
            .permission("events:DescribeRule");
        }
    };
    let arn = rule.arn().unwrap_or(name).to_owned();
    if rule.state().map(|s| s.as_str()) != Some("ENABLED") {
        return Check::fail(
            check,
            format!(
                "the rule is {}: no event reaches the pipeline",
                rule.state().map_or("in no state", |s| s.as_str())
            ),
            &arn,
            format!("aws events enable-rule --name {name} --event-bus-name {bus}"),
        )
        .permission("rule state");
    }
    let pattern: Value = rule
        .event_pattern()
        .and_then(|p| serde_json::from_str(p).ok())
        .unwrap_or(Value::Null);
    if let Some(difference) = first_difference(&pattern, expected, "$") {
        return Check::fail(
            check,
            format!("the rule's pattern is not the Terraform's: {difference}"),
            &arn,
            fix,
        )
        .permission("event pattern");
    }
    let targets = match events
        .list_targets_by_rule()
        .rule(name)
        .event_bus_name(bus)
        .send()
        .await
    {
        Ok(out) => out
            .targets()
            .iter()
            .map(|t| t.arn().to_owned())
            .collect::<Vec<_>>(),
        Err(e) => {
            return Check::fail(
                check,
                format!(
                    "cannot list the rule's targets ({})",
                    CliError::aws("ListTargetsByRule", &e)
                ),
                &arn,
                fix,
            )
            .permission("events:ListTargetsByRule");
        }
    };
    if !targets.iter().any(|t| t == target) {
        return Check::fail(
            check,
            format!(
                "the rule does not target {target} (its targets: {})",
                if targets.is_empty() {
                    "none".to_owned()
                } else {
                    targets.join(", ")
                }
            ),
            &arn,
            fix,
        )
        .permission("rule target");
    }
    Check::ok(
        check,
        format!("enabled, the Terraform's pattern, targets {target}"),
    )
    .on(arn)
}

/// The bus policy lets prod put RDS events on the pipeline's bus.
pub(crate) async fn check_bus_policy(events: &aws_sdk_eventbridge::Client, stack: &Stack) -> Check {
    const NAME: &str = "event-bus-policy";
    let bus = &stack.machine.name;
    let accounts: Vec<String> = prod_accounts(stack)
        .into_iter()
        .filter(|a| *a != stack.account)
        .collect();
    if accounts.is_empty() {
        return Check::skip(NAME, "one account: no cross-account bus policy needed");
    }
    let fix = "terraform apply the analytics module (aws_cloudwatch_event_bus_policy admits the prod account)";
    let described = match events.describe_event_bus().name(bus).send().await {
        Ok(out) => out,
        Err(e) => {
            return Check::fail(
                NAME,
                format!(
                    "cannot read the bus ({})",
                    CliError::aws("DescribeEventBus", &e)
                ),
                bus,
                fix,
            )
            .permission("events:DescribeEventBus");
        }
    };
    let bus_arn = described.arn().unwrap_or(bus).to_owned();
    let doc = described
        .policy()
        .and_then(policy::parse)
        .unwrap_or(Value::Null);
    for prod in &accounts {
        let prod_root = format!("arn:{}:iam::{prod}:root", stack.partition);
        if policy::allows(&doc, &prod_root, "events:PutEvents", &bus_arn).is_none() {
            return Check::fail(
                NAME,
                format!("the bus policy does not let account {prod} put events: prod's forwarded snapshot events are refused"),
                &bus_arn,
                fix,
            )
            .permission("events:PutEvents");
        }
    }
    let who = if accounts.len() == 1 {
        format!("account {}", accounts[0])
    } else {
        format!("accounts {}", accounts.join(", "))
    };
    Check::ok(NAME, format!("{who} may put events")).on(bus_arn)
}

/// The bus notify sends to exists (the default bus without EVENT_BUS_NAME).
pub(crate) async fn check_notification_bus(
    events: &aws_sdk_eventbridge::Client,
    stack: &Stack,
) -> Check {
    const NAME: &str = "notification-bus";
    if !stack.config.notifications.enabled || stack.function(NOTIFY.binary).is_none() {
        return Check::skip(NAME, "notifications are off");
    }
    let bus = stack
        .env_of(NOTIFY.binary, "EVENT_BUS_NAME")
        .unwrap_or("default");
    match events.describe_event_bus().name(bus).send().await {
        Ok(_) => Check::ok(NAME, "exists").on(bus),
        Err(e) => Check::fail(
            NAME,
            format!(
                "the notification bus is not there ({})",
                CliError::aws("DescribeEventBus", &e)
            ),
            bus,
            "create the bus or set the analytics module's notification_event_bus_arn to one that exists",
        )
        .permission("events:DescribeEventBus"),
    }
}

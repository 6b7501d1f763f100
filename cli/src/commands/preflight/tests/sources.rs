//! Many prod accounts (SOURCES_TABLE): the items as `infra/modules/analytics-account/
//! sources.tf` writes them parse, a wrong item or a SOURCE_ACCOUNT_IDS that is not the
//! table's accounts is named, each source's values are laid over the stack so the
//! per-account checks use them (and name the source), and the rules and the bus policy
//! expect every configured account (`local.source_account_ids`, sorted).

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_dynamodb::operation::scan::ScanOutput;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use serde_json::json;

use super::super::sources::{self, Source, overlay, verdict};
use super::super::{bucket, events, identity};
use super::{
    ANALYTICS, BUCKET, NAME, PipelineConfig, REGION, Stack, Status, assert_fails, assert_ok,
    stack_for, terraform_bucket_policy,
};
use contract::functions::{COPY_OBJECTS, NORMALIZE, START_EXPORT};
use state_machine::Delivery;

const A: &str = "210987654321";
const B: &str = "310987654321";
const TABLE: &str = "snapshot-export-sources";

fn role(account: &str, name: &str) -> String {
    format!("arn:aws:iam::{account}:role/snapshot-export-{name}")
}

/// The `config` JSON the Terraform writes (jsonencode of source_items: nulls included).
fn config_json(account: &str, name: &str) -> String {
    json!({
        "name": name,
        "regions": [REGION],
        "role_arn": role(account, "cross-account"),
        "external_id": format!("ext-{name}"),
        "export_role_arn": role(account, "export"),
        "kms_key_arn": format!("arn:aws:kms:{REGION}:{account}:key/k-{name}"),
        "export_bucket": BUCKET,
        "export_prefix": format!("exports/{name}"),
        "delivery": "share-key",
        "copier_role_arn": null,
        "copier_external_id": null,
        "db_identifiers": [],
        "snapshot_types": [],
        "export_only": []
    })
    .to_string()
}

fn item(account: &str, config: &str) -> BTreeMap<String, AttributeValue> {
    BTreeMap::from([
        (
            "account_id".to_owned(),
            AttributeValue::S(account.to_owned()),
        ),
        ("config".to_owned(), AttributeValue::S(config.to_owned())),
    ])
}

fn ids(list: &[&str]) -> Option<BTreeSet<String>> {
    Some(list.iter().map(|s| (*s).to_owned()).collect())
}

/// The stack as the Terraform deploys it with source_accounts: no PROD_* in any
/// environment, SOURCES_TABLE and SOURCE_ACCOUNT_IDS where the function table reads them.
fn multi_stack() -> Stack {
    multi_stack_for(&PipelineConfig::default())
}

fn multi_stack_for(config: &PipelineConfig) -> Stack {
    let mut stack = stack_for(config);
    for deployed in &mut stack.functions {
        let reads: Vec<&str> = deployed.function.env().collect();
        let env = deployed.env.as_mut().unwrap();
        for var in ["PROD_ROLE_ARN", "PROD_ROLE_EXTERNAL_ID"] {
            env.remove(var);
        }
        if reads.contains(&"SOURCES_TABLE") {
            env.insert("SOURCES_TABLE".into(), TABLE.into());
        }
        if reads.contains(&"SOURCE_ACCOUNT_IDS") {
            env.insert("SOURCE_ACCOUNT_IDS".into(), format!("{B},{A}"));
        }
    }
    stack
}

#[test]
fn the_terraforms_items_parse_and_match_source_account_ids() {
    let items = [
        item(B, &config_json(B, "billing")),
        item(A, &config_json(A, "payments")),
    ];
    let (found, check) = verdict(&items, ids(&[A, B]), TABLE);
    assert_ok(&check);
    assert!(
        check
            .message
            .contains("payments 210987654321, billing 310987654321"),
        "{}",
        check.message
    );
    assert_eq!(found.len(), 2);
    assert_eq!(found[0].account, A, "sorted by account");
    assert_eq!(found[0].config.delivery, Delivery::ShareKey);
    assert_eq!(found[0].config.copier_role_arn, None);
}

#[test]
fn a_wrong_table_is_named() {
    let good = item(A, &config_json(A, "payments"));
    // SOURCE_ACCOUNT_IDS lacks an account of the table, and names one it lacks.
    let (_, check) = verdict(std::slice::from_ref(&good), ids(&[B]), TABLE);
    assert_fails(
        &check,
        &[
            "SOURCE_ACCOUNT_IDS is not the table's accounts",
            A,
            B,
            TABLE,
        ],
    );
    let (_, check) = verdict(std::slice::from_ref(&good), None, TABLE);
    assert_fails(&check, &["no SOURCE_ACCOUNT_IDS"]);
    // Two accounts with one name.
    let (_, check) = verdict(
        &[good.clone(), item(B, &config_json(B, "payments"))],
        ids(&[A, B]),
        TABLE,
    );
    assert_fails(&check, &["name payments is used by accounts", A, B]);
    // A config that does not parse, a bad name, a role of another account, copy without
    // a copier.
    let mut missing: serde_json::Value = serde_json::from_str(&config_json(A, "payments")).unwrap();
    missing.as_object_mut().unwrap().remove("role_arn");
    for (config, fragment) in [
        (missing.to_string(), "config does not parse"),
        ("{".to_owned(), "config does not parse"),
        (config_json(A, "Pay-Ments"), "is not [a-z0-9_]{1,32}"),
        (config_json(B, "payments"), "is not a role of that account"),
        (
            config_json(A, "payments").replace("share-key", "copy"),
            "copy delivery without copier_role_arn",
        ),
    ] {
        let (found, check) = verdict(&[item(A, &config)], ids(&[A]), TABLE);
        assert_fails(&check, &[fragment, A]);
        assert!(found.is_empty());
    }
    let (_, check) = verdict(
        &[item("12345", &config_json(A, "payments"))],
        ids(&["12345"]),
        TABLE,
    );
    assert_fails(&check, &["is not a 12-digit account id"]);
    let (_, check) = verdict(&[], ids(&[]), TABLE);
    assert_fails(&check, &["the table has no source"]);
}

#[tokio::test]
async fn the_table_is_scanned_to_its_last_page() {
    let page1 = mock!(aws_sdk_dynamodb::Client::scan)
        .match_requests(|r| r.table_name() == Some(TABLE) && r.exclusive_start_key().is_none())
        .then_output(|| {
            ScanOutput::builder()
                .items(item(A, &config_json(A, "payments")).into_iter().collect())
                .last_evaluated_key("account_id", AttributeValue::S(A.into()))
                .build()
        });
    let page2 = mock!(aws_sdk_dynamodb::Client::scan)
        .match_requests(|r| r.exclusive_start_key().is_some())
        .then_output(|| {
            ScanOutput::builder()
                .items(item(B, &config_json(B, "billing")).into_iter().collect())
                .build()
        });
    let dynamodb = mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, &[&page1, &page2]);
    let (found, check) = sources::load(&dynamodb, &multi_stack(), TABLE).await;
    assert_ok(&check);
    assert_eq!(found.len(), 2);

    let denied = mock!(aws_sdk_dynamodb::Client::scan)
        .then_http_response(|| super::json_error("AccessDeniedException"));
    let dynamodb = mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, &[&denied]);
    let (found, check) = sources::load(&dynamodb, &multi_stack(), TABLE).await;
    assert_fails(
        &check,
        &["cannot read the sources table", "dynamodb:Scan", TABLE],
    );
    assert!(found.is_empty());
}

fn source(account: &str, name: &str) -> Source {
    let (mut found, _) = verdict(
        &[item(account, &config_json(account, name))],
        ids(&[account]),
        TABLE,
    );
    found.remove(0)
}

#[test]
fn each_source_is_checked_with_its_own_values_and_named() {
    let stack = multi_stack();
    assert_eq!(sources::table(&stack), Some(TABLE));
    let b = overlay(&stack, &source(B, "billing"));
    // The per-account checks read the source's values.
    assert_eq!(
        identity::prod_role(&b),
        Some((role(B, "cross-account").as_str(), Some("ext-billing")))
    );
    assert_eq!(
        b.env_of(START_EXPORT.binary, "EXPORT_ROLE_ARN"),
        Some(role(B, "export").as_str())
    );
    assert_eq!(
        b.env_of(NORMALIZE.binary, "PROD_ROLE_ARN"),
        Some(role(B, "cross-account").as_str())
    );
    assert_eq!(bucket::prefix(&b), "exports/billing");
    assert_eq!(events::prod_account(&b), B);
    // copy-objects reads the sources table for its copier only: the prod cross-account
    // role is not laid over it (its role is not admitted by that role's trust).
    let copy = overlay(
        &multi_stack_for(&super::copy_config()),
        &source(B, "billing"),
    );
    assert!(copy.function(COPY_OBJECTS.binary).is_some());
    assert_eq!(copy.env_of(COPY_OBJECTS.binary, "PROD_ROLE_ARN"), None);
    assert_eq!(
        copy.env_of(START_EXPORT.binary, "PROD_ROLE_ARN"),
        Some(role(B, "cross-account").as_str())
    );
    // The original stack is untouched (the next source starts from it).
    assert_eq!(identity::prod_role(&stack), None);

    // The bucket policy of the single-account set-up names another account's roles:
    // source B's export role is not let in, and the failure names B.
    let check = bucket::policy_verdict(&terraform_bucket_policy(), &b, BUCKET, &bucket::prefix(&b))
        .for_source(source(B, "billing").label());
    assert_eq!(check.status, Status::Fail);
    assert_eq!(check.source.as_deref(), Some("billing 310987654321"));
    assert!(
        check
            .line()
            .starts_with("FAIL  bucket-policy (billing 310987654321): "),
        "{}",
        check.line()
    );
    assert!(
        check.line().contains(&role(B, "export")),
        "{}",
        check.line()
    );
    let json = serde_json::to_value(&check).unwrap();
    assert_eq!(json["check"], "bucket-policy", "the check keeps its name");
    assert_eq!(json["source"], "billing 310987654321");
}

#[tokio::test]
async fn the_rules_and_the_bus_policy_expect_every_configured_account() {
    use aws_sdk_eventbridge::operation::describe_event_bus::DescribeEventBusOutput;
    let stack = multi_stack();
    // Sorted, as local.source_account_ids.
    assert_eq!(events::prod_accounts(&stack), [A, B]);
    assert_eq!(
        events::expected_pattern(&events::prod_accounts(&stack), &["RDS-EVENT-0091"])["account"],
        json!([A, B])
    );
    let bus_arn = format!("arn:aws:events:{REGION}:{ANALYTICS}:event-bus/{NAME}");
    let run = |accounts: Vec<&str>| {
        let bus_arn = bus_arn.clone();
        let stack = stack.clone();
        let roots: Vec<String> = accounts
            .iter()
            .map(|a| format!("arn:aws:iam::{a}:root"))
            .collect();
        async move {
            let policy = json!({"Statement": [{"Effect": "Allow", "Action": "events:PutEvents",
                "Resource": &bus_arn, "Principal": {"AWS": roots}}]})
            .to_string();
            let describe =
                mock!(aws_sdk_eventbridge::Client::describe_event_bus).then_output(move || {
                    DescribeEventBusOutput::builder()
                        .name(NAME)
                        .arn(&bus_arn)
                        .policy(&policy)
                        .build()
                });
            let client = mock_client!(aws_sdk_eventbridge, RuleMode::MatchAny, &[&describe]);
            events::check_bus_policy(&client, &stack).await
        }
    };
    let ok = run(vec![A, B]).await;
    assert_ok(&ok);
    assert!(
        ok.message.contains(&format!("accounts {A}, {B}")),
        "{}",
        ok.message
    );
    assert_fails(
        &run(vec![A]).await,
        &[format!("does not let account {B} put events").as_str()],
    );
}

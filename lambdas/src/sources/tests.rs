//! Unit tests of the source accounts: validation of an item (named errors), the region and
//! account checks, the per-source prefix, and the cache (one GetItem per account per minute).

use aws_sdk_dynamodb::operation::get_item::GetItemOutput;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_smithy_mocks::{Rule, mock};

use super::*;
use crate::test_support::{failed, meta, mocked, ok};

const A: &str = "111111111111";
const B: &str = "222222222222";

fn config(extra: &str) -> String {
    format!(r#"{{"name": "payments", "role_arn": "arn:aws:iam::{A}:role/snapshot-export"{extra}}}"#)
}

fn item(account: &str, config: &str) -> Rule {
    let (account, config) = (account.to_owned(), config.to_owned());
    mock!(aws_sdk_dynamodb::Client::get_item)
        .match_requests(move |r| {
            r.key()
                .and_then(|k| k.get("account_id"))
                .is_some_and(|v| v == &AttributeValue::S(account.clone()))
        })
        .then_output(move || {
            GetItemOutput::builder()
                .item("account_id", AttributeValue::S(A.into()))
                .item("config", AttributeValue::S(config.clone()))
                .build()
        })
}

fn no_item() -> Rule {
    mock!(aws_sdk_dynamodb::Client::get_item).then_output(|| GetItemOutput::builder().build())
}

#[test]
fn a_full_item_parses() {
    let s = ok(parse_settings(
        A,
        &config(
            r#", "external_id": "x-1", "regions": ["eu-west-1"], "export_bucket": "prod-a-staging",
            "export_prefix": "/exports/pay/", "delivery": "copy",
            "copier_role_arn": "arn:aws:iam::111111111111:role/copier", "copier_external_id": "c",
            "db_identifiers": ["orders"], "snapshot_types": ["automated"], "export_only": ["shop"]"#,
        ),
    ));
    assert_eq!(s.name, "payments");
    assert_eq!(s.prod_role.external_id.as_deref(), Some("x-1"));
    assert_eq!(s.export_prefix.as_deref(), Some("exports/pay"));
    assert_eq!(s.delivery, Some(DeliveryMode::Copy));
    assert_eq!(s.snapshot_types, Some(vec![SnapshotType::Automated]));
    assert_eq!(s.copier_role.map(|r| r.external_id), Some(Some("c".into())));
}

#[test]
fn every_bad_field_is_an_invalid_config_naming_account_and_field() {
    let cases = [
        (
            r#"{"name": "Payments", "role_arn": "arn:aws:iam::1:role/r"}"#.to_owned(),
            "name",
        ),
        (
            format!(
                r#"{{"name": "{}", "role_arn": "arn:aws:iam::1:role/r"}}"#,
                "a".repeat(33)
            ),
            "name",
        ),
        (r#"{"name": "p"}"#.to_owned(), "role_arn"),
        (
            r#"{"name": "p", "role_arn": "role/r"}"#.to_owned(),
            "role_arn",
        ),
        (config(r#", "delivery": "ship""#), "delivery"),
        (config(r#", "delivery": "copy""#), "copier_role_arn"),
        (
            config(r#", "copier_external_id": "c""#),
            "copier_external_id",
        ),
        (
            config(r#", "export_bucket": "Bad_Bucket""#),
            "export_bucket",
        ),
        (config(r#", "export_prefix": "a//b""#), "export_prefix"),
        (config(r#", "kms_key_arn": "key""#), "kms_key_arn"),
        (config(r#", "export_role_arn": "role""#), "export_role_arn"),
        (
            config(r#", "snapshot_types": ["weekly"]"#),
            "snapshot_types",
        ),
        (config(r#", "export_only": ["a.b.c.d"]"#), "export_only"),
        (config(r#", "regions": [" "]"#), "regions"),
        (config(r#", "unknown": 1"#), "config"),
        ("not json".to_owned(), "config"),
    ];
    for (raw, field) in cases {
        let e = failed(parse_settings(A, &raw));
        assert_eq!(e.name(), contract::errors::INVALID_CONFIG, "{raw}");
        let msg = e.to_string();
        assert!(
            msg.contains(A) && msg.contains(&format!("field {field} ")),
            "{raw}: {msg}"
        );
    }
}

#[test]
fn the_prefix_defaults_to_the_pipeline_prefix_and_the_name() {
    let settings = |prefix: Option<&str>| Source {
        account_id: A.into(),
        region: "us-east-1".into(),
        settings: Some(Arc::new(SourceSettings {
            name: "payments".into(),
            export_prefix: prefix.map(str::to_owned),
            ..SourceSettings::default()
        })),
    };
    assert_eq!(settings(None).export_prefix("exports"), "exports/payments");
    assert_eq!(settings(None).export_prefix(""), "payments");
    assert_eq!(settings(Some("pay/x")).export_prefix("exports"), "pay/x");
    let single = Source {
        account_id: A.into(),
        region: "us-east-1".into(),
        settings: None,
    };
    assert_eq!(single.export_prefix("exports"), "exports");
    assert!(single.is_single() && single.name().is_empty());
    assert_eq!(single.client_region(), None);
    assert_eq!(settings(None).client_region(), Some("us-east-1"));
}

#[test]
fn an_unlisted_account_is_refused_by_name() {
    let ids = vec![A.to_owned()];
    ok(check_listed(Some(&ids), A, "arn"));
    ok(check_listed(None, B, "arn"));
    let e = failed(check_listed(
        Some(&ids),
        B,
        "arn:aws:rds:us-east-1:222222222222:snapshot:s",
    ));
    assert_eq!(e.name(), contract::errors::SOURCE_ACCOUNT_NOT_CONFIGURED);
    assert!(e.to_string().contains(B));
}

#[test]
fn source_account_ids_must_be_account_ids() {
    let env = Env::from_pairs([("SOURCE_ACCOUNT_IDS", format!("{A}, {B},"))]);
    assert_eq!(
        ok(account_ids(&env)),
        Some(vec![A.to_owned(), B.to_owned()])
    );
    let env = Env::from_pairs([("SOURCE_ACCOUNT_IDS", "1234".to_owned())]);
    assert_eq!(
        failed(account_ids(&env)).name(),
        contract::errors::INVALID_CONFIG
    );
    assert_eq!(ok(account_ids(&Env::default())), None);
}

#[tokio::test]
async fn single_account_mode_resolves_any_account_without_a_call() {
    let sources = Sources::single();
    let s = ok(sources
        .for_arn("arn:aws:rds:eu-west-1:333333333333:snapshot:x")
        .await);
    assert!(s.is_single());
    assert_eq!(
        (s.account_id.as_str(), s.region.as_str()),
        ("333333333333", "eu-west-1")
    );
}

#[tokio::test]
async fn a_source_is_read_once_per_minute_and_checked_against_its_regions() {
    let rule = item(A, &config(""));
    let sources = Sources::with_client("sources", mocked!(aws_sdk_dynamodb, [&rule]), "us-east-1");
    let s = ok(sources.resolve(A, "us-east-1").await);
    assert_eq!(s.name(), "payments");
    assert_eq!(
        s.prod_role(None).map(|r| r.role_arn.as_str()),
        Some("arn:aws:iam::111111111111:role/snapshot-export")
    );
    // Another region than the pipeline's: refused, from the cache.
    let e = failed(sources.resolve(A, "eu-west-1").await);
    assert_eq!(e.name(), contract::errors::SOURCE_ACCOUNT_NOT_CONFIGURED);
    assert!(e.to_string().contains("region eu-west-1"), "{e}");
    ok(sources.resolve(A, "us-east-1").await);
    assert_eq!(
        rule.num_calls(),
        1,
        "the cache answers within {CACHE_TTL:?}"
    );
}

#[tokio::test]
async fn an_account_without_an_item_is_not_configured() {
    let rule = no_item();
    let sources = Sources::with_client("sources", mocked!(aws_sdk_dynamodb, [&rule]), "us-east-1");
    let e = failed(sources.resolve(B, "us-east-1").await);
    assert_eq!(e.name(), contract::errors::SOURCE_ACCOUNT_NOT_CONFIGURED);
    assert!(
        e.to_string().contains(B) && e.to_string().contains("sources"),
        "{e}"
    );
}

#[tokio::test]
async fn a_throttled_read_is_retryable_and_not_cached() {
    let throttled = mock!(aws_sdk_dynamodb::Client::get_item).then_error(|| {
        aws_sdk_dynamodb::operation::get_item::GetItemError::generic(meta("ThrottlingException"))
    });
    let found = item(A, &config(""));
    let sources = Sources::with_client(
        "sources",
        mocked!(aws_sdk_dynamodb, [&throttled, &found]),
        "us-east-1",
    );
    let e = failed(sources.resolve(A, "us-east-1").await);
    assert!(e.is_retryable(), "{}: {e}", e.name());
    ok(sources.resolve(A, "us-east-1").await);
    assert_eq!((throttled.num_calls(), found.num_calls()), (1, 1));
}

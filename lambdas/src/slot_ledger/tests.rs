//! The ledger's storage: JSON ↔ DynamoDB attributes round-trip, conditional writes on the
//! version (a concurrent writer is a `false`, not an error), and store errors named.

use aws_sdk_dynamodb::operation::get_item::GetItemOutput;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::error::ConditionalCheckFailedException;
use aws_smithy_mocks::mock;
use serde_json::json;

use super::*;
use crate::test_support::{meta, mocked};

#[test]
fn attributes_round_trip() {
    let v = json!({"arn:x": {"execution_id": "e", "db": "d", "export_id": "x", "since": 5, "lease_until": 9}});
    assert_eq!(to_json(&to_attribute(&v)), v);
}

#[test]
fn sort_keys_order_by_enqueue_time() {
    let a = WaiterItem::sort_key(999, "z");
    let b = WaiterItem::sort_key(1_000, "a");
    assert!(a < b, "{a} {b}");
}

fn key() -> LedgerKey {
    LedgerKey {
        account: "210987654321".into(),
        region: "us-east-1".into(),
    }
}

#[tokio::test]
async fn a_concurrent_write_is_a_conflict_not_an_error() {
    let conflict = mock!(aws_sdk_dynamodb::Client::put_item).then_error(|| {
        PutItemError::ConditionalCheckFailedException(
            // As the SDK deserializes it: the modeled error with its code.
            ConditionalCheckFailedException::builder()
                .meta(meta("ConditionalCheckFailedException"))
                .build(),
        )
    });
    let client = mocked!(aws_sdk_dynamodb, &[&conflict]);
    let store = SlotStore::new(client, "slots");
    let ledger = Ledger {
        key: key(),
        version: 3,
        ..Ledger::default()
    };
    assert_eq!(store.save(&ledger, 0).await.ok(), Some(false));
}

#[tokio::test]
async fn a_missing_table_is_export_slot_store_failed() {
    let missing = mock!(aws_sdk_dynamodb::Client::get_item).then_error(|| {
        aws_sdk_dynamodb::operation::get_item::GetItemError::generic(meta(
            "ResourceNotFoundException",
        ))
    });
    let client = mocked!(aws_sdk_dynamodb, &[&missing]);
    let store = SlotStore::new(client, "slots");
    let e = store.load(&key()).await.err();
    let e = e.unwrap_or_else(|| panic!("loaded from a missing table"));
    assert_eq!(e.name(), "ExportSlotStoreFailed");
    assert!(e.to_string().contains("EXPORT_SLOTS_TABLE"), "{e}");
}

#[tokio::test]
async fn a_stored_ledger_is_read_back() {
    let item = mock!(aws_sdk_dynamodb::Client::get_item).then_output(|| {
        GetItemOutput::builder()
            .item("version", AttributeValue::N("4".into()))
            .item("external", AttributeValue::N("1".into()))
            .item(
                "holders",
                to_attribute(&json!({"arn:s": {"execution_id": "e", "db": "d", "export_id": "x", "since": 5, "lease_until": 9}})),
            )
            .build()
    });
    let client = mocked!(aws_sdk_dynamodb, &[&item]);
    let ledger = SlotStore::new(client, "slots").load(&key()).await;
    let ledger = ledger.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((ledger.version, ledger.external, ledger.free()), (4, 1, 3));
    assert_eq!(ledger.holders["arn:s"].db, "d");
}

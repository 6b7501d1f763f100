//! `status --slots-table` with a mocked DynamoDB: the ledger items and waiter items of the
//! design's layout become, per account and Region, slots in use / capacity, holders and
//! the waiters in queue order with their position; snapshot locks are ignored; a Scan
//! that pages is read to the end.

use std::collections::HashMap;

use super::super::slots::{AccountSlots, queues};
use super::super::slots_text;
use crate::args::StatusArgs;
use crate::aws::Clients;
use crate::commands::status::gather;
use crate::mocks::mocked;
use crate::output::Report;
use aws_sdk_dynamodb::operation::scan::ScanOutput;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_smithy_mocks::{RuleMode, mock, mock_client};

const A: &str = "210987654321";
const B: &str = "310987654321";

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_owned())
}

fn n(v: i64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

fn snapshot(account: &str, db: &str) -> String {
    format!("arn:aws:rds:eu-west-1:{account}:snapshot:rds:{db}-2026-12-06-03-00")
}

fn ledger(
    account: &str,
    external: i64,
    holders: &[(&str, &str, i64)],
) -> HashMap<String, AttributeValue> {
    let holders = holders
        .iter()
        .map(|(db, execution, since)| {
            (
                snapshot(account, db),
                AttributeValue::M(HashMap::from([
                    ("execution_id".to_owned(), s(execution)),
                    ("db".to_owned(), s(db)),
                    ("export_id".to_owned(), s(&format!("{db}-x"))),
                    ("since".to_owned(), n(*since)),
                    ("lease_until".to_owned(), n(since + 86_400)),
                ])),
            )
        })
        .collect();
    HashMap::from([
        ("pk".to_owned(), s(&format!("LEDGER#{account}#eu-west-1"))),
        ("sk".to_owned(), s("LEDGER")),
        ("account".to_owned(), s(account)),
        ("region".to_owned(), s("eu-west-1")),
        ("holders".to_owned(), AttributeValue::M(holders)),
        ("external".to_owned(), n(external)),
        ("version".to_owned(), n(7)),
    ])
}

fn waiter(
    account: &str,
    db: &str,
    enqueued_ms: i64,
    execution: &str,
) -> HashMap<String, AttributeValue> {
    HashMap::from([
        ("pk".to_owned(), s(&format!("LEDGER#{account}#eu-west-1"))),
        (
            "sk".to_owned(),
            s(&format!("WAIT#{enqueued_ms:015}#{execution}")),
        ),
        ("execution_id".to_owned(), s(execution)),
        ("task_token".to_owned(), s("secret-token")),
        ("snapshot_arn".to_owned(), s(&snapshot(account, db))),
        ("db".to_owned(), s(db)),
        ("export_id".to_owned(), s(&format!("{db}-x"))),
        ("enqueued_at".to_owned(), n(enqueued_ms)),
    ])
}

fn lock() -> HashMap<String, AttributeValue> {
    HashMap::from([
        (
            "pk".to_owned(),
            s(&format!("SNAPSHOT#{}", snapshot(A, "orders"))),
        ),
        ("sk".to_owned(), s("LOCK")),
        ("owner".to_owned(), s("exec-orders")),
    ])
}

fn items() -> Vec<HashMap<String, AttributeValue>> {
    vec![
        waiter(A, "billing", 1_795_000_300_000, "exec-billing"),
        ledger(
            A,
            1,
            &[
                ("users", "exec-users", 1_795_000_200),
                ("orders", "exec-orders", 1_795_000_100),
            ],
        ),
        lock(),
        waiter(A, "audit", 1_795_000_250_000, "exec-audit"),
        ledger(B, 0, &[]),
    ]
}

#[test]
fn the_ledgers_become_queues_with_holders_and_waiters_in_order() {
    let q: Vec<AccountSlots> = queues(&items());
    assert_eq!(q.len(), 2, "the lock is no queue: {q:?}");
    let a = &q[0];
    assert_eq!((a.account.as_str(), a.region.as_str()), (A, "eu-west-1"));
    assert_eq!((a.in_use, a.capacity, a.external), (2, 4, 1));
    // Holders oldest first.
    assert_eq!(a.holders[0].execution_id, "exec-orders");
    assert_eq!(a.holders[0].snapshot_arn, snapshot(A, "orders"));
    assert_eq!(a.holders[0].since, 1_795_000_100);
    // Waiters by sort key (enqueue time), positions from 1.
    let order: Vec<(usize, &str)> = a
        .waiting
        .iter()
        .map(|w| (w.position, w.execution_id.as_str()))
        .collect();
    assert_eq!(order, [(1, "exec-audit"), (2, "exec-billing")]);
    assert_eq!(a.waiting[0].db, "audit");
    let b = &q[1];
    assert_eq!((b.in_use, b.capacity, b.waiting.len()), (0, 5, 0));

    let text = slots_text(&q);
    assert!(
        text.contains(&format!(
            "export slots {A} eu-west-1: 2/4 in use (1 external), 2 waiting"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "export slots {B} eu-west-1: 0/5 in use (0 external), 0 waiting"
        )),
        "{text}"
    );
    assert!(text.contains("#1") && text.contains("exec-audit"), "{text}");
    assert!(
        !text.contains("secret-token"),
        "task tokens are never shown: {text}"
    );
    assert_eq!(
        slots_text(&[]),
        "export slots: no ledger yet (no export has taken a slot)\n"
    );
}

#[tokio::test]
async fn the_slots_table_is_scanned_to_its_last_page() {
    let all = items();
    let (first, second) = (all[..2].to_vec(), all[2..].to_vec());
    let page1 = mock!(aws_sdk_dynamodb::Client::scan)
        .match_requests(|r| {
            r.table_name() == Some("pipe-export-slots") && r.exclusive_start_key().is_none()
        })
        .then_output(move || {
            ScanOutput::builder()
                .set_items(Some(first.clone()))
                .last_evaluated_key("pk", s("next"))
                .build()
        });
    let page2 = mock!(aws_sdk_dynamodb::Client::scan)
        .match_requests(|r| r.exclusive_start_key().is_some())
        .then_output(move || {
            ScanOutput::builder()
                .set_items(Some(second.clone()))
                .build()
        });
    let clients = Clients {
        dynamodb: mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, &[&page1, &page2]),
        ..mocked(&[], &[])
    };
    let args = StatusArgs {
        state_machine_arn: None,
        execution: None,
        tables: false,
        slots_table: Some("pipe-export-slots".into()),
        watch: false,
        interval: 10,
        crawler: None,
    };
    let report = gather(&clients, &args).await.unwrap();
    let slots = report.slots.as_ref().unwrap();
    assert_eq!(slots.len(), 2);
    assert_eq!(
        slots[0].waiting.len(),
        2,
        "the second page's waiter is counted"
    );
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["slots"][0]["waiting"][0]["position"], 1);
    assert_eq!(json["slots"][0]["holders"][1]["execution_id"], "exec-users");
    assert!(json.get("verification").is_none());
    assert!(
        report.table().starts_with("export slots "),
        "{}",
        report.table()
    );
}

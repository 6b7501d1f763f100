//! `send-test-event` against moto: the event reaches a rule matching the pipeline's
//! pattern (source aws.rds, the two snapshot detail-types) and has RDS's shape. The rule's
//! target is an SQS queue, set up and read with boto3 (the launcher's Python), because
//! the CLI has no SQS client and moto cannot target a state machine.

use std::process::Command;

use serde_json::Value;

use crate::support::{Moto, MotoCli, json, one_line_error, python, snapshot_arn};

/// Runs a boto3 snippet against moto; returns its stdout.
fn boto3(moto: &Moto, script: &str) -> String {
    let output = Command::new(python())
        .args(["-c", script])
        .env("AWS_ENDPOINT_URL", moto.url())
        .env("AWS_DEFAULT_REGION", crate::support::REGION)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

const SET_UP: &str = r#"
import boto3, json
events, sqs = boto3.client("events"), boto3.client("sqs")
events.create_event_bus(Name="analytics")
url = sqs.create_queue(QueueName="seen")["QueueUrl"]
arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
pattern = {"source": ["aws.rds"], "detail-type": ["RDS DB Snapshot Event", "RDS DB Cluster Snapshot Event"],
           "detail": {"EventID": ["RDS-EVENT-0042", "RDS-EVENT-0075", "RDS-EVENT-0091"]}}
events.put_rule(Name="snapshots", EventBusName="analytics", EventPattern=json.dumps(pattern))
events.put_targets(Rule="snapshots", EventBusName="analytics", Targets=[{"Id": "q", "Arn": arn}])
"#;

const RECEIVE: &str = r#"
import boto3, json
sqs = boto3.client("sqs")
url = sqs.get_queue_url(QueueName="seen")["QueueUrl"]
out = []
for _ in range(5):
    for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", []):
        out.append(json.loads(m["Body"]))
print(json.dumps(out))
"#;

#[tokio::test]
async fn test_events_have_the_rds_shape_and_match_the_rule() {
    let moto = Moto::start();
    boto3(&moto, SET_UP);
    let instance = snapshot_arn("rds:orders-2026-11-24-03-10");
    let cluster = format!(
        "arn:aws:rds:us-east-1:{}:cluster-snapshot:c-1",
        crate::support::ACCOUNT
    );

    let sent = json(&moto.run(&[
        "--json",
        "send-test-event",
        "--snapshot-arn",
        &instance,
        "--bus",
        "analytics",
    ]));
    assert_eq!(sent["source"], "aws.rds");
    assert_eq!(sent["detail_type"], "RDS DB Snapshot Event");
    assert_eq!(sent["rds_event_id"], "RDS-EVENT-0042");
    assert!(!sent["event_id"].as_str().unwrap().is_empty());
    json(&moto.run(&[
        "--json",
        "send-test-event",
        "--snapshot-arn",
        &cluster,
        "--bus",
        "analytics",
    ]));
    // An event id the rule does not match is sent but not delivered.
    json(&moto.run(&[
        "--json",
        "send-test-event",
        "--snapshot-arn",
        &instance,
        "--bus",
        "analytics",
        "--event-id",
        "RDS-EVENT-0001",
    ]));

    let seen: Vec<Value> = serde_json::from_str(&boto3(&moto, RECEIVE)).unwrap();
    assert_eq!(seen.len(), 2, "{seen:?}");
    let by_type = |t: &str| seen.iter().find(|e| e["detail-type"] == t).unwrap().clone();
    let event = by_type("RDS DB Snapshot Event");
    assert_eq!(event["source"], "aws.rds");
    assert_eq!(event["resources"], serde_json::json!([instance]));
    let detail = &event["detail"];
    assert_eq!(detail["EventID"], "RDS-EVENT-0042");
    assert_eq!(detail["SourceArn"], instance.as_str());
    assert_eq!(detail["SourceIdentifier"], "rds:orders-2026-11-24-03-10");
    assert_eq!(detail["SourceType"], "SNAPSHOT");
    assert_eq!(detail["Message"], "Manual snapshot created");
    assert_eq!(detail["EventCategories"], serde_json::json!(["creation"]));
    assert!(detail["Date"].as_str().unwrap().ends_with('Z'));
    let cluster_event = by_type("RDS DB Cluster Snapshot Event");
    assert_eq!(cluster_event["detail"]["EventID"], "RDS-EVENT-0075");
    assert_eq!(cluster_event["detail"]["SourceType"], "CLUSTER_SNAPSHOT");
    assert_eq!(cluster_event["detail"]["SourceIdentifier"], "c-1");

    // Bad input: one line, exit 1.
    let bad = one_line_error(&moto.run(&[
        "send-test-event",
        "--snapshot-arn",
        &instance,
        "--bus",
        "analytics",
        "--event-id",
        "0042",
    ]));
    assert!(bad.contains("--event-id"), "{bad}");
    let missing_bus = one_line_error(&moto.run(&[
        "send-test-event",
        "--snapshot-arn",
        &instance,
        "--bus",
        "nope",
    ]));
    assert!(
        missing_bus.contains("PutEvents") || missing_bus.contains("refused"),
        "{missing_bus}"
    );
}

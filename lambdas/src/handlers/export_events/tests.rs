//! Unit tests of `export_events`: which events are export-finished events.

use serde_json::json;

use super::*;

fn event(id: &str, detail_type: &str, arn: &str) -> Value {
    json!({
        "source": "aws.rds",
        "detail-type": detail_type,
        "resources": [arn],
        "detail": {"EventID": id, "SourceArn": arn, "SourceIdentifier": "orders-snap", "Message": "Export task completed"}
    })
}

#[test]
fn the_six_export_finished_ids_name_their_snapshot() {
    let db = "arn:aws:rds:us-east-1:210987654321:snapshot:rds:orders-2026-12-01";
    let cluster = "arn:aws:rds:us-east-1:210987654321:cluster-snapshot:rds:billing-2026-12-01";
    for id in ["RDS-EVENT-0159", "RDS-EVENT-0160", "RDS-EVENT-0161"] {
        assert_eq!(
            export_event_snapshot(&event(id, "RDS DB Snapshot Event", db)),
            Ok(db.to_owned())
        );
    }
    for id in ["RDS-EVENT-0162", "RDS-EVENT-0163", "RDS-EVENT-0164"] {
        assert_eq!(
            export_event_snapshot(&event(id, "RDS DB Cluster Snapshot Event", cluster)),
            Ok(cluster.to_owned())
        );
    }
    // SourceArn missing: resources[0].
    let mut e = event("RDS-EVENT-0161", "RDS DB Snapshot Event", db);
    e["detail"]["SourceArn"] = Value::Null;
    assert_eq!(export_event_snapshot(&e), Ok(db.to_owned()));
}

#[test]
fn the_url_form_of_the_event_id_is_read_as_normalize_reads_it() {
    let db = "arn:aws:rds:us-east-1:210987654321:snapshot:rds:orders-2026-12-01";
    let url = "http://docs.amazonwebservices.com/AmazonRDS/latest/UserGuide/USER_Events.html#RDS-EVENT-0161";
    assert_eq!(
        export_event_snapshot(&event(url, "RDS DB Snapshot Event", db)),
        Ok(db.to_owned())
    );
    let created = "http://docs.amazonwebservices.com/AmazonRDS/latest/UserGuide/USER_Events.html#RDS-EVENT-0091";
    assert!(export_event_snapshot(&event(created, "RDS DB Snapshot Event", db)).is_err());
}

#[test]
fn other_events_are_not_export_events() {
    let db = "arn:aws:rds:us-east-1:210987654321:snapshot:rds:orders-2026-12-01";
    // Snapshot created, an unknown id, another source, no ARN at all.
    assert!(export_event_snapshot(&event("RDS-EVENT-0091", "RDS DB Snapshot Event", db)).is_err());
    assert!(export_event_snapshot(&event("", "RDS DB Snapshot Event", db)).is_err());
    let mut other = event("RDS-EVENT-0161", "RDS DB Snapshot Event", db);
    other["source"] = json!("aws.states");
    assert!(export_event_snapshot(&other).is_err());
    let mut no_arn = event("RDS-EVENT-0161", "RDS DB Snapshot Event", db);
    no_arn["detail"]["SourceArn"] = json!("orders");
    no_arn["resources"] = json!([]);
    assert!(export_event_snapshot(&no_arn).is_err());
    assert!(export_event_snapshot(&json!({})).is_err());
}

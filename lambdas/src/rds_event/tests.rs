//! Unit tests of the EventID reader.

use super::{event_id, number};

#[test]
fn both_forms_give_the_short_id() {
    assert_eq!(event_id("RDS-EVENT-0161"), Some("RDS-EVENT-0161"));
    assert_eq!(
        event_id(
            "http://docs.amazonwebservices.com/AmazonRDS/latest/UserGuide/USER_Events.html#RDS-EVENT-0161"
        ),
        Some("RDS-EVENT-0161")
    );
    assert_eq!(number("RDS-EVENT-0161"), "0161");
}

#[test]
fn an_id_without_a_number_is_none() {
    for raw in [
        "",
        "RDS-EVENT-",
        "RDS-EVENT-01x",
        "EVENT-0161",
        "#RDS-EVENT-",
    ] {
        assert_eq!(event_id(raw), None, "{raw:?}");
    }
}

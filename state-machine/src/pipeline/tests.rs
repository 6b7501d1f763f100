//! Unit tests of `pipeline.rs`: the chain joins whatever stages the configuration keeps.
//! (The Comment naming them is checked per variant in the integration tests.)

use super::*;
use crate::asl::State;
use crate::config::{AclConfig, NotificationsConfig};

/// Where the Choice state `choice`'s first rule goes.
fn first_rule_target(config: &PipelineConfig, choice: &str) -> String {
    match pipeline(config).unwrap().state(choice) {
        Some(State::Choice(c)) => c.choices[0].next.to_string(),
        other => panic!("{choice} is not a Choice state: {other:?}"),
    }
}

#[test]
fn a_stage_left_out_lets_its_neighbours_meet() {
    let default = PipelineConfig::default();
    assert_eq!(
        first_rule_target(&default, states::EXPORT_STATUS),
        states::REWRITE_ACL
    );
    assert_eq!(
        first_rule_target(&default, states::CATALOG_DONE),
        states::NOTIFY_SUCCESS
    );
    let all_off = PipelineConfig {
        catalog: Catalog::None,
        acl: AclConfig { enabled: false },
        notifications: NotificationsConfig { enabled: false },
        ..PipelineConfig::default()
    };
    assert_eq!(
        first_rule_target(&all_off, states::EXPORT_STATUS),
        states::SUCCEEDED
    );
}

#[test]
fn copy_delivery_has_no_acl_step_whatever_acl_says() {
    let copy = PipelineConfig {
        delivery: Delivery::Copy,
        acl: AclConfig { enabled: true },
        ..PipelineConfig::default()
    };
    let machine = pipeline(&copy).unwrap();
    assert!(machine.state(states::REWRITE_ACL).is_none());
    assert_eq!(
        first_rule_target(&copy, states::EXPORT_STATUS),
        states::COPY_OBJECTS
    );
}

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

/// `config` with `[export] slots = false`.
fn no_slots(mut config: PipelineConfig) -> PipelineConfig {
    config.export.slots = false;
    config
}

/// Where a Task state goes next.
fn task_next(config: &PipelineConfig, task: &str) -> String {
    match pipeline(config).unwrap().state(task) {
        Some(State::Task(t)) => format!("{:?}", t.transition),
        other => panic!("{task} is not a Task state: {other:?}"),
    }
}

#[test]
fn slots_wrap_the_export_and_a_duplicate_ends_joined() {
    let default = PipelineConfig::default();
    let m = pipeline(&default).unwrap();
    for s in [
        states::ACQUIRE_EXPORT_SLOT,
        states::SLOT_JOINED,
        states::JOINED_RUNNING_EXECUTION,
        states::RELEASE_EXPORT_SLOT,
    ] {
        assert!(m.state(s).is_some(), "{s}");
    }
    assert_eq!(
        first_rule_target(&default, states::SLOT_JOINED),
        states::JOINED_RUNNING_EXECUTION
    );
    assert!(task_next(&default, states::RELEASE_EXPORT_SLOT).contains(states::REWRITE_ACL));
    let off = pipeline(&no_slots(PipelineConfig::default())).unwrap();
    assert!(off.state(states::ACQUIRE_EXPORT_SLOT).is_none());
    assert!(off.state(states::RELEASE_EXPORT_SLOT).is_none());
}

#[test]
fn a_stage_left_out_lets_its_neighbours_meet() {
    let default = PipelineConfig::default();
    assert_eq!(
        first_rule_target(&default, states::EXPORT_STATUS),
        states::RELEASE_EXPORT_SLOT
    );
    let without = no_slots(PipelineConfig::default());
    assert_eq!(
        first_rule_target(&without, states::EXPORT_STATUS),
        states::REWRITE_ACL
    );
    assert_eq!(
        first_rule_target(&default, states::CATALOG_DONE),
        states::NOTIFY_SUCCESS
    );
    let all_off = no_slots(PipelineConfig {
        catalog: Catalog::None,
        acl: AclConfig { enabled: false },
        notifications: NotificationsConfig { enabled: false },
        ..PipelineConfig::default()
    });
    assert_eq!(
        first_rule_target(&all_off, states::EXPORT_STATUS),
        states::SUCCEEDED
    );
}

#[test]
fn copy_delivery_has_no_acl_step_whatever_acl_says() {
    let copy = no_slots(PipelineConfig {
        delivery: Delivery::Copy,
        acl: AclConfig { enabled: true },
        ..PipelineConfig::default()
    });
    let machine = pipeline(&copy).unwrap();
    assert!(machine.state(states::REWRITE_ACL).is_none());
    assert_eq!(
        first_rule_target(&copy, states::EXPORT_STATUS),
        states::COPY_OBJECTS
    );
}

//! Unit tests of the preflight checks: each failure names its break (resource, permission,
//! fix), the pure readings of policies and definitions, and the tie between the expected
//! rule patterns / waits-table keys and the committed Terraform.

use std::collections::BTreeMap;

use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use aws_smithy_runtime_api::http::{Response, StatusCode};
use aws_smithy_types::body::SdkBody;
use contract::functions::{self, FUNCTIONS};
use serde_json::{Value, json};
use state_machine::Delivery;
use state_machine::PipelineConfig;

use super::definition::first_difference;
use super::events::{EXPORT_FINISHED, SNAPSHOT_CREATED, expected_pattern};
use super::key::{Grant, grant_verdict};
use super::report::Status;
use super::stack::{Deployed, Stack, task_functions};
use super::*;
use crate::names::StateMachineArn;

mod sources;

const ANALYTICS: &str = "111122223333";
const PROD: &str = "210987654321";
const REGION: &str = "eu-west-1";
const NAME: &str = "snapshot-export";
const PROD_ROLE: &str = "arn:aws:iam::210987654321:role/snapshot-export-cross-account";
const EXPORT_ROLE: &str = "arn:aws:iam::210987654321:role/snapshot-export-export";
const COPIER_ROLE: &str = "arn:aws:iam::210987654321:role/snapshot-export-copier";
const KEY: &str = "arn:aws:kms:eu-west-1:210987654321:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const EXTERNAL_ID: &str = "ext-7f3a";
const BUCKET: &str = "analytics-exports";

fn machine() -> StateMachineArn {
    StateMachineArn::parse(&format!(
        "arn:aws:states:{REGION}:{ANALYTICS}:stateMachine:{NAME}"
    ))
    .unwrap()
}

fn function_arn(binary: &str) -> String {
    format!("arn:aws:lambda:{REGION}:{ANALYTICS}:function:{NAME}-{binary}")
}

fn role_arn(binary: &str) -> String {
    format!("arn:aws:iam::{ANALYTICS}:role/{NAME}-{binary}")
}

/// What the analytics module's env_values give each variable (share-key, events bus).
fn env_value(var: &str, config: &PipelineConfig) -> Option<String> {
    let copy = config.delivery == Delivery::Copy;
    Some(match var {
        "EXPORT_BUCKET" if copy => "prod-staging".to_owned(),
        "EXPORT_BUCKET" | "DESTINATION_BUCKET" => BUCKET.to_owned(),
        "EXPORT_PREFIX" => "exports".to_owned(),
        "EXPORT_KMS_KEY_ARN" => KEY.to_owned(),
        "EXPORT_ROLE_ARN" => EXPORT_ROLE.to_owned(),
        "PROD_ROLE_ARN" => PROD_ROLE.to_owned(),
        "PROD_ROLE_EXTERNAL_ID" => EXTERNAL_ID.to_owned(),
        "COPIER_ROLE_ARN" if copy => COPIER_ROLE.to_owned(),
        "COPIER_ROLE_EXTERNAL_ID" if copy => EXTERNAL_ID.to_owned(),
        "CRAWLER_NAME" => format!("{NAME}-exports"),
        "GLUE_DATABASE" => "snapshot_export".to_owned(),
        "EVENT_BUS_NAME" => format!("arn:aws:events:{REGION}:{ANALYTICS}:event-bus/{NAME}"),
        "EXPORT_WAITS_TABLE" => format!("{NAME}-export-waits"),
        "EXPORT_SLOTS_TABLE" => format!("{NAME}-export-slots"),
        _ => return None,
    })
}

/// The stack as Terraform deploys `config`.
fn stack_for(config: &PipelineConfig) -> Stack {
    let mut definition = state_machine::pipeline(config).unwrap().to_json().unwrap();
    for f in FUNCTIONS {
        definition = definition.replace(
            &format!("${{{}}}", f.placeholder()),
            &function_arn(f.binary),
        );
    }
    let mut tasks = Vec::new();
    task_functions(&serde_json::from_str(&definition).unwrap(), &mut tasks);
    let mut deployed: Vec<Deployed> = FUNCTIONS
        .iter()
        .filter(|f| {
            tasks
                .iter()
                .any(|(state, _)| f.states.contains(&state.as_str()))
                || (config.export.events && f.binary == functions::EXPORT_EVENTS.binary)
        })
        .map(|f| Deployed {
            function: f,
            arn: function_arn(f.binary),
            role: Some(role_arn(f.binary)),
            env: Some(
                f.env()
                    .filter_map(|v| env_value(v, config).map(|value| (v.to_owned(), value)))
                    .collect::<BTreeMap<_, _>>(),
            ),
        })
        .collect();
    deployed.sort_by_key(|d| d.function.binary);
    Stack {
        machine: machine(),
        partition: "aws".into(),
        region: REGION.into(),
        account: ANALYTICS.into(),
        definition,
        functions: deployed,
        config: config.clone(),
    }
}

fn events_config() -> PipelineConfig {
    PipelineConfig::from_toml_str("[export]\nevents = true\n").unwrap()
}

fn copy_config() -> PipelineConfig {
    PipelineConfig::from_toml_str("delivery = \"copy\"\n").unwrap()
}

/// Asserts a failed check naming every fragment (in its message, resource, permission or
/// fix), and a fix.
fn assert_fails(check: &Check, fragments: &[&str]) {
    assert_eq!(check.status, Status::Fail, "{check:?}");
    assert!(check.fix.is_some(), "a failure says the fix: {check:?}");
    let line = check.line();
    for fragment in fragments {
        assert!(line.contains(fragment), "{fragment:?} not in: {line}");
    }
    assert!(line.starts_with("FAIL  "), "{line}");
    assert!(!line.contains('\n'));
}

fn assert_ok(check: &Check) {
    assert_eq!(check.status, Status::Ok, "{}", check.line());
}

fn http(status: u16, body: &str) -> Response {
    Response::new(
        StatusCode::try_from(status).unwrap(),
        SdkBody::from(body.to_owned()),
    )
}

fn json_error(code: &str) -> Response {
    http(
        400,
        &format!(r#"{{"__type":"{code}","message":"{code} says no"}}"#),
    )
}

fn s3_error(status: u16, code: &str) -> Response {
    http(
        status,
        &format!("<?xml version=\"1.0\"?><Error><Code>{code}</Code><Message>no</Message></Error>"),
    )
}

// ---------------------------------------------------------------- report

#[test]
fn a_report_with_a_failure_exits_non_zero_and_counts_it() {
    let report = PreflightReport::new(
        "arn",
        vec![
            Check::ok("a", "fine"),
            Check::skip("b", "n/a"),
            Check::fail("c", "broken", "res", "do this").permission("x:Y"),
        ],
    );
    assert_eq!(report.failed, 1);
    let text = crate::output::Report::table(&report);
    assert!(
        text.contains("FAIL  c: broken [res] (needs x:Y); fix: do this"),
        "{text}"
    );
    assert!(
        text.ends_with("preflight failed: 1 of 3 checks\n"),
        "{text}"
    );
    assert!(crate::output::Report::outcome(&report).is_err());
    let json: Value = serde_json::from_str(&crate::output::render(&report, true)).unwrap();
    assert_eq!(json["checks"][2]["status"], "fail");
    assert_eq!(json["checks"][2]["permission"], "x:Y");
    assert_eq!(json["failed"], 1);
    assert!(
        crate::output::Report::outcome(&PreflightReport::new("arn", vec![Check::ok("a", "b")]))
            .is_ok()
    );
}

// ---------------------------------------------------------------- definition

#[test]
fn the_deployed_definition_matches_its_config_and_drift_is_located() {
    let config = events_config();
    let stack = stack_for(&config);
    assert_ok(&definition::check(&stack, &config));
    // Checked against another configuration (one that polls), the first difference is
    // named.
    let polling = PipelineConfig::from_toml_str("[export]\nevents = false\n").unwrap();
    let check = definition::check(&stack, &polling);
    assert_fails(&check, &["definition", "differs", "$.States", "render"]);

    let mut drifted = stack.clone();
    let mut value: Value = serde_json::from_str(&drifted.definition).unwrap();
    value["TimeoutSeconds"] = json!(1);
    drifted.definition = value.to_string();
    assert_fails(
        &definition::check(&drifted, &config),
        &["$.TimeoutSeconds: deployed 1"],
    );
}

#[test]
fn first_difference_names_missing_extra_and_changed_values() {
    let a = json!({"a": [1, {"b": 2}], "c": 3});
    assert_eq!(first_difference(&a, &a, "$"), None);
    assert_eq!(
        first_difference(&json!({"a": [1, {"b": 5}], "c": 3}), &a, "$").unwrap(),
        "$.a[1].b: deployed 5, rendered 2"
    );
    assert!(
        first_difference(&json!({"a": [1, {"b": 2}]}), &a, "$")
            .unwrap()
            .contains("$.c: missing")
    );
    assert!(
        first_difference(&json!({"a": [1, {"b": 2}], "c": 3, "d": 4}), &a, "$")
            .unwrap()
            .contains("$.d: not rendered")
    );
}

// ---------------------------------------------------------------- environment

#[test]
fn every_function_environment_is_complete_and_a_missing_variable_is_named() {
    let stack = stack_for(&events_config());
    let checks = environment::check(&stack);
    assert_eq!(checks.len(), stack.functions.len());
    checks.iter().for_each(assert_ok);

    let mut broken = stack.clone();
    for d in &mut broken.functions {
        if d.function.binary == "start-export" {
            d.env.as_mut().unwrap().remove("EXPORT_KMS_KEY_ARN");
        }
        if d.function.binary == "check-export" {
            d.env.as_mut().unwrap().remove("PROD_ROLE_EXTERNAL_ID");
        }
        if d.function.binary == "wait-for-export" {
            d.env.as_mut().unwrap().remove("PROD_ROLE_ARN");
            d.env.as_mut().unwrap().remove("PROD_ROLE_EXTERNAL_ID");
        }
    }
    let checks = environment::check(&broken);
    let by = |binary: &str| {
        checks
            .iter()
            .find(|c| c.check == format!("function-env {binary}"))
            .unwrap()
            .clone()
    };
    assert_fails(
        &by("start-export"),
        &[
            "missing environment variable EXPORT_KMS_KEY_ARN",
            "function:snapshot-export-start-export",
        ],
    );
    assert_fails(&by("check-export"), &["PROD_ROLE_EXTERNAL_ID"]);
    assert_fails(&by("wait-for-export"), &["PROD_ROLE_ARN"]);
    assert_ok(&by("normalize"));
}

// ---------------------------------------------------------------- trust

/// The prod module's cross-account trust policy, as Terraform renders it.
fn terraform_trust() -> Value {
    json!({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "sts:AssumeRole",
        "Principal": {"AWS": format!("arn:aws:iam::{ANALYTICS}:root")},
        "Condition": {
            "ArnEquals": {"aws:PrincipalArn": FUNCTIONS.iter().map(|f| role_arn(f.binary)).collect::<Vec<_>>()},
            "StringEquals": {"sts:ExternalId": EXTERNAL_ID}
        }
    }]})
}

#[test]
fn the_prod_trust_needs_the_external_id_and_the_function_roles() {
    let stack = stack_for(&events_config());
    assert_ok(&identity::trust_verdict(
        &terraform_trust(),
        PROD_ROLE,
        Some(EXTERNAL_ID),
        &stack,
    ));

    let mut no_id = terraform_trust();
    no_id["Statement"][0]["Condition"]
        .as_object_mut()
        .unwrap()
        .remove("StringEquals");
    assert_fails(
        &identity::trust_verdict(&no_id, PROD_ROLE, Some(EXTERNAL_ID), &stack),
        &[
            "assumable without the external id",
            "sts:ExternalId",
            PROD_ROLE,
        ],
    );

    assert_fails(
        &identity::trust_verdict(&terraform_trust(), PROD_ROLE, Some("other"), &stack),
        &["external id is not the functions'", "(other)"],
    );

    let mut narrow = terraform_trust();
    narrow["Statement"][0]["Condition"]["ArnEquals"]["aws:PrincipalArn"] =
        json!([role_arn("normalize")]);
    assert_fails(
        &identity::trust_verdict(&narrow, PROD_ROLE, Some(EXTERNAL_ID), &stack),
        &["does not admit", "analytics_lambda_role_arns"],
    );

    let open = json!({"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": "*"},
        "Condition": {"StringEquals": {"sts:ExternalId": EXTERNAL_ID}}}]});
    assert_fails(
        &identity::trust_verdict(&open, PROD_ROLE, Some(EXTERNAL_ID), &stack),
        &["any AWS principal"],
    );
}

// ---------------------------------------------------------------- key

/// The prod module's key policy (share-key delivery).
fn terraform_key_policy() -> Value {
    json!({"Statement": [
        {"Sid": "AccountAdministration", "Effect": "Allow", "Action": "kms:*", "Resource": "*",
         "Principal": {"AWS": format!("arn:aws:iam::{PROD}:root")}},
        {"Sid": "ExportRoleUse", "Effect": "Allow", "Resource": "*",
         "Action": ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
         "Principal": {"AWS": EXPORT_ROLE}},
        {"Sid": "ExportCallerGrant", "Effect": "Allow", "Action": ["kms:DescribeKey", "kms:CreateGrant"],
         "Resource": "*", "Principal": {"AWS": PROD_ROLE}}
    ]})
}

#[test]
fn the_key_policy_must_let_the_caller_create_an_aws_resource_grant() {
    let mut doc = terraform_key_policy();
    assert_eq!(grant_verdict(&doc, PROD_ROLE), Grant::Allowed);
    doc["Statement"][2]["Condition"] = json!({"Bool": {"kms:GrantIsForAWSResource": "true"}});
    assert_eq!(grant_verdict(&doc, PROD_ROLE), Grant::Allowed);
    doc["Statement"][2]["Condition"] = json!({"Bool": {"kms:GrantIsForAWSResource": "false"}});
    assert_eq!(grant_verdict(&doc, PROD_ROLE), Grant::NotForAwsResources);
    doc["Statement"].as_array_mut().unwrap().remove(2);
    assert_eq!(grant_verdict(&doc, PROD_ROLE), Grant::ViaIam);
    doc["Statement"].as_array_mut().unwrap().remove(0);
    assert_eq!(grant_verdict(&doc, PROD_ROLE), Grant::Refused);
    // A Deny without condition wins.
    let mut denied = terraform_key_policy();
    denied["Statement"]
        .as_array_mut()
        .unwrap()
        .push(json!({"Effect": "Deny", "Action": "kms:CreateGrant",
        "Resource": "*", "Principal": {"AWS": PROD_ROLE}}));
    assert_eq!(grant_verdict(&denied, PROD_ROLE), Grant::Refused);
}

#[tokio::test]
async fn a_key_that_is_not_enabled_is_named() {
    use aws_sdk_kms::operation::describe_key::DescribeKeyOutput;
    use aws_sdk_kms::types::{KeyMetadata, KeyState};
    let pending = mock!(aws_sdk_kms::Client::describe_key).then_output(|| {
        DescribeKeyOutput::builder()
            .key_metadata(
                KeyMetadata::builder()
                    .key_id("1234")
                    .key_state(KeyState::PendingDeletion)
                    .build()
                    .unwrap(),
            )
            .build()
    });
    let kms = mock_client!(aws_sdk_kms, RuleMode::MatchAny, &[&pending]);
    assert_fails(
        &key::describe(&kms, KEY).await,
        &["export-key", "PendingDeletion", KEY, "enable the key"],
    );

    let denied = mock!(aws_sdk_kms::Client::describe_key)
        .then_http_response(|| json_error("AccessDeniedException"));
    let kms = mock_client!(aws_sdk_kms, RuleMode::MatchAny, &[&denied]);
    assert_fails(
        &key::describe(&kms, KEY).await,
        &[
            "cannot describe",
            "AccessDeniedException",
            "kms:DescribeKey",
        ],
    );
}

// ---------------------------------------------------------------- bucket

/// The analytics module's bucket policy (share-key delivery).
fn terraform_bucket_policy() -> Value {
    let bucket = format!("arn:aws:s3:::{BUCKET}");
    let objects = format!("{bucket}/exports/*");
    json!({"Statement": [
        {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Action": "s3:*", "Principal": "*",
         "Resource": [&bucket, format!("{bucket}/*")], "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        {"Sid": "ProdExportRoleBucket", "Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetBucketLocation"],
         "Resource": &bucket, "Principal": {"AWS": EXPORT_ROLE}},
        {"Sid": "ProdExportRoleObjects", "Effect": "Allow", "Action": ["s3:PutObject*", "s3:GetObject*", "s3:DeleteObject*"],
         "Resource": &objects, "Principal": {"AWS": EXPORT_ROLE}},
        {"Sid": "ProdCrossAccountList", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": &bucket,
         "Principal": {"AWS": PROD_ROLE}, "Condition": {"StringLike": {"s3:prefix": "exports/*"}}},
        {"Sid": "ProdCrossAccountAcl", "Effect": "Allow", "Action": "s3:PutObjectAcl", "Resource": &objects,
         "Principal": {"AWS": PROD_ROLE}, "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}}
    ]})
}

#[test]
fn the_bucket_policy_must_let_the_delivery_writers_in() {
    let stack = stack_for(&PipelineConfig::default());
    let doc = terraform_bucket_policy();
    assert_ok(&bucket::policy_verdict(&doc, &stack, BUCKET, "exports"));

    let mut no_acl = doc.clone();
    no_acl["Statement"].as_array_mut().unwrap().remove(4);
    assert_fails(
        &bucket::policy_verdict(&no_acl, &stack, BUCKET, "exports"),
        &["the prod role", PROD_ROLE, "s3:PutObjectAcl", BUCKET],
    );
    // Another prefix: the writer is not let in where the export goes.
    assert_fails(
        &bucket::policy_verdict(&doc, &stack, BUCKET, "other"),
        &["the export role", "s3:PutObject"],
    );
    // Copy delivery: the copier, not the export role.
    let copy = stack_for(&copy_config());
    assert_fails(
        &bucket::policy_verdict(&doc, &copy, BUCKET, "exports"),
        &["the copier role", COPIER_ROLE],
    );
    let objects = format!("arn:aws:s3:::{BUCKET}/exports/*");
    let copier = json!({"Statement": [
        {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": format!("arn:aws:s3:::{BUCKET}"), "Principal": {"AWS": COPIER_ROLE}},
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": &objects, "Principal": {"AWS": COPIER_ROLE}},
        {"Effect": "Deny", "Action": "s3:PutObject", "Resource": &objects, "Principal": "*",
         "Condition": {"ArnNotEquals": {"aws:PrincipalArn": COPIER_ROLE}}}
    ]});
    assert_ok(&bucket::policy_verdict(&copier, &copy, BUCKET, "exports"));
    // The "everyone but the copier" Deny naming another role shuts the copier out.
    let mut wrong = copier.clone();
    wrong["Statement"][2]["Condition"]["ArnNotEquals"]["aws:PrincipalArn"] = json!(EXPORT_ROLE);
    assert_fails(
        &bucket::policy_verdict(&wrong, &copy, BUCKET, "exports"),
        &["s3:PutObject"],
    );
}

#[tokio::test]
async fn the_bucket_ownership_fits_the_delivery() {
    use aws_sdk_s3::operation::get_bucket_ownership_controls::GetBucketOwnershipControlsOutput;
    use aws_sdk_s3::types::{ObjectOwnership, OwnershipControls, OwnershipControlsRule};
    let with = |ownership: ObjectOwnership| {
        mock!(aws_sdk_s3::Client::get_bucket_ownership_controls).then_output(move || {
            GetBucketOwnershipControlsOutput::builder()
                .ownership_controls(
                    OwnershipControls::builder()
                        .rules(
                            OwnershipControlsRule::builder()
                                .object_ownership(ownership.clone())
                                .build()
                                .unwrap(),
                        )
                        .build()
                        .unwrap(),
                )
                .build()
        })
    };
    let run = |rule: Rule, stack: Stack| async move {
        let s3 = mock_client!(aws_sdk_s3, RuleMode::MatchAny, &[&rule]);
        bucket::check_ownership(&s3, &stack).await
    };
    let share = stack_for(&PipelineConfig::default());
    assert_ok(&run(with(ObjectOwnership::BucketOwnerEnforced), share.clone()).await);
    assert_ok(&run(with(ObjectOwnership::ObjectWriter), share.clone()).await);
    let no_acl = stack_for(&PipelineConfig::from_toml_str("[acl]\nenabled = false\n").unwrap());
    assert_fails(
        &run(with(ObjectOwnership::ObjectWriter), no_acl).await,
        &["ObjectWriter without the ACL step", BUCKET],
    );
    assert_fails(
        &run(
            with(ObjectOwnership::BucketOwnerPreferred),
            stack_for(&copy_config()),
        )
        .await,
        &["BucketOwnerPreferred with copy delivery"],
    );
    let missing = mock!(aws_sdk_s3::Client::get_bucket_ownership_controls)
        .then_http_response(|| s3_error(404, "OwnershipControlsNotFoundError"));
    assert_fails(
        &run(missing, share).await,
        &[
            "no object-ownership setting",
            "s3:GetBucketOwnershipControls",
        ],
    );
}

#[tokio::test]
async fn a_bucket_without_a_policy_is_named() {
    let missing = mock!(aws_sdk_s3::Client::get_bucket_policy)
        .then_http_response(|| s3_error(404, "NoSuchBucketPolicy"));
    let s3 = mock_client!(aws_sdk_s3, RuleMode::MatchAny, &[&missing]);
    assert_fails(
        &bucket::check_policy(&s3, &stack_for(&PipelineConfig::default())).await,
        &["the bucket has no policy", BUCKET, "s3:GetBucketPolicy"],
    );
}

// ---------------------------------------------------------------- catalog

#[tokio::test]
async fn the_glue_database_and_crawler_are_named_when_missing_or_wrong() {
    use aws_sdk_glue::operation::get_crawler::GetCrawlerOutput;
    use aws_sdk_glue::types::{Crawler, CrawlerTargets, S3Target};
    let missing = mock!(aws_sdk_glue::Client::get_database)
        .then_http_response(|| json_error("EntityNotFoundException"));
    let glue = mock_client!(aws_sdk_glue, RuleMode::MatchAny, &[&missing]);
    assert_fails(
        &catalog::check_database(&glue, &stack_for(&PipelineConfig::default())).await,
        &[
            "glue-database",
            "not there",
            "EntityNotFoundException",
            "snapshot_export",
        ],
    );

    let elsewhere = mock!(aws_sdk_glue::Client::get_crawler).then_output(|| {
        GetCrawlerOutput::builder()
            .crawler(
                Crawler::builder()
                    .name("snapshot-export-exports")
                    .targets(
                        CrawlerTargets::builder()
                            .s3_targets(S3Target::builder().path("s3://other/x/").build())
                            .build(),
                    )
                    .build(),
            )
            .build()
    });
    let glue = mock_client!(aws_sdk_glue, RuleMode::MatchAny, &[&elsewhere]);
    let crawler = stack_for(&PipelineConfig::from_toml_str("catalog = \"crawler\"\n").unwrap());
    assert_fails(
        &catalog::check_crawler(&glue, &crawler).await,
        &[
            "does not crawl s3://analytics-exports/exports/",
            "s3://other/x/",
        ],
    );
    let skipped = catalog::check_crawler(&glue, &stack_for(&PipelineConfig::default())).await;
    assert_eq!(skipped.status, Status::Skip);
}

// ---------------------------------------------------------------- events

fn rule_output(
    state: &str,
    pattern: &Value,
) -> aws_sdk_eventbridge::operation::describe_rule::DescribeRuleOutput {
    aws_sdk_eventbridge::operation::describe_rule::DescribeRuleOutput::builder()
        .name("r")
        .arn(format!(
            "arn:aws:events:{REGION}:{ANALYTICS}:rule/{NAME}/{NAME}-snapshot-created"
        ))
        .state(state.into())
        .event_pattern(pattern.to_string())
        .build()
}

fn targets(arn: &str) -> Rule {
    let arn = arn.to_owned();
    mock!(aws_sdk_eventbridge::Client::list_targets_by_rule).then_output(move || {
        aws_sdk_eventbridge::operation::list_targets_by_rule::ListTargetsByRuleOutput::builder()
            .targets(
                aws_sdk_eventbridge::types::Target::builder()
                    .id("t")
                    .arn(&arn)
                    .build()
                    .unwrap(),
            )
            .build()
    })
}

#[tokio::test]
async fn a_rule_is_checked_for_presence_state_pattern_and_target() {
    let stack = stack_for(&events_config());
    let good = expected_pattern(&[PROD.to_owned()], SNAPSHOT_CREATED.event_ids);
    let run = |describe: Rule, target: &str| {
        let list = targets(target);
        let stack = stack.clone();
        async move {
            let events = mock_client!(aws_sdk_eventbridge, RuleMode::MatchAny, &[&describe, &list]);
            events::check_rule(&events, &stack, SNAPSHOT_CREATED, &stack.machine.arn).await
        }
    };
    let machine = stack.machine.arn.clone();
    let g = good.clone();
    assert_ok(
        &run(
            mock!(aws_sdk_eventbridge::Client::describe_rule)
                .then_output(move || rule_output("ENABLED", &g)),
            &machine,
        )
        .await,
    );

    let g = good.clone();
    assert_fails(
        &run(
            mock!(aws_sdk_eventbridge::Client::describe_rule)
                .then_output(move || rule_output("DISABLED", &g)),
            &machine,
        )
        .await,
        &[
            "snapshot-created-rule",
            "the rule is DISABLED",
            "enable-rule --name snapshot-export-snapshot-created",
        ],
    );

    let wrong = expected_pattern(&[PROD.to_owned()], &["RDS-EVENT-0042"]);
    assert_fails(
        &run(
            mock!(aws_sdk_eventbridge::Client::describe_rule)
                .then_output(move || rule_output("ENABLED", &wrong)),
            &machine,
        )
        .await,
        &["pattern is not the Terraform's", "$.detail.EventID"],
    );

    let other_account = expected_pattern(&["999999999999".to_owned()], SNAPSHOT_CREATED.event_ids);
    assert_fails(
        &run(
            mock!(aws_sdk_eventbridge::Client::describe_rule)
                .then_output(move || rule_output("ENABLED", &other_account)),
            &machine,
        )
        .await,
        &["$.account[0]: deployed \"999999999999\""],
    );

    let g = good.clone();
    assert_fails(
        &run(
            mock!(aws_sdk_eventbridge::Client::describe_rule)
                .then_output(move || rule_output("ENABLED", &g)),
            "arn:aws:states:x",
        )
        .await,
        &["does not target", &machine, "arn:aws:states:x"],
    );

    assert_fails(
        &run(
            mock!(aws_sdk_eventbridge::Client::describe_rule)
                .then_http_response(|| json_error("ResourceNotFoundException")),
            &machine,
        )
        .await,
        &["the rule snapshot-export-snapshot-created is missing on bus snapshot-export"],
    );
}

#[tokio::test]
async fn the_bus_policy_must_admit_prod_and_the_notification_bus_must_exist() {
    use aws_sdk_eventbridge::operation::describe_event_bus::DescribeEventBusOutput;
    let stack = stack_for(&PipelineConfig::default());
    let bus_arn = format!("arn:aws:events:{REGION}:{ANALYTICS}:event-bus/{NAME}");
    let policy_for = |account: &str| {
        json!({"Statement": [{"Sid": "ProdAccountRdsEvents", "Effect": "Allow", "Action": "events:PutEvents",
            "Resource": &bus_arn, "Principal": {"AWS": format!("arn:aws:iam::{account}:root")},
            "Condition": {"StringEquals": {"events:source": "aws.rds"}}}]})
        .to_string()
    };
    let run = |policy: String| {
        let bus_arn = bus_arn.clone();
        let stack = stack.clone();
        async move {
            let describe =
                mock!(aws_sdk_eventbridge::Client::describe_event_bus).then_output(move || {
                    DescribeEventBusOutput::builder()
                        .name(NAME)
                        .arn(&bus_arn)
                        .policy(&policy)
                        .build()
                });
            let events = mock_client!(aws_sdk_eventbridge, RuleMode::MatchAny, &[&describe]);
            events::check_bus_policy(&events, &stack).await
        }
    };
    assert_ok(&run(policy_for(PROD)).await);
    assert_fails(
        &run(policy_for("999999999999")).await,
        &[
            "does not let account 210987654321 put events",
            "events:PutEvents",
        ],
    );

    let missing = mock!(aws_sdk_eventbridge::Client::describe_event_bus)
        .then_http_response(|| json_error("ResourceNotFoundException"));
    let events = mock_client!(aws_sdk_eventbridge, RuleMode::MatchAny, &[&missing]);
    assert_fails(
        &events::check_notification_bus(&events, &stack).await,
        &[
            "notification bus is not there",
            "event-bus/snapshot-export",
            "notification_event_bus_arn",
        ],
    );
}

// ---------------------------------------------------------------- waits table

#[tokio::test]
async fn the_waits_table_must_be_active_with_the_functions_keys() {
    use aws_sdk_dynamodb::operation::describe_table::DescribeTableOutput;
    use aws_sdk_dynamodb::types::{KeySchemaElement, KeyType, TableDescription, TableStatus};
    let table = |hash: &'static str, status: TableStatus| {
        mock!(aws_sdk_dynamodb::Client::describe_table).then_output(move || {
            DescribeTableOutput::builder()
                .table(
                    TableDescription::builder()
                        .table_status(status.clone())
                        .key_schema(
                            KeySchemaElement::builder()
                                .attribute_name(hash)
                                .key_type(KeyType::Hash)
                                .build()
                                .unwrap(),
                        )
                        .key_schema(
                            KeySchemaElement::builder()
                                .attribute_name("execution_id")
                                .key_type(KeyType::Range)
                                .build()
                                .unwrap(),
                        )
                        .build(),
                )
                .build()
        })
    };
    let stack = stack_for(&events_config());
    let run = |rule: Rule| {
        let stack = stack.clone();
        async move {
            let dynamodb = mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, &[&rule]);
            waits::check(&dynamodb, &stack).await
        }
    };
    assert_ok(&run(table("snapshot_arn", TableStatus::Active)).await);
    assert_fails(
        &run(table("export_id", TableStatus::Active)).await,
        &["keys are export_id / execution_id"],
    );
    assert_fails(
        &run(table("snapshot_arn", TableStatus::Creating)).await,
        &["CREATING, not ACTIVE"],
    );
    assert_fails(
        &run(mock!(aws_sdk_dynamodb::Client::describe_table)
            .then_http_response(|| json_error("ResourceNotFoundException")))
        .await,
        &[
            "waits table is not there",
            "snapshot-export-export-waits",
            "export_events = true",
        ],
    );
    let polling = stack_for(&PipelineConfig::from_toml_str("[export]\nevents = false\n").unwrap());
    let dynamodb = mock_client!(
        aws_sdk_dynamodb,
        RuleMode::MatchAny,
        &[&table("x", TableStatus::Active)]
    );
    assert_eq!(waits::check(&dynamodb, &polling).await.status, Status::Skip);
}

// ---------------------------------------------------------------- discovery

#[tokio::test]
async fn discovery_reads_the_functions_of_the_definition_and_names_a_missing_one() {
    use aws_sdk_lambda::operation::get_function_configuration::GetFunctionConfigurationOutput;
    use aws_sdk_lambda::types::EnvironmentResponse;
    use aws_sdk_sfn::operation::describe_state_machine::DescribeStateMachineOutput;
    let config = events_config();
    let definition = stack_for(&config).definition;
    let describe = mock!(aws_sdk_sfn::Client::describe_state_machine).then_output(move || {
        DescribeStateMachineOutput::builder()
            .state_machine_arn("arn")
            .name(NAME)
            .definition(&definition)
            .role_arn("arn:aws:iam::1:role/x")
            .r#type(aws_sdk_sfn::types::StateMachineType::Standard)
            .creation_date(aws_smithy_types::DateTime::from_secs(0))
            .build()
            .unwrap()
    });
    let missing = mock!(aws_sdk_lambda::Client::get_function_configuration)
        .match_requests(|r| {
            r.function_name()
                .is_some_and(|n| n.ends_with("-catalog-tables"))
        })
        .then_http_response(|| {
            let mut response = json_error("ResourceNotFoundException");
            response
                .headers_mut()
                .insert("x-amzn-errortype", "ResourceNotFoundException");
            response
        });
    let found = mock!(aws_sdk_lambda::Client::get_function_configuration).then_output(|| {
        GetFunctionConfigurationOutput::builder()
            .role(role_arn("any"))
            .environment(
                EnvironmentResponse::builder()
                    .variables("EXPORT_BUCKET", BUCKET)
                    .build(),
            )
            .build()
    });
    let sfn = mock_client!(aws_sdk_sfn, RuleMode::MatchAny, &[&describe]);
    let lambda = mock_client!(aws_sdk_lambda, RuleMode::MatchAny, &[&missing, &found]);
    let (stack, checks) = Stack::discover_with(&sfn, &lambda, &machine(), &config)
        .await
        .unwrap();
    assert!(
        stack.function("export-events").is_some(),
        "named like the others"
    );
    assert!(
        stack.function("wait-for-export").is_some(),
        "a callback Task's FunctionName"
    );
    assert_eq!(stack.env_of("start-export", "EXPORT_BUCKET"), Some(BUCKET));
    assert_ok(&checks[0]);
    let failed: Vec<&Check> = checks.iter().filter(|c| c.failed()).collect();
    assert_eq!(failed.len(), 1, "{checks:?}");
    assert_fails(
        failed[0],
        &[
            "function catalog-tables",
            "ResourceNotFoundException",
            "lambda:GetFunctionConfiguration",
        ],
    );

    let gone = mock!(aws_sdk_sfn::Client::describe_state_machine)
        .then_http_response(|| json_error("StateMachineDoesNotExist"));
    let sfn = mock_client!(aws_sdk_sfn, RuleMode::MatchAny, &[&gone]);
    let check = Stack::discover_with(&sfn, &lambda, &machine(), &config)
        .await
        .unwrap_err();
    assert_fails(
        &check,
        &[
            "state-machine",
            "StateMachineDoesNotExist",
            "states:DescribeStateMachine",
        ],
    );
}

// ---------------------------------------------------------------- policy reading

#[test]
fn policy_globs_principals_and_url_encoded_documents() {
    assert!(policy::glob("s3:PutObject*", "s3:putobjectacl", true));
    assert!(!policy::glob("s3:PutObject", "s3:PutObjectAcl", true));
    assert!(policy::glob(
        "arn:aws:s3:::b/exports/*",
        "arn:aws:s3:::b/exports/x/y",
        false
    ));
    assert!(!policy::glob(
        "arn:aws:s3:::b/exports/*",
        "arn:aws:s3:::b/other/x",
        false
    ));
    assert!(policy::glob("a?c", "abc", false));
    let root = json!({"Principal": {"AWS": format!("arn:aws:iam::{PROD}:root")}});
    assert!(policy::admits(&root, PROD_ROLE));
    assert!(!policy::admits(&root, &role_arn("x")));
    assert!(!policy::names_explicitly(&root, PROD_ROLE));
    let encoded = "%7B%22Statement%22%3A%5B%5D%7D";
    assert_eq!(policy::parse(encoded), Some(json!({"Statement": []})));
}

// ---------------------------------------------------------------- the Terraform tie

/// A file of the analytics module.
fn module_file(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../infra/modules/analytics-account")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The quoted strings of the first `[...]` after `anchor` in `text`.
fn list_after(text: &str, anchor: &str) -> Vec<String> {
    let start = text
        .find(anchor)
        .unwrap_or_else(|| panic!("{anchor:?} not found"))
        + anchor.len();
    let rest = &text[start..];
    let open = rest.find('[').unwrap();
    let close = rest[open..].find(']').unwrap() + open;
    rest[open + 1..close]
        .split(',')
        .map(|s| s.trim().trim_matches('"').to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

#[test]
fn the_expected_rule_patterns_are_the_terraforms() {
    let created = module_file("events.tf");
    let rule = &created[created
        .find("resource \"aws_cloudwatch_event_rule\" \"this\"")
        .unwrap()..];
    assert_eq!(list_after(rule, "EventID ="), SNAPSHOT_CREATED.event_ids);
    assert_eq!(list_after(rule, "\"detail-type\" ="), events::DETAIL_TYPES);
    assert_eq!(list_after(rule, "source        ="), [events::SOURCE]);
    // The configured prod accounts (source_accounts, or the one prod_account_id).
    assert!(rule.contains("account       = local.source_account_ids"));
    assert!(rule.contains(&format!(
        "name           = \"${{var.name}}-{}\"",
        SNAPSHOT_CREATED.suffix
    )));
    assert!(
        created.contains("name = var.name"),
        "the bus is named like the state machine"
    );

    let finished = module_file("export-events.tf");
    let rule = &finished[finished
        .find("resource \"aws_cloudwatch_event_rule\" \"export_finished\"")
        .unwrap()..];
    assert!(rule.contains("detail        = { EventID = local.export_finished_event_ids }"));
    assert_eq!(list_after(rule, "\"detail-type\" ="), events::DETAIL_TYPES);
    assert!(rule.contains("account       = local.source_account_ids"));
    let locals = module_file("locals.tf");
    assert_eq!(
        list_after(&locals, "export_finished_event_ids ="),
        EXPORT_FINISHED.event_ids
    );
    assert!(locals.contains(&format!(
        "export_finished_rule      = \"${{var.name}}-{}\"",
        EXPORT_FINISHED.suffix
    )));
    assert!(locals.contains("export_waits_table        = \"${var.name}-export-waits\""));

    // The prod module's forwarding rules.
    let prod_dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../infra/modules/prod-account");
    let prod_locals = std::fs::read_to_string(prod_dir.join("locals.tf")).unwrap();
    assert_eq!(
        list_after(&prod_locals, "snapshot_event_ids ="),
        SNAPSHOT_CREATED.event_ids
    );
    assert_eq!(
        list_after(&prod_locals, "export_finished_event_ids ="),
        EXPORT_FINISHED.event_ids
    );
    assert_eq!(
        list_after(&prod_locals, "\"detail-type\" ="),
        events::DETAIL_TYPES
    );
    assert!(prod_locals.contains("{ prefix = db }, { prefix = \"rds:${db}-\" }"));
    let prod_events = std::fs::read_to_string(prod_dir.join("events.tf")).unwrap();
    assert!(prod_events.contains("name          = \"${var.name}-snapshot-created\""));
    assert!(prod_events.contains("name        = \"${var.name}-export-finished\""));
    assert_eq!(
        list_after(&prod_events, "\"detail-type\" ="),
        events::DETAIL_TYPES
    );
    assert!(prod_events.contains("detail        = { EventID = local.export_finished_event_ids }"));
    assert_eq!(
        forwarding::prod_pattern(&["E"], &["orders"]),
        json!({"source": ["aws.rds"], "detail-type": events::DETAIL_TYPES,
               "detail": {"EventID": ["E"], "SourceIdentifier": [{"prefix": "orders"}, {"prefix": "rds:orders-"}]}})
    );

    // The waits table's keys.
    assert!(finished.contains(&format!("hash_key     = \"{}\"", waits::HASH_KEY)));
    assert!(finished.contains(&format!("range_key    = \"{}\"", waits::RANGE_KEY)));
    // The functions are named `<name>-<binary>` (export-events is found that way).
    assert!(module_file("lambdas.tf").contains("function_name = \"${var.name}-${each.key}\""));
}

// ---------------------------------------------------------------- staging bucket, dry run

#[tokio::test]
async fn copy_delivery_needs_the_staging_bucket() {
    let missing = mock!(aws_sdk_s3::Client::head_bucket).then_http_response(|| http(404, ""));
    let s3 = mock_client!(aws_sdk_s3, RuleMode::MatchAny, &[&missing]);
    assert_fails(
        &bucket::check_staging(Some(s3.clone()), &stack_for(&copy_config())).await,
        &[
            "staging-bucket",
            "not there",
            "prod-staging",
            "delivery = \"copy\"",
        ],
    );
    let share = bucket::check_staging(Some(s3), &stack_for(&PipelineConfig::default())).await;
    assert_eq!(share.status, Status::Skip);
}

#[tokio::test]
async fn the_dry_run_names_a_snapshot_rds_would_refuse() {
    use aws_sdk_rds::operation::describe_db_snapshots::DescribeDbSnapshotsOutput;
    use aws_sdk_rds::types::DbSnapshot;
    let arn = format!("arn:aws:rds:{REGION}:{PROD}:snapshot:orders-1");
    let parsed = contract::export_id::parse_snapshot_arn(&arn).unwrap();
    let creating = mock!(aws_sdk_rds::Client::describe_db_snapshots)
        .match_requests(|r| r.db_snapshot_identifier() == Some("orders-1"))
        .then_output(|| {
            DescribeDbSnapshotsOutput::builder()
                .db_snapshots(DbSnapshot::builder().status("creating").build())
                .build()
        });
    let rds = mock_client!(aws_sdk_rds, RuleMode::MatchAny, &[&creating]);
    let checks = snapshot::lookup(&rds, &arn, &parsed).await;
    assert_fails(&checks[0], &["snapshot", "creating, not available", &arn]);

    // Another account's snapshot is refused before any call.
    let elsewhere = format!("arn:aws:rds:{REGION}:{ANALYTICS}:snapshot:orders-1");
    let checks = snapshot::check(None, &stack_for(&PipelineConfig::default()), &elsewhere).await;
    assert_fails(
        &checks[0],
        &[
            "in 111122223333 eu-west-1",
            "the pipeline exports from 210987654321",
        ],
    );
    let checks = snapshot::check(None, &stack_for(&PipelineConfig::default()), "orders-1").await;
    assert_fails(&checks[0], &["Normalize would refuse the ARN"]);
}

// ---------------------------------------------------------------- acting as the roles

#[tokio::test]
async fn a_function_role_preflight_cannot_assume_is_named_with_the_fix() {
    // Nothing listens on port 9: AssumeRole fails as a refused one would, at once.
    let unreachable = aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(REGION))
        .endpoint_url("http://127.0.0.1:9")
        .retry_config(aws_smithy_types::retry::RetryConfig::disabled())
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(
                aws_sdk_sts::config::Credentials::new("k", "s", None, None, "test"),
            ),
        )
        .build();
    let stack = stack_for(&PipelineConfig::default());
    let sessions = identity::Sessions::open(&unreachable, &stack).await;
    assert!(sessions.prod.is_none() && sessions.function.is_none());
    assert_eq!(sessions.checks.len(), 1);
    assert_fails(
        &sessions.checks[0],
        &[
            "act-as start-export",
            &role_arn("start-export"),
            "sts:AssumeRole",
            "Before the first snapshot",
        ],
    );
}

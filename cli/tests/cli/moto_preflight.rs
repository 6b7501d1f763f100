//! `preflight` against moto: a stack set up as the Terraform example deploys it (both
//! accounts in one moto: the prod account is reached by AssumeRole, as
//! `tests/harness/accounts.py` does) where every check passes, then one deliberate break
//! per check, each undone after its run, where preflight must fail and name the break.
//!
//! The stack is built here from the modules' facts (names `<name>-<binary>`, the env
//! values of `locals.tf`, the trust, key, bucket and bus policies as the modules render
//! them), with the events-mode configuration so the waits table and the export-finished
//! rule are checked too.

use std::collections::HashMap;

use aws_config::SdkConfig;
use aws_sdk_lambda::primitives::Blob;
use contract::functions::{EXPORT_EVENTS, FUNCTIONS};
use serde_json::{Value, json};

use crate::support::{Moto, MotoCli};

const ANALYTICS: &str = "123456789012";
const PROD: &str = "210987654321";
const REGION: &str = "us-east-1";
const NAME: &str = "snapshot-export";
const EXTERNAL_ID: &str = "snapshot-export-preflight-test";
const BUCKET: &str = "analytics-exports";
const PREFIX: &str = "exports";
const DATABASE: &str = "snapshot_export";
/// The snapshot-created and export-finished EventIDs (events.tf, locals.tf).
const CREATED_IDS: [&str; 5] = [
    "RDS-EVENT-0042",
    "RDS-EVENT-0091",
    "RDS-EVENT-0197",
    "RDS-EVENT-0075",
    "RDS-EVENT-0169",
];
/// An empty zip archive (end-of-central-directory record only): moto stores the code.
const EMPTY_ZIP: [u8; 22] = [
    0x50, 0x4b, 0x05, 0x06, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
];

fn function_name(binary: &str) -> String {
    format!("{NAME}-{binary}")
}

fn function_arn(binary: &str) -> String {
    format!(
        "arn:aws:lambda:{REGION}:{ANALYTICS}:function:{}",
        function_name(binary)
    )
}

fn lambda_role(binary: &str) -> String {
    format!("arn:aws:iam::{ANALYTICS}:role/{}", function_name(binary))
}

fn machine_arn_text() -> &'static str {
    "arn:aws:states:us-east-1:123456789012:stateMachine:snapshot-export"
}

fn machine_arn() -> String {
    format!("arn:aws:states:{REGION}:{ANALYTICS}:stateMachine:{NAME}")
}

fn bus_arn() -> String {
    format!("arn:aws:events:{REGION}:{ANALYTICS}:event-bus/{NAME}")
}

const PROD_ROLE: &str = "arn:aws:iam::210987654321:role/snapshot-export-cross-account";
const EXPORT_ROLE: &str = "arn:aws:iam::210987654321:role/snapshot-export-export";

/// Both accounts' clients.
struct World {
    analytics: SdkConfig,
    prod: SdkConfig,
    key_arn: String,
    definition: String,
}

/// The prod module's cross-account trust policy.
fn prod_trust(with_external_id: bool) -> String {
    let mut condition = json!({"ArnEquals": {"aws:PrincipalArn": FUNCTIONS.iter().map(|f| lambda_role(f.binary)).collect::<Vec<_>>()}});
    if with_external_id {
        condition["StringEquals"] = json!({"sts:ExternalId": EXTERNAL_ID});
    }
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
        "Principal": {"AWS": format!("arn:aws:iam::{ANALYTICS}:root")}, "Condition": condition}]})
    .to_string()
}

/// The export role's trust policy (`service` export.rds.amazonaws.com in the module).
fn export_trust(service: &str) -> String {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
        "Principal": {"Service": service}, "Condition": {"StringEquals": {"aws:SourceAccount": PROD}}}]})
    .to_string()
}

/// The prod module's key policy; `caller_grant` false drops ExportCallerGrant (and the
/// root's delegation, so nothing lets the caller create RDS's grant).
fn key_policy(caller_grant: bool) -> String {
    key_policy_with(caller_grant, true)
}

/// [`key_policy`]; `reader` false drops the catalog reader's decrypt.
fn key_policy_with(caller_grant: bool, reader: bool) -> String {
    let mut statements = vec![
        json!({"Sid": "ExportRoleUse", "Effect": "Allow", "Resource": "*",
        "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey",
                   "kms:GenerateDataKeyWithoutPlaintext", "kms:DescribeKey"],
        "Principal": {"AWS": EXPORT_ROLE}}),
    ];
    if caller_grant {
        statements.insert(
            0,
            json!({"Sid": "AccountAdministration", "Effect": "Allow", "Action": "kms:*",
            "Resource": "*", "Principal": {"AWS": format!("arn:aws:iam::{PROD}:root")}}),
        );
        statements.push(json!({"Sid": "ExportCallerGrant", "Effect": "Allow",
            "Action": ["kms:DescribeKey", "kms:CreateGrant"], "Resource": "*", "Principal": {"AWS": PROD_ROLE}}));
    }
    if reader {
        statements.push(json!({"Sid": "AnalyticsReadersDecryptViaS3", "Effect": "Allow", "Action": "kms:Decrypt",
            "Resource": "*", "Principal": {"AWS": format!("arn:aws:iam::{ANALYTICS}:root")},
            "Condition": {"ArnEquals": {"aws:PrincipalArn": [lambda_role("catalog-tables")]},
                          "StringEquals": {"kms:ViaService": format!("s3.{REGION}.amazonaws.com")}}}));
    }
    json!({"Version": "2012-10-17", "Statement": statements}).to_string()
}

/// The analytics module's bucket policy (share-key delivery); `acl` false drops the prod
/// role's PutObjectAcl.
fn bucket_policy(acl: bool) -> String {
    let bucket = format!("arn:aws:s3:::{BUCKET}");
    let objects = format!("{bucket}/{PREFIX}/*");
    let mut statements = vec![
        json!({"Sid": "DenyInsecureTransport", "Effect": "Deny", "Action": "s3:*", "Principal": "*",
            "Resource": [&bucket, format!("{bucket}/*")], "Condition": {"Bool": {"aws:SecureTransport": "false"}}}),
        json!({"Sid": "ProdExportRoleBucket", "Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetBucketLocation"],
            "Resource": &bucket, "Principal": {"AWS": EXPORT_ROLE}}),
        json!({"Sid": "ProdExportRoleObjects", "Effect": "Allow", "Action": ["s3:PutObject*", "s3:GetObject*", "s3:DeleteObject*"],
            "Resource": &objects, "Principal": {"AWS": EXPORT_ROLE}}),
        json!({"Sid": "ProdCrossAccountList", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": &bucket,
            "Principal": {"AWS": PROD_ROLE}, "Condition": {"StringLike": {"s3:prefix": format!("{PREFIX}/*")}}}),
    ];
    if acl {
        statements.push(
            json!({"Sid": "ProdCrossAccountAcl", "Effect": "Allow", "Action": "s3:PutObjectAcl",
            "Resource": &objects, "Principal": {"AWS": PROD_ROLE},
            "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}}),
        );
    }
    json!({"Version": "2012-10-17", "Statement": statements}).to_string()
}

/// The analytics bus policy: `account` may put RDS events.
fn bus_policy(account: &str) -> String {
    json!({"Version": "2012-10-17", "Statement": [{"Sid": "ProdAccountRdsEvents", "Effect": "Allow",
        "Action": "events:PutEvents", "Resource": bus_arn(),
        "Principal": {"AWS": format!("arn:aws:iam::{account}:root")},
        "Condition": {"StringEquals": {"events:source": "aws.rds"}}}]})
    .to_string()
}

/// A rule's pattern as the module writes it.
fn pattern(ids: &[&str]) -> String {
    json!({"account": [PROD], "source": ["aws.rds"],
        "detail-type": ["RDS DB Snapshot Event", "RDS DB Cluster Snapshot Event"],
        "detail": {"EventID": ids}})
    .to_string()
}

/// A forwarding rule's pattern as the prod module writes it (no db_identifiers).
fn prod_pattern(ids: &[&str]) -> String {
    json!({"source": ["aws.rds"],
        "detail-type": ["RDS DB Snapshot Event", "RDS DB Cluster Snapshot Event"],
        "detail": {"EventID": ids}})
    .to_string()
}

/// The module's env_values for a function (null ones left out).
fn env_of(binary: &str, key_arn: &str) -> HashMap<String, String> {
    let function = FUNCTIONS.iter().find(|f| f.binary == binary).unwrap();
    let value = |var: &str| -> Option<String> {
        Some(match var {
            "EXPORT_BUCKET" | "DESTINATION_BUCKET" => BUCKET.into(),
            "EXPORT_PREFIX" => PREFIX.into(),
            "EXPORT_KMS_KEY_ARN" => key_arn.into(),
            "EXPORT_ROLE_ARN" => EXPORT_ROLE.into(),
            "PROD_ROLE_ARN" => PROD_ROLE.into(),
            "PROD_ROLE_EXTERNAL_ID" => EXTERNAL_ID.into(),
            "CRAWLER_NAME" => format!("{NAME}-exports"),
            "GLUE_DATABASE" => DATABASE.into(),
            "EVENT_BUS_NAME" => bus_arn(),
            "EVENT_SOURCE" => "snapshot-export".into(),
            "EXPORT_WAITS_TABLE" => format!("{NAME}-export-waits"),
            "EXPORT_SLOTS_TABLE" => format!("{NAME}-export-slots"),
            _ => return None,
        })
    };
    function
        .env()
        .filter_map(|v| value(v).map(|x| (v.to_owned(), x)))
        .collect()
}

/// Builds the whole stack; returns what the variants need.
async fn build(moto: &Moto) -> World {
    let analytics = moto.sdk_config().await;
    let sts = aws_sdk_sts::Client::new(&analytics);
    let creds = sts
        .assume_role()
        .role_arn(format!("arn:aws:iam::{PROD}:role/preflight-test-admin"))
        .role_session_name("setup")
        .send()
        .await
        .unwrap();
    let c = creds.credentials().unwrap();
    let prod = analytics
        .to_builder()
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(
                aws_sdk_sts::config::Credentials::new(
                    c.access_key_id(),
                    c.secret_access_key(),
                    Some(c.session_token().to_owned()),
                    None,
                    "prod",
                ),
            ),
        )
        .build();

    // Prod: the two roles and the key.
    let prod_iam = aws_sdk_iam::Client::new(&prod);
    prod_iam
        .create_role()
        .role_name("snapshot-export-cross-account")
        .assume_role_policy_document(prod_trust(true))
        .send()
        .await
        .unwrap();
    prod_iam
        .create_role()
        .role_name("snapshot-export-export")
        .assume_role_policy_document(export_trust("export.rds.amazonaws.com"))
        .send()
        .await
        .unwrap();
    prod_iam
        .put_role_policy()
        .role_name("snapshot-export-cross-account")
        .policy_name("snapshot-export")
        .policy_document(
            json!({"Version": "2012-10-17", "Statement": [
                {"Sid": "PassExportRoleToRds", "Effect": "Allow", "Action": "iam:PassRole", "Resource": EXPORT_ROLE,
                 "Condition": {"StringEquals": {"iam:PassedToService": "rds.amazonaws.com"}}}]})
            .to_string(),
        )
        .send()
        .await
        .unwrap();
    let key_arn = aws_sdk_kms::Client::new(&prod)
        .create_key()
        .description("snapshot-export export key")
        .policy(key_policy(true))
        .send()
        .await
        .unwrap()
        .key_metadata()
        .unwrap()
        .arn()
        .unwrap()
        .to_owned();

    // Analytics: the functions and their roles, the state machine.
    // The default configuration (export events on), as `terraform apply` deploys it.
    let config = state_machine::PipelineConfig::default();
    let mut definition = state_machine::pipeline(&config).unwrap().to_json().unwrap();
    for f in FUNCTIONS {
        definition = definition.replace(
            &format!("${{{}}}", f.placeholder()),
            &function_arn(f.binary),
        );
    }
    let iam = aws_sdk_iam::Client::new(&analytics);
    let lambda = aws_sdk_lambda::Client::new(&analytics);
    for f in FUNCTIONS {
        if !definition.contains(&function_arn(f.binary)) && f.binary != EXPORT_EVENTS.binary {
            continue;
        }
        iam.create_role()
            .role_name(function_name(f.binary))
            .assume_role_policy_document(
                json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                    "Principal": {"Service": "lambda.amazonaws.com"}}]})
                .to_string(),
            )
            .send()
            .await
            .unwrap();
        create_function(&lambda, f.binary, &key_arn).await;
    }
    aws_sdk_sfn::Client::new(&analytics)
        .create_state_machine()
        .name(NAME)
        .definition(&definition)
        .role_arn(format!(
            "arn:aws:iam::{ANALYTICS}:role/{NAME}-state-machine"
        ))
        .send()
        .await
        .unwrap();

    // The bucket, the catalog, the bus and its rules, the waits table.
    let s3 = aws_sdk_s3::Client::new(&analytics);
    s3.create_bucket().bucket(BUCKET).send().await.unwrap();
    put_ownership(&s3).await;
    s3.put_bucket_policy()
        .bucket(BUCKET)
        .policy(bucket_policy(true))
        .send()
        .await
        .unwrap();
    create_database(&analytics).await;
    let events = aws_sdk_eventbridge::Client::new(&analytics);
    events.create_event_bus().name(NAME).send().await.unwrap();
    events
        .put_permission()
        .event_bus_name(NAME)
        .policy(bus_policy(PROD))
        .send()
        .await
        .unwrap();
    for (suffix, ids, target) in [
        ("snapshot-created", &CREATED_IDS[..], machine_arn()),
        (
            "export-finished",
            &contract::EXPORT_FINISHED_EVENT_IDS[..],
            function_arn(EXPORT_EVENTS.binary),
        ),
    ] {
        events
            .put_rule()
            .name(format!("{NAME}-{suffix}"))
            .event_bus_name(NAME)
            .event_pattern(pattern(ids))
            .send()
            .await
            .unwrap();
        put_target(&events, suffix, &target).await;
    }
    create_table(&analytics).await;

    // Prod: the forwarding rules on the default bus (the prod module's events.tf).
    let prod_events = aws_sdk_eventbridge::Client::new(&prod);
    for (suffix, ids) in [
        ("snapshot-created", &CREATED_IDS[..]),
        ("export-finished", &contract::EXPORT_FINISHED_EVENT_IDS[..]),
    ] {
        prod_events
            .put_rule()
            .name(format!("{NAME}-{suffix}"))
            .event_pattern(prod_pattern(ids))
            .send()
            .await
            .unwrap();
        prod_events
            .put_targets()
            .rule(format!("{NAME}-{suffix}"))
            .targets(
                aws_sdk_eventbridge::types::Target::builder()
                    .id("analytics-event-bus")
                    .arn(bus_arn())
                    .role_arn(format!("arn:aws:iam::{PROD}:role/{NAME}-forward-events"))
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
    }
    World {
        analytics,
        prod,
        key_arn,
        definition,
    }
}

async fn create_function(lambda: &aws_sdk_lambda::Client, binary: &str, key_arn: &str) {
    lambda
        .create_function()
        .function_name(function_name(binary))
        .runtime(aws_sdk_lambda::types::Runtime::Providedal2023)
        .handler("bootstrap")
        .role(lambda_role(binary))
        .code(
            aws_sdk_lambda::types::FunctionCode::builder()
                .zip_file(Blob::new(EMPTY_ZIP.to_vec()))
                .build(),
        )
        .environment(
            aws_sdk_lambda::types::Environment::builder()
                .set_variables(Some(env_of(binary, key_arn)))
                .build(),
        )
        .send()
        .await
        .unwrap();
}

async fn set_env(world: &World, binary: &str, env: HashMap<String, String>) {
    aws_sdk_lambda::Client::new(&world.analytics)
        .update_function_configuration()
        .function_name(function_name(binary))
        .environment(
            aws_sdk_lambda::types::Environment::builder()
                .set_variables(Some(env))
                .build(),
        )
        .send()
        .await
        .unwrap();
}

async fn put_ownership(s3: &aws_sdk_s3::Client) {
    use aws_sdk_s3::types::{ObjectOwnership, OwnershipControls, OwnershipControlsRule};
    s3.put_bucket_ownership_controls()
        .bucket(BUCKET)
        .ownership_controls(
            OwnershipControls::builder()
                .rules(
                    OwnershipControlsRule::builder()
                        .object_ownership(ObjectOwnership::BucketOwnerEnforced)
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
}

async fn create_database(analytics: &SdkConfig) {
    aws_sdk_glue::Client::new(analytics)
        .create_database()
        .database_input(
            aws_sdk_glue::types::DatabaseInput::builder()
                .name(DATABASE)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
}

async fn put_target(events: &aws_sdk_eventbridge::Client, suffix: &str, arn: &str) {
    events
        .put_targets()
        .rule(format!("{NAME}-{suffix}"))
        .event_bus_name(NAME)
        .targets(
            aws_sdk_eventbridge::types::Target::builder()
                .id(suffix)
                .arn(arn)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
}

async fn create_table(analytics: &SdkConfig) {
    use aws_sdk_dynamodb::types::{
        AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
    };
    let attribute = |name: &str| {
        AttributeDefinition::builder()
            .attribute_name(name)
            .attribute_type(ScalarAttributeType::S)
            .build()
            .unwrap()
    };
    let key = |name: &str, kind: KeyType| {
        KeySchemaElement::builder()
            .attribute_name(name)
            .key_type(kind)
            .build()
            .unwrap()
    };
    aws_sdk_dynamodb::Client::new(analytics)
        .create_table()
        .table_name(format!("{NAME}-export-waits"))
        .attribute_definitions(attribute("snapshot_arn"))
        .attribute_definitions(attribute("execution_id"))
        .key_schema(key("snapshot_arn", KeyType::Hash))
        .key_schema(key("execution_id", KeyType::Range))
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap();
}

/// Runs `preflight --json` on the stack: the exit status and the report.
fn preflight(moto: &Moto) -> (bool, Value) {
    preflight_with(moto, &[])
}

/// [`preflight`] with more arguments.
fn preflight_with(moto: &Moto, extra: &[&str]) -> (bool, Value) {
    // No --config: the stack runs the default definition.
    let mut args = vec![
        "preflight",
        "--json",
        "--state-machine-arn",
        &machine_arn_text(),
    ];
    args.extend_from_slice(extra);
    let output = moto.run(&args);
    let stdout = String::from_utf8(output.stdout.clone()).unwrap();
    let report: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {stdout}\nstderr: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (output.status.success(), report)
}

/// The failed checks of a report: name → the whole entry as text.
fn failures(report: &Value) -> Vec<(String, String)> {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "fail")
        .map(|c| (c["check"].as_str().unwrap().to_owned(), c.to_string()))
        .collect()
}

/// Asserts exactly `check` failed, naming every fragment.
fn assert_names_break(moto: &Moto, variant: &str, check: &str, fragments: &[&str]) {
    let (success, report) = preflight(moto);
    let failed = failures(&report);
    assert!(!success, "{variant}: preflight passed: {report:#}");
    assert_eq!(
        failed.iter().map(|(c, _)| c.as_str()).collect::<Vec<_>>(),
        [check],
        "{variant}: {failed:#?}"
    );
    for fragment in fragments {
        assert!(
            failed[0].1.contains(fragment),
            "{variant}: {fragment:?} not in {}",
            failed[0].1
        );
    }
    assert!(failed[0].1.contains("\"fix\""), "{variant}: no fix");
}

#[tokio::test(flavor = "multi_thread")]
async fn preflight_passes_on_a_set_up_stack_and_names_each_break() {
    let moto = Moto::start();
    let world = build(&moto).await;
    let (success, report) = preflight(&moto);
    assert!(success, "{report:#}");
    assert_eq!(report["failed"], 0, "{report:#}");
    let statuses: Vec<(&str, &str)> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["check"].as_str().unwrap(), c["status"].as_str().unwrap()))
        .collect();
    for expected in [
        "state-machine",
        "definition",
        "waits-table",
        "prod-role",
        "prod-role-trust",
        "export-role",
        "export-key",
        "export-key-policy",
        "bucket-ownership",
        "bucket-policy",
        "glue-database",
        "snapshot-created-rule",
        "export-finished-rule",
        "event-bus-policy",
        "notification-bus",
        "prod-snapshot-created-rule",
        "prod-export-finished-rule",
        "function-env start-export",
        "function-env export-events",
    ] {
        assert!(
            statuses.contains(&(expected, "ok")),
            "{expected} is not ok: {statuses:?}"
        );
    }

    // The text form: one line per check, then the verdict; exit 0.
    let text =
        crate::support::ok(&moto.run(&["preflight", "--state-machine-arn", machine_arn_text()]));
    println!("{text}");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines.len(),
        report["checks"].as_array().unwrap().len() + 1,
        "{text}"
    );
    assert!(
        lines.iter().all(|l| l.starts_with("ok    ")
            || l.starts_with("skip  ")
            || l.starts_with("preflight passed")),
        "{text}"
    );

    let events = aws_sdk_eventbridge::Client::new(&world.analytics);
    let s3 = aws_sdk_s3::Client::new(&world.analytics);
    let prod_iam = aws_sdk_iam::Client::new(&world.prod);
    let kms = aws_sdk_kms::Client::new(&world.prod);
    let sfn = aws_sdk_sfn::Client::new(&world.analytics);
    let created = format!("{NAME}-snapshot-created");
    let finished = format!("{NAME}-export-finished");

    // The snapshot-created rule disabled.
    events
        .disable_rule()
        .name(&created)
        .event_bus_name(NAME)
        .send()
        .await
        .unwrap();
    assert_names_break(
        &moto,
        "rule disabled",
        "snapshot-created-rule",
        &["DISABLED", "enable-rule"],
    );
    events
        .enable_rule()
        .name(&created)
        .event_bus_name(NAME)
        .send()
        .await
        .unwrap();

    // The export-finished rule without the completed event.
    let without_0161: Vec<&str> = contract::EXPORT_FINISHED_EVENT_IDS
        .iter()
        .copied()
        .filter(|i| *i != "RDS-EVENT-0161")
        .collect();
    events
        .put_rule()
        .name(&finished)
        .event_bus_name(NAME)
        .event_pattern(pattern(&without_0161))
        .send()
        .await
        .unwrap();
    assert_names_break(
        &moto,
        "wrong pattern",
        "export-finished-rule",
        &["pattern is not the Terraform's", "EventID"],
    );
    events
        .put_rule()
        .name(&finished)
        .event_bus_name(NAME)
        .event_pattern(pattern(&contract::EXPORT_FINISHED_EVENT_IDS))
        .send()
        .await
        .unwrap();

    // Prod's forwarding rule aimed at another bus.
    let prod_events = aws_sdk_eventbridge::Client::new(&world.prod);
    let retarget = |arn: String| {
        let prod_events = prod_events.clone();
        async move {
            prod_events
                .put_targets()
                .rule(format!("{NAME}-snapshot-created"))
                .targets(
                    aws_sdk_eventbridge::types::Target::builder()
                        .id("analytics-event-bus")
                        .arn(arn)
                        .build()
                        .unwrap(),
                )
                .send()
                .await
                .unwrap();
        }
    };
    retarget(format!(
        "arn:aws:events:{REGION}:{ANALYTICS}:event-bus/default"
    ))
    .await;
    assert_names_break(
        &moto,
        "prod forwarding",
        "prod-snapshot-created-rule",
        &["does not target", &bus_arn()],
    );
    retarget(bus_arn()).await;

    // The snapshot-created rule without its state machine target.
    events
        .remove_targets()
        .rule(&created)
        .event_bus_name(NAME)
        .ids("snapshot-created")
        .send()
        .await
        .unwrap();
    assert_names_break(
        &moto,
        "no target",
        "snapshot-created-rule",
        &["does not target", &machine_arn()],
    );
    put_target(&events, "snapshot-created", &machine_arn()).await;

    // The bus policy naming another account.
    events
        .put_permission()
        .event_bus_name(NAME)
        .policy(bus_policy("999999999999"))
        .send()
        .await
        .unwrap();
    assert_names_break(
        &moto,
        "bus policy",
        "event-bus-policy",
        &["does not let account 210987654321", "events:PutEvents"],
    );
    events
        .put_permission()
        .event_bus_name(NAME)
        .policy(bus_policy(PROD))
        .send()
        .await
        .unwrap();

    // start-export without EXPORT_ROLE_ARN.
    let mut env = env_of("start-export", &world.key_arn);
    env.remove("EXPORT_ROLE_ARN");
    set_env(&world, "start-export", env).await;
    assert_names_break(
        &moto,
        "missing env var",
        "function-env start-export",
        &["missing environment variable EXPORT_ROLE_ARN"],
    );
    set_env(
        &world,
        "start-export",
        env_of("start-export", &world.key_arn),
    )
    .await;

    // notify sending to a bus that does not exist.
    let mut env = env_of("notify", &world.key_arn);
    env.insert("EVENT_BUS_NAME".into(), "nowhere".into());
    set_env(&world, "notify", env).await;
    assert_names_break(
        &moto,
        "notification bus",
        "notification-bus",
        &["not there", "nowhere"],
    );
    set_env(&world, "notify", env_of("notify", &world.key_arn)).await;

    // The deployed definition drifted from the rendered one.
    let mut drifted: Value = serde_json::from_str(&world.definition).unwrap();
    drifted["TimeoutSeconds"] = json!(60);
    sfn.update_state_machine()
        .state_machine_arn(machine_arn())
        .definition(drifted.to_string())
        .send()
        .await
        .unwrap();
    assert_names_break(
        &moto,
        "definition drift",
        "definition",
        &["$.TimeoutSeconds: deployed 60"],
    );
    sfn.update_state_machine()
        .state_machine_arn(machine_arn())
        .definition(&world.definition)
        .send()
        .await
        .unwrap();

    // The bucket policy without the prod role's ACL rewrite.
    s3.put_bucket_policy()
        .bucket(BUCKET)
        .policy(bucket_policy(false))
        .send()
        .await
        .unwrap();
    assert_names_break(
        &moto,
        "bucket policy",
        "bucket-policy",
        &["s3:PutObjectAcl", PROD_ROLE],
    );
    s3.put_bucket_policy()
        .bucket(BUCKET)
        .policy(bucket_policy(true))
        .send()
        .await
        .unwrap();

    // The bucket without an ownership setting.
    s3.delete_bucket_ownership_controls()
        .bucket(BUCKET)
        .send()
        .await
        .unwrap();
    assert_names_break(
        &moto,
        "ownership",
        "bucket-ownership",
        &["no object-ownership setting"],
    );
    put_ownership(&s3).await;

    // The key policy without the caller's grant.
    kms.put_key_policy()
        .key_id(&world.key_arn)
        .policy_name("default")
        .policy(key_policy(false))
        .send()
        .await
        .unwrap();
    assert_names_break(
        &moto,
        "key policy",
        "export-key-policy",
        &["kms:CreateGrant", PROD_ROLE],
    );
    kms.put_key_policy()
        .key_id(&world.key_arn)
        .policy_name("default")
        .policy(key_policy(true))
        .send()
        .await
        .unwrap();

    // The key policy without the catalog's reader.
    kms.put_key_policy()
        .key_id(&world.key_arn)
        .policy_name("default")
        .policy(key_policy_with(true, false))
        .send()
        .await
        .unwrap();
    assert_names_break(
        &moto,
        "key reader",
        "export-key-policy",
        &["kms:Decrypt", "snapshot-export-catalog-tables"],
    );
    kms.put_key_policy()
        .key_id(&world.key_arn)
        .policy_name("default")
        .policy(key_policy(true))
        .send()
        .await
        .unwrap();

    // The key disabled.
    // (moto answers 500 to DisableKey by ARN: by id.)
    let key_id = world.key_arn.rsplit('/').next().unwrap();
    kms.disable_key().key_id(key_id).send().await.unwrap();
    assert_names_break(
        &moto,
        "key disabled",
        "export-key",
        &["Disabled", "not Enabled"],
    );
    kms.enable_key().key_id(key_id).send().await.unwrap();

    // The prod role's trust without the external id.
    prod_iam
        .update_assume_role_policy()
        .role_name("snapshot-export-cross-account")
        .policy_document(prod_trust(false))
        .send()
        .await
        .unwrap();
    assert_names_break(
        &moto,
        "trust",
        "prod-role-trust",
        &["assumable without the external id", "sts:ExternalId"],
    );
    prod_iam
        .update_assume_role_policy()
        .role_name("snapshot-export-cross-account")
        .policy_document(prod_trust(true))
        .send()
        .await
        .unwrap();

    // The export role trusting Lambda instead of RDS exports.
    prod_iam
        .update_assume_role_policy()
        .role_name("snapshot-export-export")
        .policy_document(export_trust("lambda.amazonaws.com"))
        .send()
        .await
        .unwrap();
    assert_names_break(
        &moto,
        "export role",
        "export-role",
        &["export.rds.amazonaws.com", EXPORT_ROLE],
    );
    prod_iam
        .update_assume_role_policy()
        .role_name("snapshot-export-export")
        .policy_document(export_trust("export.rds.amazonaws.com"))
        .send()
        .await
        .unwrap();

    // The Glue database gone.
    let glue = aws_sdk_glue::Client::new(&world.analytics);
    glue.delete_database().name(DATABASE).send().await.unwrap();
    assert_names_break(
        &moto,
        "glue database",
        "glue-database",
        &["not there", DATABASE],
    );
    create_database(&world.analytics).await;

    // The waits table gone.
    let dynamodb = aws_sdk_dynamodb::Client::new(&world.analytics);
    dynamodb
        .delete_table()
        .table_name(format!("{NAME}-export-waits"))
        .send()
        .await
        .unwrap();
    assert_names_break(
        &moto,
        "waits table",
        "waits-table",
        &["not there", "export-waits"],
    );
    create_table(&world.analytics).await;

    // A function the definition calls is gone.
    let lambda = aws_sdk_lambda::Client::new(&world.analytics);
    lambda
        .delete_function()
        .function_name(function_name("catalog-tables"))
        .send()
        .await
        .unwrap();
    assert_names_break(
        &moto,
        "function gone",
        "function catalog-tables",
        &["GetFunctionConfiguration"],
    );
    create_function(&lambda, "catalog-tables", &world.key_arn).await;

    // Everything restored: it passes again.
    let (success, report) = preflight(&moto);
    assert!(success, "restored: {report:#}");

    // The dry run of a prod snapshot stops before StartExportTask; one of another account
    // is refused.
    let rds = aws_sdk_rds::Client::new(&world.prod);
    rds.create_db_instance()
        .db_instance_identifier("orders")
        .db_instance_class("db.t3.micro")
        .engine("postgres")
        .master_username("admin")
        .master_user_password("password-123")
        .allocated_storage(20)
        .send()
        .await
        .unwrap();
    let snapshot = rds
        .create_db_snapshot()
        .db_instance_identifier("orders")
        .db_snapshot_identifier("orders-manual")
        .send()
        .await
        .unwrap()
        .db_snapshot()
        .unwrap()
        .db_snapshot_arn()
        .unwrap()
        .to_owned();
    let (success, report) = preflight_with(&moto, &["--snapshot", &snapshot]);
    let line = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "snapshot")
        .unwrap();
    assert!(success, "{report:#}");
    assert!(
        line["message"]
            .as_str()
            .unwrap()
            .contains("StartExport would start export orders-manual-"),
        "{line}"
    );
    let elsewhere = format!("arn:aws:rds:{REGION}:{ANALYTICS}:snapshot:orders-manual");
    let (success, report) = preflight_with(&moto, &["--snapshot", &elsewhere]);
    assert!(!success);
    assert_eq!(failures(&report).len(), 1, "{report:#}");
    assert!(
        failures(&report)[0]
            .1
            .contains("the snapshot is in 123456789012"),
        "{report:#}"
    );
}

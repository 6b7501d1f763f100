//! The export key: usable by RDS for the export. As the prod role (the StartExportTask
//! caller) preflight describes it (enabled, symmetric, for encryption); from its key
//! policy (read in prod) the caller may let RDS create its grant (kms:CreateGrant, for an
//! AWS resource at least), the export role may encrypt with it, and with share-key
//! delivery the catalog's reader (catalog-tables' role) may decrypt.

use aws_config::SdkConfig;
use aws_sdk_kms::types::{KeySpec, KeyState, KeyUsageType};
use contract::functions::{CATALOG_TABLES, START_EXPORT};
use serde_json::Value;
use state_machine::Catalog;

use super::Check;
use super::identity::{is_access_denied, prod_role, role_allows};
use super::policy;
use super::stack::Stack;
use crate::error::CliError;

/// The check's names.
const NAME: &str = "export-key";
const POLICY: &str = "export-key-policy";

/// What the export role needs on the key to write the export (the RDS documentation's
/// list, checked by two representatives).
const EXPORT_ROLE_ACTIONS: [&str; 2] = ["kms:GenerateDataKey", "kms:Encrypt"];

/// DescribeKey as the prod role, then the key policy.
pub(crate) async fn check(
    prod: Option<&SdkConfig>,
    reader: Option<&SdkConfig>,
    stack: &Stack,
) -> Vec<Check> {
    let Some(key) = stack.env_of(START_EXPORT.binary, "EXPORT_KMS_KEY_ARN") else {
        return vec![Check::skip(
            NAME,
            "start-export has no EXPORT_KMS_KEY_ARN (see function-env)",
        )];
    };
    let described = match prod {
        Some(prod) => describe(&aws_sdk_kms::Client::new(prod), key).await,
        None => Check::skip(NAME, "the prod role could not be assumed (see prod-role)"),
    };
    let policy = match reader {
        Some(reader) => check_policy(&aws_sdk_kms::Client::new(reader), reader, key, stack).await,
        None => Check::skip(POLICY, "nothing in prod is readable (see prod-role)"),
    };
    vec![described, policy]
}

/// DescribeKey: enabled, symmetric, ENCRYPT_DECRYPT.
pub(crate) async fn describe(kms: &aws_sdk_kms::Client, key: &str) -> Check {
    let fix = "set EXPORT_KMS_KEY_ARN to the prod module's kms_key_arn output and terraform apply both modules";
    let out = match kms.describe_key().key_id(key).send().await {
        Ok(out) => out,
        Err(e) => {
            return Check::fail(
                NAME,
                format!(
                    "the prod role cannot describe the key ({})",
                    CliError::aws("DescribeKey", &e)
                ),
                key,
                fix,
            )
            .permission("kms:DescribeKey");
        }
    };
    let Some(meta) = out.key_metadata() else {
        return Check::fail(NAME, "DescribeKey answered no key", key, fix);
    };
    if meta.key_state() != Some(&KeyState::Enabled) {
        return Check::fail(
            NAME,
            format!(
                "the key is {}, not Enabled",
                meta.key_state().map_or("in no state", |s| s.as_str())
            ),
            key,
            "enable the key (kms enable-key), or cancel its deletion",
        )
        .permission("key state");
    }
    if meta
        .key_spec()
        .is_some_and(|s| *s != KeySpec::SymmetricDefault)
        || meta
            .key_usage()
            .is_some_and(|u| *u != KeyUsageType::EncryptDecrypt)
    {
        return Check::fail(
            NAME,
            "RDS exports need a symmetric ENCRYPT_DECRYPT key",
            key,
            fix,
        )
        .permission("key spec");
    }
    Check::ok(NAME, "enabled, symmetric; the prod role can describe it").on(key)
}

/// The key policy lets the prod role create RDS's grant and the export role encrypt.
async fn check_policy(
    kms: &aws_sdk_kms::Client,
    reader: &SdkConfig,
    key: &str,
    stack: &Stack,
) -> Check {
    let doc = match kms
        .get_key_policy()
        .key_id(key)
        .policy_name("default")
        .send()
        .await
    {
        Ok(out) => out.policy().and_then(policy::parse).unwrap_or(Value::Null),
        Err(e) if is_access_denied(&e) => {
            return Check::skip(
                POLICY,
                "the key policy is not readable as the prod role: pass --prod-profile",
            )
            .on(key)
            .permission("kms:GetKeyPolicy");
        }
        Err(e) => {
            return Check::fail(
                POLICY,
                format!(
                    "cannot read the key policy ({})",
                    CliError::aws("GetKeyPolicy", &e)
                ),
                key,
                "check EXPORT_KMS_KEY_ARN",
            )
            .permission("kms:GetKeyPolicy");
        }
    };
    let iam = aws_sdk_iam::Client::new(reader);
    let fix = "terraform apply the prod module (its key policy's ExportCallerGrant and ExportRoleUse statements)";
    if let Some((caller, _)) = prod_role(stack) {
        match grant_verdict(&doc, caller) {
            Grant::Allowed => {}
            Grant::ViaIam => {
                if !role_allows(&iam, caller, "kms:CreateGrant", key)
                    .await
                    .unwrap_or(false)
                {
                    return Check::fail(
                        POLICY,
                        format!("neither the key policy nor {caller}'s policies let it create RDS's grant"),
                        key,
                        fix,
                    )
                    .permission("kms:CreateGrant");
                }
            }
            Grant::NotForAwsResources => {
                return Check::fail(
                    POLICY,
                    format!("the key policy lets {caller} create grants only when not for an AWS resource: RDS cannot create its grant"),
                    key,
                    fix,
                )
                .permission("kms:CreateGrant with kms:GrantIsForAWSResource");
            }
            Grant::Refused => {
                return Check::fail(
                    POLICY,
                    format!("the key policy does not let {caller} create RDS's grant"),
                    key,
                    fix,
                )
                .permission("kms:CreateGrant");
            }
        }
    }
    if let Some(export_role) = stack.env_of(START_EXPORT.binary, "EXPORT_ROLE_ARN") {
        for action in EXPORT_ROLE_ACTIONS {
            let allowed = policy::allows(&doc, export_role, action, "*").is_some();
            let explicit = allowed && names(&doc, export_role, action);
            let via_iam = allowed
                && !explicit
                && role_allows(&iam, export_role, action, key)
                    .await
                    .unwrap_or(false);
            if !explicit && !via_iam {
                return Check::fail(
                    POLICY,
                    format!("the export role {export_role} may not use the key for the export"),
                    key,
                    fix,
                )
                .permission(action);
            }
        }
    }
    // Share-key delivery: the catalog reads the Parquet files with this key (through S3).
    if !stack.copy_delivery()
        && stack.config.catalog == Catalog::Tables
        && let Some(reader) = stack
            .function(CATALOG_TABLES.binary)
            .and_then(|d| d.role.as_deref())
        && policy::allows(&doc, reader, "kms:Decrypt", "*").is_none()
    {
        return Check::fail(
            POLICY,
            format!("the key policy does not let the reader {reader} (catalog-tables) decrypt the export"),
            key,
            "add the analytics module's catalog_reader_role_arns to the prod module's \
             analytics_reader_role_arns and terraform apply the prod module",
        )
        .permission("kms:Decrypt");
    }
    Check::ok(
        POLICY,
        "the prod role may let RDS create its grant; the export role may encrypt; the catalog may decrypt",
    )
    .on(key)
}

/// An Allow statement of the key policy names `principal` itself for `action` (not only
/// through the account root's delegation to IAM).
fn names(doc: &Value, principal: &str, action: &str) -> bool {
    policy::statements(doc).into_iter().any(|s| {
        s.get("Effect").and_then(Value::as_str) == Some("Allow")
            && policy::names_explicitly(s, principal)
            && policy::covers_action(s, action)
    })
}

/// What the key policy says about `caller`'s kms:CreateGrant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Grant {
    /// A statement naming the caller allows it (for AWS resources at least).
    Allowed,
    /// Only the account root's statement: the caller's IAM policies decide.
    ViaIam,
    /// Allowed only for grants that are not for an AWS resource.
    NotForAwsResources,
    /// Nothing allows it (or a Deny refuses it).
    Refused,
}

/// Reads the key policy for `caller`'s kms:CreateGrant.
pub(crate) fn grant_verdict(doc: &Value, caller: &str) -> Grant {
    if policy::allows(doc, caller, "kms:CreateGrant", "*").is_none() {
        return Grant::Refused;
    }
    // The first allowing statement may be the root's: look for one naming the caller.
    let named = policy::statements(doc).into_iter().find(|s| {
        s.get("Effect").and_then(Value::as_str) == Some("Allow")
            && policy::names_explicitly(s, caller)
            && policy::covers_action(s, "kms:CreateGrant")
    });
    match named {
        Some(s) => match policy::condition(s, "Bool", "kms:GrantIsForAWSResource") {
            Some((_, values)) if values.iter().all(|v| v.eq_ignore_ascii_case("false")) => {
                Grant::NotForAwsResources
            }
            _ => Grant::Allowed,
        },
        None => Grant::ViaIam,
    }
}

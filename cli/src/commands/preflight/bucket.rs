//! The export bucket (analytics): its object-ownership setting fits the delivery mode, and
//! its policy lets the prod writers in: with share-key delivery RDS's export role (list,
//! write under the prefix) and the prod role (list, rewrite ACLs when the graph has the
//! ACL step); with copy delivery the prod copier role. Copy delivery also needs the prod
//! staging bucket RDS writes to.

use aws_sdk_s3::types::ObjectOwnership;
use contract::functions::{COPY_OBJECTS, START_EXPORT};
use serde_json::Value;

use super::Check;
use super::identity::{is_access_denied, prod_role};
use super::policy;
use super::stack::Stack;
use crate::error::{CliError, code_of};

/// The analytics bucket, its prefix (no slashes around it), and who writes it.
pub(crate) fn destination(stack: &Stack) -> Option<(&str, String)> {
    let bucket = if stack.copy_delivery() {
        stack.env_of(COPY_OBJECTS.binary, "DESTINATION_BUCKET")
    } else {
        stack.env_of(START_EXPORT.binary, "EXPORT_BUCKET")
    }?;
    Some((bucket, prefix(stack)))
}

/// EXPORT_PREFIX without surrounding slashes (empty: the bucket's root).
pub(crate) fn prefix(stack: &Stack) -> String {
    stack
        .env("EXPORT_PREFIX")
        .unwrap_or_default()
        .trim_matches('/')
        .to_owned()
}

/// An object ARN under the prefix, for reading policies.
pub(crate) fn object_arn(stack: &Stack, bucket: &str, prefix: &str) -> String {
    let key = if prefix.is_empty() {
        "preflight/part-0.parquet".to_owned()
    } else {
        format!("{prefix}/preflight/part-0.parquet")
    };
    format!("arn:{}:s3:::{bucket}/{key}", stack.partition)
}

/// The bucket's object ownership fits the delivery mode.
pub(crate) async fn check_ownership(s3: &aws_sdk_s3::Client, stack: &Stack) -> Check {
    const NAME: &str = "bucket-ownership";
    let Some((bucket, _)) = destination(stack) else {
        return Check::skip(
            NAME,
            "no export bucket in the functions' environment (see function-env)",
        );
    };
    let fix = "set the analytics module's object_ownership (BucketOwnerEnforced, the default) and terraform apply";
    let ownership = match s3
        .get_bucket_ownership_controls()
        .bucket(bucket)
        .send()
        .await
    {
        Ok(out) => out
            .ownership_controls()
            .and_then(|c| c.rules().first())
            .map(|r| r.object_ownership().clone()),
        Err(e) => {
            let error = CliError::aws("GetBucketOwnershipControls", &e);
            let missing = code_of(&e) == Some("OwnershipControlsNotFoundError");
            return Check::fail(
                NAME,
                if missing {
                    "the bucket has no object-ownership setting: prod would own the export's objects".to_owned()
                } else {
                    format!("cannot read the bucket's ownership setting ({error})")
                },
                bucket,
                fix,
            )
            .permission("s3:GetBucketOwnershipControls");
        }
    };
    let acl_step = stack.config.acl.enabled;
    match ownership {
        Some(ObjectOwnership::BucketOwnerEnforced) => {
            Check::ok(NAME, "BucketOwnerEnforced: the analytics account owns every object").on(bucket)
        }
        Some(other) if stack.copy_delivery() => Check::fail(
            NAME,
            format!("{} with copy delivery: the copies need BucketOwnerEnforced", other.as_str()),
            bucket,
            fix,
        )
        .permission("object ownership"),
        Some(other) if !acl_step => Check::fail(
            NAME,
            format!(
                "{} without the ACL step ([acl] enabled = false): prod would keep owning the export's objects",
                other.as_str()
            ),
            bucket,
            fix,
        )
        .permission("object ownership"),
        Some(other) => Check::ok(
            NAME,
            format!("{}: RewriteAcl hands the objects to the bucket owner", other.as_str()),
        )
        .on(bucket),
        None => Check::fail(NAME, "the bucket has no ownership rule", bucket, fix)
            .permission("object ownership"),
    }
}

/// The bucket policy lets the delivery mode's prod writers in.
pub(crate) async fn check_policy(s3: &aws_sdk_s3::Client, stack: &Stack) -> Check {
    const NAME: &str = "bucket-policy";
    let Some((bucket, prefix)) = destination(stack) else {
        return Check::skip(
            NAME,
            "no export bucket in the functions' environment (see function-env)",
        );
    };
    let doc = match s3.get_bucket_policy().bucket(bucket).send().await {
        Ok(out) => out.policy().and_then(policy::parse).unwrap_or(Value::Null),
        Err(e) => {
            let error = CliError::aws("GetBucketPolicy", &e);
            return Check::fail(
                NAME,
                if code_of(&e) == Some("NoSuchBucketPolicy") {
                    "the bucket has no policy: prod cannot write the export".to_owned()
                } else {
                    format!("cannot read the bucket policy ({error})")
                },
                bucket,
                "terraform apply the analytics module (aws_s3_bucket_policy)",
            )
            .permission("s3:GetBucketPolicy");
        }
    };
    policy_verdict(&doc, stack, bucket, &prefix)
}

/// Every (principal, action, resource) the delivery mode needs, checked in `doc`.
pub(crate) fn policy_verdict(doc: &Value, stack: &Stack, bucket: &str, prefix: &str) -> Check {
    const NAME: &str = "bucket-policy";
    let bucket_arn = format!("arn:{}:s3:::{bucket}", stack.partition);
    let object = object_arn(stack, bucket, prefix);
    let mut needs: Vec<(&str, &str, &str, &str)> = Vec::new();
    if stack.copy_delivery() {
        if let Some(copier) = stack.env_of(COPY_OBJECTS.binary, "COPIER_ROLE_ARN") {
            needs.push(("the copier role", copier, "s3:PutObject", &object));
            needs.push(("the copier role", copier, "s3:ListBucket", &bucket_arn));
        }
    } else {
        if let Some(writer) = stack.env_of(START_EXPORT.binary, "EXPORT_ROLE_ARN") {
            needs.push(("the export role", writer, "s3:PutObject", &object));
            needs.push(("the export role", writer, "s3:ListBucket", &bucket_arn));
        }
        if stack.config.acl.enabled
            && let Some((prod, _)) = prod_role(stack)
        {
            needs.push(("the prod role", prod, "s3:ListBucket", &bucket_arn));
            needs.push(("the prod role", prod, "s3:PutObjectAcl", &object));
        }
    }
    for (who, principal, action, resource) in needs {
        // A principal of the bucket's own account may also be let in by its IAM policy.
        if Stack::account_of(principal) == Some(stack.account.as_str()) {
            continue;
        }
        if policy::allows(doc, principal, action, resource).is_none() {
            return Check::fail(
                NAME,
                format!("the bucket policy does not let {who} {principal} {action} {resource}"),
                bucket,
                "terraform apply the analytics module (its bucket policy names the prod module's roles)",
            )
            .permission(action);
        }
    }
    Check::ok(
        NAME,
        if stack.copy_delivery() {
            "the copier role may list and write the export prefix"
        } else {
            "the export role may write and the prod role rewrite ACLs under the prefix"
        },
    )
    .on(bucket)
}

/// Copy delivery: the prod staging bucket RDS writes to exists.
pub(crate) async fn check_staging(s3: Option<aws_sdk_s3::Client>, stack: &Stack) -> Check {
    const NAME: &str = "staging-bucket";
    if !stack.copy_delivery() {
        return Check::skip(NAME, "share-key delivery: RDS writes the analytics bucket");
    }
    let Some(staging) = stack.env_of(START_EXPORT.binary, "EXPORT_BUCKET") else {
        return Check::skip(NAME, "start-export has no EXPORT_BUCKET (see function-env)");
    };
    let Some(s3) = s3 else {
        return Check::skip(NAME, "nothing in prod is readable (see prod-role)");
    };
    match s3.head_bucket().bucket(staging).send().await {
        Ok(_) => Check::ok(NAME, "exists").on(staging),
        Err(e) if is_access_denied(&e) => Check::skip(
            NAME,
            "not readable as the prod role: pass --prod-profile",
        )
        .on(staging),
        Err(e) => Check::fail(
            NAME,
            format!(
                "the staging bucket is not there ({})",
                CliError::aws("HeadBucket", &e)
            ),
            staging,
            "terraform apply the prod module with delivery = \"copy\" and pass its staging_bucket_name to the analytics module",
        )
        .permission("s3:ListBucket"),
    }
}

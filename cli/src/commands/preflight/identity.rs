//! Acting as the pipeline: preflight assumes start-export's own role (the function that
//! starts exports), then, with that role's credentials, the prod cross-account role with
//! the functions' external id, as the handlers do. Then the prod role's trust policy (the
//! external id required, only the pipeline's roles admitted) and the export role (RDS may
//! assume it, the prod role may pass it).

use aws_config::SdkConfig;
use aws_sdk_sts::config::Credentials;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use contract::functions::START_EXPORT;
use serde_json::Value;

use super::Check;
use super::policy;
use super::stack::Stack;
use crate::error::CliError;

/// The session name preflight's assumed roles carry (visible in CloudTrail).
const SESSION: &str = "snapshot-export-preflight";
/// The service principal RDS exports assume the export role as.
pub(crate) const EXPORT_SERVICE: &str = "export.rds.amazonaws.com";
/// Where the operator's part of the set-up is described.
const DOCS: &str = "docs/operations.md, \"Before the first snapshot\"";

/// The credentials preflight acts with.
#[derive(Debug, Default)]
pub(crate) struct Sessions {
    /// start-export's role.
    pub(crate) function: Option<SdkConfig>,
    /// The prod role, assumed from the function's role with the external id; the
    /// function's own when no function names a prod role (one account).
    pub(crate) prod: Option<SdkConfig>,
    /// What happened on the way.
    pub(crate) checks: Vec<Check>,
}

/// The prod role and external id the functions use.
pub(crate) fn prod_role(stack: &Stack) -> Option<(&str, Option<&str>)> {
    let arn = stack
        .env_of(START_EXPORT.binary, "PROD_ROLE_ARN")
        .or_else(|| stack.env("PROD_ROLE_ARN"))?;
    let external_id = stack
        .env_of(START_EXPORT.binary, "PROD_ROLE_EXTERNAL_ID")
        .or_else(|| stack.env("PROD_ROLE_EXTERNAL_ID"));
    Some((arn, external_id))
}

/// A configuration acting with `credentials`.
fn with_credentials(base: &SdkConfig, credentials: &aws_sdk_sts::types::Credentials) -> SdkConfig {
    let keys = Credentials::new(
        credentials.access_key_id(),
        credentials.secret_access_key(),
        Some(credentials.session_token().to_owned()),
        None,
        "snapshot-export-preflight",
    );
    base.to_builder()
        .credentials_provider(aws_credential_types::provider::SharedCredentialsProvider::new(keys))
        .build()
}

/// AssumeRole from `from`.
async fn assume(
    from: &SdkConfig,
    role: &str,
    external_id: Option<&str>,
) -> Result<SdkConfig, CliError> {
    let out = aws_sdk_sts::Client::new(from)
        .assume_role()
        .role_arn(role)
        .role_session_name(SESSION)
        .set_external_id(external_id.map(str::to_owned))
        .send()
        .await
        .map_err(|e| CliError::aws("AssumeRole", &e))?;
    match out.credentials() {
        Some(credentials) => Ok(with_credentials(from, credentials)),
        None => Err(CliError::Aws {
            operation: "AssumeRole",
            code: "error".into(),
            message: ": no credentials in the answer".into(),
        }),
    }
}

impl Sessions {
    /// Assumes start-export's role, then the prod role with the external id.
    pub(crate) async fn open(base: &SdkConfig, stack: &Stack) -> Self {
        let mut sessions = Self::default();
        let Some(role) = stack
            .function(START_EXPORT.binary)
            .and_then(|d| d.role.clone())
        else {
            sessions.checks.push(Check::skip(
                "prod-role",
                "start-export's role is unknown (its configuration was not read)",
            ));
            return sessions;
        };
        let function = match assume(base, &role, None).await {
            Ok(config) => config,
            Err(e) => {
                sessions.checks.push(
                    Check::fail(
                        "act-as start-export",
                        format!("preflight cannot act as start-export's role ({e})"),
                        &role,
                        format!(
                            "allow your principal to assume the pipeline's Lambda roles for \
                             preflight ({DOCS})"
                        ),
                    )
                    .permission("sts:AssumeRole"),
                );
                return sessions;
            }
        };
        sessions.function = Some(function.clone());
        let Some((prod_role, external_id)) = prod_role(stack) else {
            sessions.checks.push(Check::skip(
                "prod-role",
                "no function sets PROD_ROLE_ARN: one account, the functions act with their own roles",
            ));
            sessions.prod = Some(function);
            return sessions;
        };
        match assume(&function, prod_role, external_id).await {
            Ok(prod) => {
                sessions.checks.push(
                    Check::ok(
                        "prod-role",
                        format!("start-export's role {role} assumes it with the external id"),
                    )
                    .on(prod_role),
                );
                sessions.prod = Some(prod);
            }
            Err(e) => sessions.checks.push(
                Check::fail(
                    "prod-role",
                    format!("start-export's role {role} cannot assume the prod role with the external id ({e})"),
                    prod_role,
                    "the prod module's analytics_lambda_role_arns must include the function's role and \
                     its external_id must equal PROD_ROLE_EXTERNAL_ID; terraform apply the prod module",
                )
                .permission("sts:AssumeRole"),
            ),
        }
        sessions
    }
}

/// An IAM role's name from its ARN (the last path segment).
pub(crate) fn role_name(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

/// The prod role's trust policy: every function that assumes it is admitted, only with the
/// external id. Read with `reader` (prod); when prod refuses the read, the external id is
/// checked by calling AssumeRole without it as the function's role (it must be refused).
pub(crate) async fn check_trust(
    reader: Option<&SdkConfig>,
    function: Option<&SdkConfig>,
    stack: &Stack,
) -> Vec<Check> {
    const NAME: &str = "prod-role-trust";
    let Some((prod_role, external_id)) = prod_role(stack) else {
        return vec![Check::skip(NAME, "no prod role (one account)")];
    };
    let Some(reader) = reader else {
        return vec![Check::skip(
            NAME,
            "the prod role could not be assumed and no --prod-profile was given",
        )];
    };
    let iam = aws_sdk_iam::Client::new(reader);
    let trust = match iam.get_role().role_name(role_name(prod_role)).send().await {
        Ok(out) => out
            .role()
            .and_then(|r| r.assume_role_policy_document())
            .and_then(policy::parse),
        Err(e) if is_access_denied(&e) => {
            return vec![by_calling(function, prod_role).await];
        }
        Err(e) => {
            return vec![
                Check::fail(
                    NAME,
                    format!(
                        "cannot read the prod role ({})",
                        CliError::aws("GetRole", &e)
                    ),
                    prod_role,
                    "check PROD_ROLE_ARN against the prod module's cross_account_role_arn output",
                )
                .permission("iam:GetRole"),
            ];
        }
    };
    let Some(trust) = trust else {
        return vec![Check::fail(
            NAME,
            "the prod role has no readable trust policy",
            prod_role,
            "terraform apply the prod module",
        )];
    };
    vec![trust_verdict(&trust, prod_role, external_id, stack)]
}

/// The trust policy's verdict for every function role that assumes `prod_role`.
pub(crate) fn trust_verdict(
    trust: &Value,
    prod_role: &str,
    external_id: Option<&str>,
    stack: &Stack,
) -> Check {
    const NAME: &str = "prod-role-trust";
    let fix_apply = "terraform apply the prod module (its trust policy admits the analytics_lambda_role_arns \
                     with StringEquals sts:ExternalId)";
    for deployed in &stack.functions {
        let (Some(role), true) = (
            deployed.role.as_deref(),
            stack
                .env_of(deployed.function.binary, "PROD_ROLE_ARN")
                .is_some_and(|r| r == prod_role),
        ) else {
            continue;
        };
        let admitting = policy::trusting(trust, role);
        if admitting.is_empty() {
            return Check::fail(
                NAME,
                format!(
                    "the trust policy does not admit {}'s role {role}",
                    deployed.function.binary
                ),
                prod_role,
                "add the role to the prod module's analytics_lambda_role_arns (the analytics module's \
                 prod_caller_role_arns output) and terraform apply the prod module",
            )
            .permission("sts:AssumeRole");
        }
        for statement in admitting {
            match policy::condition(statement, "StringEquals", "sts:ExternalId") {
                None => {
                    return Check::fail(
                        NAME,
                        format!("the prod role is assumable without the external id (by {role})"),
                        prod_role,
                        fix_apply,
                    )
                    .permission("sts:ExternalId condition");
                }
                Some((_, values)) if !external_id.is_some_and(|id| values.contains(&id)) => {
                    return Check::fail(
                        NAME,
                        format!(
                            "the trust policy's external id is not the functions' PROD_ROLE_EXTERNAL_ID ({})",
                            external_id.unwrap_or("unset")
                        ),
                        prod_role,
                        "use one external id: the prod module's external_id and the analytics module's \
                         prod_role_external_id",
                    )
                    .permission("sts:ExternalId condition");
                }
                Some(_) => {}
            }
        }
        let open = policy::statements(trust).into_iter().any(|s| {
            policy::covers_action(s, "sts:AssumeRole")
                && s.get("Principal")
                    .is_some_and(|p| p == "*" || policy::strings(p.get("AWS")).contains(&"*"))
                && policy::condition(s, "Equals", "aws:PrincipalAccount").is_none()
                && policy::condition(s, "Arn", "aws:PrincipalArn").is_none()
        });
        if open {
            return Check::fail(
                NAME,
                "the trust policy admits any AWS principal, not only the analytics account",
                prod_role,
                fix_apply,
            )
            .permission("Principal / aws:PrincipalArn condition");
        }
    }
    Check::ok(
        NAME,
        "admits the pipeline's roles from the analytics account, only with the external id",
    )
    .on(prod_role)
}

/// The trust policy is not readable: AssumeRole without the external id must be refused.
async fn by_calling(function: Option<&SdkConfig>, prod_role: &str) -> Check {
    const NAME: &str = "prod-role-trust";
    let Some(function) = function else {
        return Check::skip(
            NAME,
            "the trust policy is not readable (pass --prod-profile)",
        );
    };
    match assume(function, prod_role, None).await {
        Ok(_) => Check::fail(
            NAME,
            "the prod role is assumable without the external id",
            prod_role,
            "terraform apply the prod module (its trust policy requires StringEquals sts:ExternalId)",
        )
        .permission("sts:ExternalId condition"),
        Err(_) => Check::ok(
            NAME,
            "AssumeRole without the external id is refused (the policy itself is not readable as the prod role; --prod-profile reads it)",
        )
        .on(prod_role),
    }
}

/// The service refused the call for lack of permission.
pub(crate) fn is_access_denied<E: ProvideErrorMetadata>(err: &E) -> bool {
    err.code().is_some_and(|c| {
        c.contains("AccessDenied") || c.contains("UnauthorizedOperation") || c == "Forbidden"
    })
}

/// The export role: RDS exports may assume it and the prod role may pass it.
pub(crate) async fn check_export_role(reader: Option<&SdkConfig>, stack: &Stack) -> Check {
    const NAME: &str = "export-role";
    let Some(export_role) = stack.env_of(START_EXPORT.binary, "EXPORT_ROLE_ARN") else {
        return Check::skip(
            NAME,
            "start-export has no EXPORT_ROLE_ARN (see function-env)",
        );
    };
    let Some(reader) = reader else {
        return Check::skip(
            NAME,
            "the prod role could not be assumed and no --prod-profile was given",
        );
    };
    let iam = aws_sdk_iam::Client::new(reader);
    let trust = match iam
        .get_role()
        .role_name(role_name(export_role))
        .send()
        .await
    {
        Ok(out) => out
            .role()
            .and_then(|r| r.assume_role_policy_document())
            .and_then(policy::parse)
            .unwrap_or(Value::Null),
        Err(e) if is_access_denied(&e) => {
            return Check::skip(
                NAME,
                "the prod roles are not readable as the prod role: pass --prod-profile",
            )
            .on(export_role)
            .permission("iam:GetRole");
        }
        Err(e) => {
            return Check::fail(
                NAME,
                format!(
                    "the export role cannot be read ({})",
                    CliError::aws("GetRole", &e)
                ),
                export_role,
                "set EXPORT_ROLE_ARN to the prod module's export_role_arn output",
            )
            .permission("iam:GetRole");
        }
    };
    let rds_may_assume = policy::statements(&trust).iter().any(|s| {
        s.get("Effect").and_then(Value::as_str) == Some("Allow")
            && policy::admits_service(s, EXPORT_SERVICE)
            && policy::covers_action(s, "sts:AssumeRole")
    });
    if !rds_may_assume {
        return Check::fail(
            NAME,
            format!("RDS exports cannot assume the export role (its trust policy does not admit {EXPORT_SERVICE})"),
            export_role,
            "terraform apply the prod module (the export role trusts export.rds.amazonaws.com)",
        )
        .permission("sts:AssumeRole");
    }
    let passer = prod_role(stack).map(|(arn, _)| arn);
    if let Some(passer) = passer {
        match role_allows(&iam, passer, "iam:PassRole", export_role).await {
            Ok(true) => {}
            Ok(false) => {
                return Check::fail(
                    NAME,
                    format!("the prod role {passer} may not pass the export role to RDS"),
                    export_role,
                    "terraform apply the prod module (its cross-account role's policy allows \
                     iam:PassRole on the export role)",
                )
                .permission("iam:PassRole");
            }
            Err(e) => {
                return Check::skip(
                    NAME,
                    format!("the prod role's policies are not readable ({e}): pass --prod-profile"),
                )
                .on(passer);
            }
        }
    }
    Check::ok(
        NAME,
        "RDS exports may assume it and the prod role may pass it",
    )
    .on(export_role)
}

/// One of `role`'s inline policies allows `action` on `resource` (managed policies are
/// not read: the modules use inline ones).
pub(crate) async fn role_allows(
    iam: &aws_sdk_iam::Client,
    role: &str,
    action: &str,
    resource: &str,
) -> Result<bool, CliError> {
    let name = role_name(role);
    let names = iam
        .list_role_policies()
        .role_name(name)
        .send()
        .await
        .map_err(|e| CliError::aws("ListRolePolicies", &e))?;
    for policy_name in names.policy_names() {
        let out = iam
            .get_role_policy()
            .role_name(name)
            .policy_name(policy_name)
            .send()
            .await
            .map_err(|e| CliError::aws("GetRolePolicy", &e))?;
        if policy::parse(out.policy_document())
            .is_some_and(|doc| policy::identity_allows(&doc, action, resource))
        {
            return Ok(true);
        }
    }
    Ok(false)
}

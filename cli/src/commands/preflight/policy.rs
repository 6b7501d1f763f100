//! Reading IAM policy documents (trust, key, bucket and bus policies) for the one question
//! preflight asks: does a statement allow this principal this action on this resource?
//!
//! A reading, not IAM's evaluation: Allow statements count whatever their conditions
//! except `aws:PrincipalArn`, which narrows the principal (the modules name another
//! account's roles as its root plus that condition); a Deny counts when it has no
//! condition, or only an `aws:PrincipalArn` exclusion that does not exclude the
//! principal (the copy-delivery bucket policy's "everyone but the copier" Deny).

use serde_json::Value;

/// The statements of a policy document (one object or an array).
pub(crate) fn statements(doc: &Value) -> Vec<&Value> {
    match doc.get("Statement") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(item @ Value::Object(_)) => vec![item],
        _ => Vec::new(),
    }
}

/// A string or a list of strings.
pub(crate) fn strings(value: Option<&Value>) -> Vec<&str> {
    match value {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// `*` and `?` wildcards, as IAM matches actions (case-insensitively) and ARNs.
pub(crate) fn glob(pattern: &str, text: &str, case_insensitive: bool) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = if case_insensitive {
        (
            pattern.to_lowercase().chars().collect(),
            text.to_lowercase().chars().collect(),
        )
    } else {
        (pattern.chars().collect(), text.chars().collect())
    };
    // Iterative matcher with backtracking to the last `*`.
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// The values of condition `key` under any operator whose name contains `operator`
/// (`StringEquals` matches `StringEquals` and `StringEqualsIfExists`), with the operator.
pub(crate) fn condition<'a>(
    statement: &'a Value,
    operator: &str,
    key: &str,
) -> Option<(&'a str, Vec<&'a str>)> {
    let conditions = statement.get("Condition")?.as_object()?;
    conditions.iter().find_map(|(op, keys)| {
        if !op.contains(operator) {
            return None;
        }
        let keys = keys.as_object()?;
        keys.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| (op.as_str(), strings(Some(v))))
    })
}

/// The statement names `principal_arn` (an IAM role ARN): `*`, the ARN itself, or its
/// account (root ARN or id), narrowed by an `aws:PrincipalArn` condition when there is one.
pub(crate) fn admits(statement: &Value, principal_arn: &str) -> bool {
    let account = principal_arn.split(':').nth(4).unwrap_or_default();
    let named = match statement.get("Principal") {
        Some(Value::String(s)) => s == "*",
        Some(Value::Object(map)) => strings(map.get("AWS")).iter().any(|p| {
            *p == "*"
                || *p == principal_arn
                || *p == account
                || (p.ends_with(":root") && p.split(':').nth(4) == Some(account))
        }),
        _ => false,
    };
    if !named {
        return false;
    }
    for operator in ["ArnEquals", "ArnLike", "StringEquals", "StringLike"] {
        if let Some((op, values)) = condition(statement, operator, "aws:PrincipalArn")
            && !op.contains("Not")
        {
            return values.iter().any(|v| glob(v, principal_arn, false));
        }
    }
    true
}

/// The statement names the AWS service principal `service` (`export.rds.amazonaws.com`).
pub(crate) fn admits_service(statement: &Value, service: &str) -> bool {
    statement
        .get("Principal")
        .and_then(|p| p.get("Service"))
        .is_some_and(|s| strings(Some(s)).contains(&service))
}

/// The statement's Action covers `action`.
pub(crate) fn covers_action(statement: &Value, action: &str) -> bool {
    strings(statement.get("Action"))
        .iter()
        .any(|a| glob(a, action, true))
}

/// The statement's Resource covers `resource` (no Resource, as in trust and key policies,
/// covers everything).
pub(crate) fn covers_resource(statement: &Value, resource: &str) -> bool {
    match statement.get("Resource") {
        None => true,
        some => strings(some).iter().any(|r| glob(r, resource, false)),
    }
}

/// The statement names `principal_arn` itself: its ARN, or its account narrowed to it by an
/// `aws:PrincipalArn` condition. A bare root of the principal's own account only delegates
/// to the account's IAM policies (key policies), so it does not count here.
pub(crate) fn names_explicitly(statement: &Value, principal_arn: &str) -> bool {
    if !admits(statement, principal_arn) {
        return false;
    }
    let exact = statement
        .get("Principal")
        .and_then(|p| p.get("AWS"))
        .is_some_and(|aws| strings(Some(aws)).contains(&principal_arn));
    exact
        || ["ArnEquals", "ArnLike", "StringEquals", "StringLike"]
            .iter()
            .any(|op| condition(statement, op, "aws:PrincipalArn").is_some())
}

/// An identity policy (no Principal) allows `action` on `resource`.
pub(crate) fn identity_allows(doc: &Value, action: &str, resource: &str) -> bool {
    statements(doc)
        .iter()
        .any(|s| is_allow(s) && covers_action(s, action) && covers_resource(s, resource))
}

/// The effect is Allow.
fn is_allow(statement: &Value) -> bool {
    statement.get("Effect").and_then(Value::as_str) == Some("Allow")
}

/// A Deny statement that applies to `principal_arn` (see the module doc).
fn denies(statement: &Value, principal_arn: &str, action: &str, resource: &str) -> bool {
    if is_allow(statement)
        || !covers_action(statement, action)
        || !covers_resource(statement, resource)
    {
        return false;
    }
    let principal_any = statement.get("Principal").is_some_and(|p| {
        p == "*" || strings(p.get("AWS")).contains(&"*") || admits(statement, principal_arn)
    });
    if !principal_any {
        return false;
    }
    let Some(conditions) = statement.get("Condition").and_then(Value::as_object) else {
        return true;
    };
    let only_exclusion = conditions.len() == 1
        && conditions.iter().all(|(op, keys)| {
            op.contains("Not")
                && keys.as_object().is_some_and(|k| {
                    k.len() == 1
                        && k.keys()
                            .all(|key| key.eq_ignore_ascii_case("aws:PrincipalArn"))
                })
        });
    if !only_exclusion {
        return false;
    }
    conditions
        .values()
        .flat_map(|keys| keys.as_object().into_iter().flat_map(|k| k.values()))
        .all(|excluded| {
            !strings(Some(excluded))
                .iter()
                .any(|v| glob(v, principal_arn, false))
        })
}

/// The first Allow statement giving `principal_arn` the `action` on `resource`, unless a
/// Deny applies.
pub(crate) fn allows<'a>(
    doc: &'a Value,
    principal_arn: &str,
    action: &str,
    resource: &str,
) -> Option<&'a Value> {
    let all = statements(doc);
    if all
        .iter()
        .any(|s| denies(s, principal_arn, action, resource))
    {
        return None;
    }
    all.into_iter().find(|s| {
        is_allow(s)
            && admits(s, principal_arn)
            && covers_action(s, action)
            && covers_resource(s, resource)
    })
}

/// The Allow statements of a trust policy that let `principal_arn` call sts:AssumeRole.
pub(crate) fn trusting<'a>(doc: &'a Value, principal_arn: &str) -> Vec<&'a Value> {
    statements(doc)
        .into_iter()
        .filter(|s| is_allow(s) && admits(s, principal_arn) && covers_action(s, "sts:AssumeRole"))
        .collect()
}

/// A policy document that may be URL-encoded (IAM's GetRole and GetRolePolicy answer
/// percent-encoded JSON).
pub(crate) fn parse(text: &str) -> Option<Value> {
    serde_json::from_str(text)
        .ok()
        .or_else(|| serde_json::from_str(&percent_decode(text)).ok())
}

/// Decodes `%XX` escapes (and `+` is kept: IAM does not use it for spaces).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Some(byte) = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

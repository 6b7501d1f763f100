//! Every deployed function's environment against the function table
//! (`contract::functions`): each required variable set, and the prod role's ARN and
//! external id set together (a handler assumes the role only with both).

use super::Check;
use super::stack::Stack;

/// The variables that only work as a pair.
const PAIRS: [(&str, &str); 2] = [
    ("PROD_ROLE_ARN", "PROD_ROLE_EXTERNAL_ID"),
    ("COPIER_ROLE_ARN", "COPIER_ROLE_EXTERNAL_ID"),
];

/// One line per deployed function whose configuration was read.
pub(crate) fn check(stack: &Stack) -> Vec<Check> {
    let mut checks = Vec::new();
    let cross_account = stack.env("PROD_ROLE_ARN").is_some();
    for deployed in &stack.functions {
        let Some(env) = &deployed.env else {
            continue;
        };
        let name = format!("function-env {}", deployed.function.binary);
        let mut missing: Vec<&str> = deployed
            .function
            .required_env
            .iter()
            .copied()
            .filter(|var| env.get(*var).is_none_or(String::is_empty))
            .collect();
        for (first, second) in PAIRS {
            let has = |var: &str| env.get(var).is_some_and(|v| !v.is_empty());
            let reads = deployed.function.env().any(|v| v == first);
            if reads && has(first) != has(second) {
                missing.push(if has(first) { second } else { first });
            }
        }
        // Cross-account once one function assumes the prod role: every handler that can
        // must, or it would act in the analytics account with its own credentials.
        if cross_account
            && deployed.function.env().any(|v| v == "PROD_ROLE_ARN")
            && !env.contains_key("PROD_ROLE_ARN")
            && !missing.contains(&"PROD_ROLE_ARN")
        {
            missing.push("PROD_ROLE_ARN");
        }
        checks.push(if missing.is_empty() {
            Check::ok(
                name,
                format!(
                    "the {} required variables set ({} of the {} it reads)",
                    deployed.function.required_env.len(),
                    deployed
                        .function
                        .env()
                        .filter(|v| env.contains_key(*v))
                        .count(),
                    deployed.function.env().count()
                ),
            )
        } else {
            Check::fail(
                name,
                format!("missing environment variable {}", missing.join(", ")),
                &deployed.arn,
                "terraform apply the analytics module (its env_values set them), or set them in \
                 the function's configuration",
            )
            .permission(missing.join(", "))
        });
    }
    checks
}

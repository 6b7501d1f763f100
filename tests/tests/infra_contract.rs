//! The Terraform of the analytics account deploys exactly what the pipeline needs.
//!
//! Three things tie `infra/modules/analytics-account` to the Rust crates, and each breaks
//! silently at deploy time if it drifts: the `${<binary>_function_arn}` placeholders of the
//! committed `state-machine/definition.asl.json` must be exactly the variables the module
//! hands to `templatefile` (a missing one fails the apply, an extra one hides a renamed
//! state); every binary of `lambdas::functions::FUNCTIONS` must have a function in the
//! module's `local.functions` table; and each must set every variable its handler requires
//! (a missing one is an `InvalidConfig` init error on the first execution). The HCL is
//! parsed with hcl-rs, not matched as text.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use contract::functions::{FUNCTIONS, Function as FunctionSpec};
use hcl::{Body, Expression, ObjectKey};

/// A failed check; Debug prints the message as is, so `cargo test` shows it line by line.
struct Failure(String);

impl std::fmt::Debug for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<String> for Failure {
    fn from(message: String) -> Self {
        Self(message)
    }
}

impl From<&str> for Failure {
    fn from(message: &str) -> Self {
        Self(message.to_owned())
    }
}

type Check = Result<(), Failure>;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn module_dir() -> PathBuf {
    repo_root().join("infra/modules/analytics-account")
}

/// Every `.tf` file of a module directory, parsed, with its file name.
fn parse_module(dir: &Path) -> Result<Vec<(String, Body)>, String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "tf"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(format!("no .tf files in {}", dir.display()));
    }
    files
        .iter()
        .map(|path| {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let body = hcl::parse(&text)
                .map_err(|e| format!("{} is not valid HCL: {e}", path.display()))?;
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            Ok((name, body))
        })
        .collect()
}

/// The `locals` of all files, by name.
fn locals(files: &[(String, Body)]) -> BTreeMap<String, Expression> {
    files
        .iter()
        .flat_map(|(_, body)| body.blocks().filter(|b| b.identifier() == "locals"))
        .flat_map(|block| block.body().attributes())
        .map(|attr| (attr.key().to_owned(), attr.expr().clone()))
        .collect()
}

/// An object key as a plain string (`foo` or `"foo"`).
fn key_name(key: &ObjectKey) -> Option<String> {
    match key {
        ObjectKey::Identifier(id) => Some(id.as_str().to_owned()),
        ObjectKey::Expression(Expression::String(s)) => Some(s.clone()),
        _ => None,
    }
}

/// The entries of an object expression, keys as strings.
fn object_entries(expr: &Expression, what: &str) -> Result<Vec<(String, Expression)>, String> {
    let Expression::Object(object) = expr else {
        return Err(format!("{what} must be an object literal, found `{expr}`"));
    };
    object
        .iter()
        .map(|(k, v)| {
            key_name(k)
                .map(|k| (k, v.clone()))
                .ok_or_else(|| format!("{what}: unsupported key in `{expr}`"))
        })
        .collect()
}

/// Every `templatefile(...)` call in an expression tree, with its variables object.
fn templatefile_calls(expr: &Expression, found: &mut Vec<Expression>) {
    match expr {
        Expression::FuncCall(call) => {
            if call.name.name.as_str() == "templatefile"
                && let Some(vars) = call.args.get(1)
            {
                found.push(vars.clone());
            }
            call.args.iter().for_each(|a| templatefile_calls(a, found));
        }
        Expression::Array(items) => items.iter().for_each(|a| templatefile_calls(a, found)),
        Expression::Object(object) => object.values().for_each(|a| templatefile_calls(a, found)),
        Expression::Parenthesis(inner) => templatefile_calls(inner, found),
        _ => {}
    }
}

fn templatefile_calls_in_body(body: &Body, found: &mut Vec<Expression>) {
    body.attributes()
        .for_each(|a| templatefile_calls(a.expr(), found));
    body.blocks()
        .for_each(|b| templatefile_calls_in_body(b.body(), found));
}

/// The single `templatefile` call of the module: its variable names and value expressions.
fn templatefile_variables(files: &[(String, Body)]) -> Result<BTreeMap<String, String>, String> {
    let mut calls = Vec::new();
    files
        .iter()
        .for_each(|(_, body)| templatefile_calls_in_body(body, &mut calls));
    let [vars] = calls.as_slice() else {
        return Err(format!(
            "expected exactly one templatefile(...) call in the module, found {}",
            calls.len()
        ));
    };
    Ok(object_entries(vars, "templatefile's variables")?
        .into_iter()
        .map(|(k, v)| (k, v.to_string()))
        .collect())
}

/// The `${name}` placeholders of a definition text.
fn placeholders(text: &str) -> BTreeSet<String> {
    text.split("${")
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name.to_owned()))
        .collect()
}

/// The environment variable names an `env` expression sets, each with whether its value
/// is a literal `null` (unset). Follows `local.*` references and `merge(...)`.
fn env_vars(
    expr: &Expression,
    locals: &BTreeMap<String, Expression>,
) -> Result<BTreeMap<String, bool>, String> {
    match expr {
        Expression::Object(_) => Ok(object_entries(expr, "env")?
            .into_iter()
            .map(|(k, v)| (k, matches!(v, Expression::Null)))
            .collect()),
        Expression::FuncCall(call) if call.name.name.as_str() == "merge" => {
            let mut all = BTreeMap::new();
            for arg in &call.args {
                all.extend(env_vars(arg, locals)?);
            }
            Ok(all)
        }
        Expression::Traversal(_) => {
            let text = expr.to_string();
            let name = text.strip_prefix("local.").ok_or_else(|| {
                format!("env: only local.* references are followed, found `{text}`")
            })?;
            let target = locals
                .get(name)
                .ok_or_else(|| format!("env refers to undefined local.{name}"))?;
            env_vars(target, locals)
        }
        other => Err(format!("env: cannot read the variable names of `{other}`")),
    }
}

/// What is wrong with one function's environment against its spec (empty: nothing).
fn env_problems(spec: &FunctionSpec, set: &BTreeMap<String, bool>) -> Vec<String> {
    let mut problems = Vec::new();
    for name in spec.required_env {
        match set.get(*name) {
            None => problems.push(format!(
                "{}: required variable {name} is not set",
                spec.binary
            )),
            Some(true) => {
                problems.push(format!("{}: required variable {name} is null", spec.binary))
            }
            Some(false) => {}
        }
    }
    for name in set.keys() {
        if !spec.required_env.contains(&name.as_str())
            && !spec.optional_env.contains(&name.as_str())
        {
            problems.push(format!(
                "{}: sets {name}, which its handler does not read (typo?)",
                spec.binary
            ));
        }
    }
    problems
}

/// Checks `local.functions` of parsed module files against `FUNCTIONS`.
fn check_functions(files: &[(String, Body)], specs: &[FunctionSpec]) -> Result<(), String> {
    let locals = locals(files);
    let table = locals
        .get("functions")
        .ok_or("the module has no local.functions table")?;
    let entries = object_entries(table, "local.functions")?;
    let in_module: BTreeSet<&str> = entries.iter().map(|(k, _)| k.as_str()).collect();
    let in_crate: BTreeSet<&str> = specs.iter().map(|f| f.binary).collect();
    let mut problems = Vec::new();
    for missing in in_crate.difference(&in_module) {
        problems.push(format!(
            "binary {missing} of the lambdas crate has no entry in local.functions"
        ));
    }
    for extra in in_module.difference(&in_crate) {
        problems.push(format!(
            "local.functions has {extra}, which is not a binary of the lambdas crate"
        ));
    }
    for spec in specs {
        let Some((_, entry)) = entries.iter().find(|(k, _)| k == spec.binary) else {
            continue;
        };
        let fields = object_entries(entry, &format!("local.functions[\"{}\"]", spec.binary))?;
        let Some((_, env)) = fields.iter().find(|(k, _)| k == "env") else {
            problems.push(format!("{}: no env field", spec.binary));
            continue;
        };
        problems.extend(env_problems(spec, &env_vars(env, &locals)?));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "infra/modules/analytics-account:\n  {}",
            problems.join("\n  ")
        ))
    }
}

#[test]
fn definition_placeholders_are_the_templatefile_variables() -> Check {
    let files = parse_module(&module_dir())?;
    let vars = templatefile_variables(&files)?;
    let in_module: BTreeSet<String> = vars.keys().cloned().collect();

    let definition = repo_root().join("state-machine/definition.asl.json");
    let in_definition = match std::fs::read_to_string(&definition) {
        Ok(text) => placeholders(&text),
        Err(e) => return Err(format!("cannot read {}: {e}", definition.display()).into()),
    };
    if in_definition.is_empty() {
        return Err(format!("{} has no ${{...}} placeholders", definition.display()).into());
    }
    if in_module != in_definition {
        return Err(format!(
            "templatefile variables and definition placeholders differ:\n  only in the module: {:?}\n  only in the definition: {:?}",
            in_module.difference(&in_definition).collect::<Vec<_>>(),
            in_definition.difference(&in_module).collect::<Vec<_>>()
        )
        .into());
    }
    let from_crate: BTreeSet<String> = FUNCTIONS.iter().map(FunctionSpec::placeholder).collect();
    if in_module != from_crate {
        return Err(format!(
            "templatefile variables {in_module:?} are not one per function binary {from_crate:?}"
        )
        .into());
    }
    // Each placeholder gets the ARN of its own function, not a neighbour's.
    for spec in FUNCTIONS {
        let expected = format!("aws_lambda_function.this[\"{}\"].arn", spec.binary);
        let got = vars
            .get(&spec.placeholder())
            .map(String::as_str)
            .unwrap_or_default();
        if got != expected {
            return Err(format!(
                "templatefile variable {} is `{got}`, expected `{expected}`",
                spec.placeholder()
            )
            .into());
        }
    }
    Ok(())
}

#[test]
fn every_function_binary_is_deployed_with_its_required_environment() -> Check {
    Ok(check_functions(&parse_module(&module_dir())?, FUNCTIONS)?)
}

#[test]
fn a_missing_or_misspelled_variable_is_reported() -> Check {
    let hcl = r#"
        locals {
          shared = { PROD_ROLE_ARN = "arn" }
          functions = {
            "start-export" = {
              env = merge(local.shared, { EXPORT_BUCKET = "b", EXPORT_KMS_KEY_ARN = null, EXPORT_PREFX = "p" })
            }
          }
        }
    "#;
    let body = hcl::parse(hcl).map_err(|e| Failure(e.to_string()))?;
    let specs: Vec<FunctionSpec> = FUNCTIONS
        .iter()
        .filter(|f| f.binary == "start-export")
        .copied()
        .collect();
    let Err(message) = check_functions(&[("inline.tf".to_owned(), body)], &specs) else {
        return Err("a broken environment passed the check".into());
    };
    for expected in [
        "required variable EXPORT_ROLE_ARN is not set",
        "required variable EXPORT_KMS_KEY_ARN is null",
        "sets EXPORT_PREFX, which its handler does not read",
    ] {
        if !message.contains(expected) {
            return Err(format!("expected {expected:?} in:\n{message}").into());
        }
    }
    if message.contains("EXPORT_BUCKET") || message.contains("PROD_ROLE_ARN") {
        return Err(format!("a correctly set variable was reported:\n{message}").into());
    }
    Ok(())
}

#[test]
fn placeholders_are_read_from_the_definition_text() -> Check {
    let found = placeholders(
        r#"{"A": {"Resource": "${normalize_function_arn}"}, "B": "${notify_function_arn}", "C": "${notify_function_arn}"}"#,
    );
    let expected: BTreeSet<String> = ["normalize_function_arn", "notify_function_arn"]
        .map(String::from)
        .into();
    if found == expected {
        Ok(())
    } else {
        Err(format!("found {found:?}").into())
    }
}

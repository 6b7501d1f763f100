//! Adding a function is its entry in the function table, its handler module and its bin:
//! these tests name whichever piece is missing, and check each handler's configuration
//! reads exactly the variables the table lists for its function.

use std::collections::BTreeSet;
use std::path::Path;

use contract::functions::{FUNCTIONS, Function};

use super::{HANDLERS, RegisteredHandler};
use crate::config::Env;

fn registered(function: &Function) -> Option<&'static RegisteredHandler> {
    HANDLERS
        .iter()
        .find(|r| r.function.binary == function.binary)
}

fn crate_file(relative: &str) -> Option<String> {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)).ok()
}

#[test]
fn every_function_has_its_handler_module_and_bin() {
    let manifest = crate_file("Cargo.toml").unwrap_or_default();
    let mut missing = Vec::new();
    for function in FUNCTIONS {
        let binary = function.binary;
        let module = binary.replace('-', "_");
        let Some(handler) = registered(function) else {
            missing.push(format!(
                "{binary}: no handler in lambdas::HANDLERS (lambdas/src/handlers/mod.rs) (add `RegisteredHandler::of::<...Handler>()`)"
            ));
            continue;
        };
        let type_name = (handler.type_name)();
        if !type_name.starts_with(&format!("lambdas::handlers::{module}::")) {
            missing.push(format!(
                "{binary}: its handler {type_name} is not in lambdas/src/handlers/{module}.rs (one module per binary)"
            ));
        }
        if crate_file(&format!("src/handlers/{module}.rs")).is_none() {
            missing.push(format!("{binary}: no lambdas/src/handlers/{module}.rs"));
        }
        let short = type_name.rsplit("::").next().unwrap_or(type_name);
        match crate_file(&format!("src/bin/{binary}.rs")) {
            None => missing.push(format!("{binary}: no lambdas/src/bin/{binary}.rs")),
            Some(bin) if !bin.contains(&format!("run::<{short}>")) => missing.push(format!(
                "{binary}: lambdas/src/bin/{binary}.rs does not run {short}"
            )),
            Some(_) => {}
        }
        let entry = format!("name = \"{binary}\"\npath = \"src/bin/{binary}.rs\"");
        if !manifest.contains(&entry) {
            missing.push(format!(
                "{binary}: no [[bin]] `{entry}` in lambdas/Cargo.toml"
            ));
        }
    }
    for handler in HANDLERS {
        if !FUNCTIONS
            .iter()
            .any(|f| f.binary == handler.function.binary)
        {
            missing.push(format!(
                "{}: registered in lambdas::HANDLERS (lambdas/src/handlers/mod.rs) but not in contract::functions::FUNCTIONS",
                handler.function.binary
            ));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
    assert_eq!(
        HANDLERS.len(),
        FUNCTIONS.len(),
        "a handler registered twice"
    );
}

/// A value `name` accepts, by its kind (the suffix of its name); unique per name so two
/// bucket variables never hold the same bucket.
fn plausible_value(name: &str) -> String {
    let slug = name.to_ascii_lowercase().replace('_', "-");
    if name.ends_with("_ARN") {
        format!("arn:aws:iam::123456789012:role/{slug}")
    } else {
        slug
    }
}

#[test]
fn every_configuration_reads_exactly_the_variables_the_table_lists() {
    let mut differences = Vec::new();
    for function in FUNCTIONS {
        let Some(handler) = registered(function) else {
            continue; // named by every_function_has_its_handler_module_and_bin
        };
        let binary = function.binary;
        // The required variables set (else parsing stops at the first missing one), the
        // optional ones unset: a configuration reads an optional variable even when unset.
        let env = Env::from_pairs(
            function
                .required_env
                .iter()
                .map(|name| (*name, plausible_value(name))),
        );
        if let Err(e) = (handler.parse_config)(&env) {
            differences.push(format!(
                "{binary}: its configuration refuses plausible values of its required variables: {e}"
            ));
            continue;
        }
        let read = env.names_read();
        let listed: BTreeSet<String> = function.env().map(str::to_owned).collect();
        for name in read.difference(&listed) {
            differences.push(format!(
                "{binary}: its configuration reads {name}, which contract::functions does not list for it (it would never be set)"
            ));
        }
        for name in listed.difference(&read) {
            differences.push(format!(
                "{binary}: contract::functions lists {name}, which its configuration never reads"
            ));
        }
    }
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}

#[test]
fn a_configuration_reading_an_unlisted_variable_is_named() {
    // The comparison above can fail: a read outside the table shows up in names_read.
    let env = Env::from_pairs([("CRAWLER_NAME", "exports".to_owned())]);
    let _ = env.optional("NOT_IN_THE_TABLE");
    assert!(env.names_read().contains("NOT_IN_THE_TABLE"));
}

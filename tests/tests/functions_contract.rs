//! The generator and the Lambda crate agree on which functions exist.
//!
//! `state-machine` cannot depend on `lambdas` (the generator must stay free of the AWS SDK),
//! so it keeps its own list of the seven binaries. This test binds that list, the
//! `[[bin]]` targets of lambdas/Cargo.toml and `lambdas::functions::FUNCTIONS` together, and
//! checks that the rendered default definition names exactly one placeholder per function.

use std::collections::BTreeSet;
use std::path::Path;

use lambdas::functions::{FUNCTIONS, FunctionSpec};
use state_machine::config::PipelineConfig;
use state_machine::pipeline::{FUNCTION_BINARIES, pipeline};

fn crate_functions() -> BTreeSet<String> {
    FUNCTIONS.iter().map(|f| f.binary.to_owned()).collect()
}

#[test]
fn generator_binaries_are_the_lambda_functions() {
    let generator: BTreeSet<String> = FUNCTION_BINARIES.iter().map(|b| (*b).to_owned()).collect();
    assert_eq!(
        generator,
        crate_functions(),
        "state_machine::pipeline::FUNCTION_BINARIES and lambdas::functions::FUNCTIONS differ"
    );
}

#[test]
fn every_function_is_a_bin_target_of_the_lambdas_crate() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../lambdas/Cargo.toml");
    let text = std::fs::read_to_string(&manifest)
        .unwrap_or_else(|e| panic!("{}: {e}", manifest.display()));
    let bins: BTreeSet<String> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("name = \""))
        .filter_map(|rest| rest.strip_suffix('"'))
        .map(str::to_owned)
        .filter(|name| name != "lambdas")
        .collect();
    assert_eq!(
        bins,
        crate_functions(),
        "the [[bin]]s of lambdas/Cargo.toml and FUNCTIONS differ"
    );
}

#[test]
fn the_rendered_definition_has_one_placeholder_per_function() {
    let json = pipeline(&PipelineConfig::default())
        .unwrap_or_else(|e| panic!("default pipeline does not build: {e}"))
        .to_json()
        .unwrap_or_else(|e| panic!("render: {e}"));
    let mut found = BTreeSet::new();
    let mut rest = json.as_str();
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let end = after
            .find('}')
            .unwrap_or_else(|| panic!("unclosed ${{ in the definition"));
        found.insert(after[..end].to_owned());
        rest = &after[end..];
    }
    let expected: BTreeSet<String> = FUNCTIONS.iter().map(FunctionSpec::placeholder).collect();
    assert_eq!(found, expected);
}

//! `render` and `validate`: the binary writes exactly the committed definition, and bad
//! configurations and definitions fail with the state-machine crate's named errors.

use crate::support::{bare_cli, ok, one_line_error, workspace};

fn temp_file(name: &str, text: &str) -> std::path::PathBuf {
    let path =
        std::env::temp_dir().join(format!("snapshot-export-cli-{}-{name}", std::process::id()));
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn render_writes_the_committed_definition() {
    let committed =
        std::fs::read_to_string(workspace().join("state-machine/definition.asl.json")).unwrap();
    let rendered = ok(&bare_cli().args(["render"]).output().unwrap());
    assert_eq!(rendered, committed);
    let out = std::env::temp_dir().join(format!(
        "snapshot-export-cli-{}-out.json",
        std::process::id()
    ));
    ok(&bare_cli()
        .args(["render", "--out", out.to_str().unwrap()])
        .output()
        .unwrap());
    assert_eq!(std::fs::read_to_string(&out).unwrap(), committed);
    let mermaid = ok(&bare_cli()
        .args(["render", "--format", "mermaid"])
        .output()
        .unwrap());
    assert!(mermaid.starts_with("flowchart TD"), "{mermaid}");
    assert!(mermaid.contains("NotifySuccess"));
    let acl_off = workspace().join("state-machine/configs/acl-off.toml");
    let without_acl = ok(&bare_cli()
        .args(["render", "--config", acl_off.to_str().unwrap()])
        .output()
        .unwrap());
    assert!(!without_acl.contains("\"RewriteAcl\""));
}

#[test]
fn validate_accepts_good_files_and_names_errors() {
    let definition = workspace().join("state-machine/definition.asl.json");
    let report = ok(&bare_cli()
        .args(["validate", "--definition", definition.to_str().unwrap()])
        .output()
        .unwrap());
    let states =
        state_machine::StateMachine::from_json(&std::fs::read_to_string(&definition).unwrap())
            .unwrap()
            .states()
            .count();
    assert_eq!(
        report
            .lines()
            .nth(1)
            .unwrap()
            .split_whitespace()
            .collect::<Vec<_>>(),
        [
            "definition",
            definition.to_str().unwrap(),
            &states.to_string(),
            "valid"
        ]
    );

    let broken = std::fs::read_to_string(&definition).unwrap().replacen(
        "\"Next\": \"ShouldExport\"",
        "\"Next\": \"Nowhere\"",
        1,
    );
    let broken = temp_file("broken.json", &broken);
    let line = one_line_error(
        &bare_cli()
            .args(["validate", "--definition", broken.to_str().unwrap()])
            .output()
            .unwrap(),
    );
    assert!(
        line.contains("`Normalize`") && line.contains("Nowhere"),
        "{line}"
    );

    let config = temp_file("bad.toml", "[export]\nmin_poll_seconds = 0\n");
    let line = one_line_error(
        &bare_cli()
            .args(["validate", "--config", config.to_str().unwrap()])
            .output()
            .unwrap(),
    );
    assert!(line.contains("export.min_poll_seconds"), "{line}");
    let unknown = temp_file("unknown.toml", "[export]\nmin_pol = 3\n");
    let line = one_line_error(
        &bare_cli()
            .args(["validate", "--config", unknown.to_str().unwrap()])
            .output()
            .unwrap(),
    );
    assert!(line.contains("min_pol"), "{line}");
    let missing = one_line_error(
        &bare_cli()
            .args(["validate", "--definition", "/nonexistent.json"])
            .output()
            .unwrap(),
    );
    assert!(
        missing.contains("cannot read /nonexistent.json"),
        "{missing}"
    );
}

#[test]
fn help_reads_like_the_aws_cli() {
    let help = ok(&bare_cli().arg("--help").output().unwrap());
    for command in [
        "render",
        "validate",
        "start",
        "executions",
        "redrive",
        "status",
        "send-test-event",
    ] {
        assert!(help.contains(command), "{command} missing from:\n{help}");
    }
    for option in ["--region", "--profile", "--endpoint-url", "--json"] {
        assert!(help.contains(option), "{option} missing from:\n{help}");
    }
    let usage = bare_cli().args(["redrive"]).output().unwrap();
    assert_eq!(usage.status.code(), Some(2));
}

//! `start` against moto: a new execution, the same snapshot again (reported, not started),
//! a different ExportOnly list (a different execution), and bad input.

use crate::support::{Moto, MotoCli, bare_cli, json, ok, one_line_error, snapshot_arn, stdout};

#[tokio::test]
async fn start_is_idempotent_per_snapshot() {
    let moto = Moto::start();
    let machine = moto.create_pipeline().await;
    let snapshot = snapshot_arn("rds:orders-2026-11-24-03-10");
    let args = [
        "--json",
        "start",
        "--state-machine-arn",
        &machine,
        "--snapshot-arn",
        &snapshot,
    ];

    let first = json(&moto.run(&args));
    assert_eq!(first["created"], true);
    assert_eq!(first["status"], "RUNNING");
    let name = first["name"].as_str().unwrap().to_owned();
    assert!(name.starts_with("rds-orders-2026-11-24-03-10-"), "{name}");
    assert!(name.len() <= 80);
    let arn = first["execution_arn"].as_str().unwrap().to_owned();
    assert!(
        arn.ends_with(&format!(":execution:snapshot-export:{name}")),
        "{arn}"
    );

    // The same snapshot again: the running execution is reported, nothing new started.
    let second = json(&moto.run(&args));
    assert_eq!(second["created"], false);
    assert_eq!(second["execution_arn"], arn.as_str());
    assert_eq!(second["status"], "RUNNING");

    // The manual input the execution got is the contract's ManualInput.
    let sfn = aws_sdk_sfn::Client::new(&moto.sdk_config().await);
    let described = sfn
        .describe_execution()
        .execution_arn(&arn)
        .send()
        .await
        .unwrap();
    let input: contract::ManualInput = serde_json::from_str(described.input().unwrap()).unwrap();
    assert_eq!(input.snapshot_arn, snapshot);
    assert!(input.export_only.is_empty());
    let listed = sfn
        .list_executions()
        .state_machine_arn(&machine)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.executions().len(), 1);

    // An ExportOnly list makes another execution, whatever the order of its names.
    let only = |a: &str, b: &str| {
        json(&moto.run(&[
            "--json",
            "start",
            "--state-machine-arn",
            &machine,
            "--snapshot-arn",
            &snapshot,
            "--export-only",
            a,
            b,
        ]))
    };
    let third = only("orders.public.items", "orders.public.customers");
    assert_eq!(third["created"], true);
    assert_ne!(third["name"], name.as_str());
    let fourth = only("orders.public.customers", "orders.public.items");
    assert_eq!(fourth["created"], false);
    assert_eq!(fourth["name"], third["name"]);

    // The human form: a table with the result, and a note when it existed.
    let table = ok(&moto.run(&args[1..]));
    let header = "RESULT  NAME";
    assert!(table.starts_with(header), "{table}");
    let row = table.lines().nth(1).unwrap();
    assert!(
        row.starts_with(&format!("exists  {name}  RUNNING  ")),
        "{row}"
    );
    assert!(row.ends_with(&arn), "{row}");
    assert_eq!(
        table.lines().nth(2).unwrap(),
        "note: an export of this snapshot is already running; nothing new was started"
    );
}

#[tokio::test]
async fn a_finished_execution_is_reported_with_the_rerun_hint() {
    let moto = Moto::start();
    let machine = moto.create_pipeline().await;
    let snapshot = snapshot_arn("manual-1");
    let args = [
        "--json",
        "start",
        "--state-machine-arn",
        &machine,
        "--snapshot-arn",
        &snapshot,
    ];
    let first = json(&moto.run(&args));
    let arn = first["execution_arn"].as_str().unwrap();
    let sfn = aws_sdk_sfn::Client::new(&moto.sdk_config().await);
    sfn.stop_execution()
        .execution_arn(arn)
        .send()
        .await
        .unwrap();
    let again = json(&moto.run(&args));
    assert_eq!(again["created"], false);
    assert_eq!(again["status"], "ABORTED");
    let note = again["note"].as_str().unwrap();
    assert!(
        note.contains(&format!("snapshot-export redrive --rerun {arn}")),
        "{note}"
    );
}

#[tokio::test]
async fn bad_input_is_one_line_and_exit_1() {
    let moto = Moto::start();
    let machine = moto.create_pipeline().await;
    let snapshot = snapshot_arn("s1");

    let wrong_type = one_line_error(&moto.run(&[
        "start",
        "--state-machine-arn",
        &machine,
        "--snapshot-arn",
        "arn:aws:rds:us-east-1:123456789012:db:orders",
    ]));
    assert!(
        wrong_type.contains("--snapshot-arn")
            && wrong_type.contains("neither snapshot nor cluster-snapshot"),
        "{wrong_type}"
    );

    let not_a_machine = one_line_error(&moto.run(&[
        "start",
        "--state-machine-arn",
        "arn:aws:lambda:us-east-1:123456789012:function:x",
        "--snapshot-arn",
        &snapshot,
    ]));
    assert!(
        not_a_machine.contains("--state-machine-arn"),
        "{not_a_machine}"
    );

    let unknown = one_line_error(&moto.run(&[
        "start",
        "--state-machine-arn",
        "arn:aws:states:us-east-1:123456789012:stateMachine:nope",
        "--snapshot-arn",
        &snapshot,
    ]));
    assert!(
        unknown.contains("state machine") && unknown.contains("does not exist"),
        "{unknown}"
    );

    let bad_only = one_line_error(&moto.run(&[
        "start",
        "--state-machine-arn",
        &machine,
        "--snapshot-arn",
        &snapshot,
        "--export-only",
        "a..b",
    ]));
    assert!(bad_only.contains("--export-only"), "{bad_only}");

    let no_region = bare_cli()
        .args([
            "start",
            "--state-machine-arn",
            &machine,
            "--snapshot-arn",
            &snapshot,
        ])
        .output()
        .unwrap();
    let line = one_line_error(&no_region);
    assert!(line.contains("no AWS Region"), "{line}");
    assert!(stdout(&no_region).is_empty());
}

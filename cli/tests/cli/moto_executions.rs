//! `executions`, `status` and `redrive --rerun` against moto. moto runs no state machine;
//! started with SF_EXECUTION_HISTORY_TYPE=FAILURE it makes every execution FAILED with a
//! fixed history (`FailStateEntered` "A State", then ExecutionFailed AnError).

use crate::support::{Moto, MotoCli, json, ok, one_line_error, snapshot_arn};

#[tokio::test]
async fn failed_executions_are_listed_with_state_error_and_cause() {
    let moto = Moto::start_with(&[("SF_EXECUTION_HISTORY_TYPE", "FAILURE")]);
    let machine = moto.create_pipeline().await;
    let snapshot = snapshot_arn("orders-1");
    let started = json(&moto.run(&[
        "--json",
        "start",
        "--state-machine-arn",
        &machine,
        "--snapshot-arn",
        &snapshot,
    ]));
    let name = started["name"].as_str().unwrap();

    let listed = json(&moto.run(&[
        "--json",
        "executions",
        "--state-machine-arn",
        &machine,
        "--status",
        "FAILED",
    ]));
    let executions = listed["executions"].as_array().unwrap();
    assert_eq!(executions.len(), 1);
    let e = &executions[0];
    assert_eq!(e["name"], name);
    assert_eq!(e["status"], "FAILED");
    assert_eq!(e["snapshot_arn"], snapshot.as_str());
    assert_eq!(e["failed_state"], "A State");
    assert_eq!(e["error"], "AnError");
    assert_eq!(e["cause"], "An error occurred!");
    assert_eq!(e["export_task_id"], serde_json::Value::Null);

    // Golden table, built from the same data.
    let table = ok(&moto.run(&[
        "executions",
        "--state-machine-arn",
        &machine,
        "--status",
        "FAILED",
        "--since",
        "1h",
    ]));
    let started_at = e["started"].as_str().unwrap();
    let header = [
        "NAME",
        "STATUS",
        "STARTED",
        "SNAPSHOT",
        "EXPORT ID",
        "FAILED STATE",
        "ERROR",
        "REDRIVE",
        "CAUSE",
    ];
    let row = [
        name,
        "FAILED",
        started_at,
        &snapshot,
        "-",
        "A State",
        "AnError",
        "-",
        "An error occurred!",
    ];
    let widths: Vec<usize> = header
        .iter()
        .zip(row)
        .map(|(h, r)| h.len().max(r.len()))
        .collect();
    let line = |cells: &[&str]| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        format!("{}\n", padded.join("  ").trim_end())
    };
    assert_eq!(table, format!("{}{}", line(&header), line(&row)));

    // Nothing RUNNING, and a bad --since is a named error.
    let running = json(&moto.run(&[
        "--json",
        "executions",
        "--state-machine-arn",
        &machine,
        "--status",
        "RUNNING",
    ]));
    assert_eq!(running["executions"].as_array().unwrap().len(), 0);
    let bad = one_line_error(&moto.run(&[
        "executions",
        "--state-machine-arn",
        &machine,
        "--since",
        "7 days",
    ]));
    assert!(bad.contains("--since"), "{bad}");
}

#[tokio::test]
async fn rerun_starts_a_new_execution_with_the_same_input() {
    let moto = Moto::start_with(&[("SF_EXECUTION_HISTORY_TYPE", "FAILURE")]);
    let machine = moto.create_pipeline().await;
    let started = json(&moto.run(&[
        "--json",
        "start",
        "--state-machine-arn",
        &machine,
        "--snapshot-arn",
        &snapshot_arn("s-1"),
        "--export-only",
        "db.public.t",
    ]));
    let arn = started["execution_arn"].as_str().unwrap();
    let name = started["name"].as_str().unwrap();

    let first = json(&moto.run(&["--json", "redrive", "--rerun", arn]));
    assert_eq!(first["mode"], "rerun");
    let result = &first["results"][0];
    assert_eq!(result["outcome"], "rerun");
    let rerun_arn = result["new_execution_arn"].as_str().unwrap();
    assert!(
        rerun_arn.ends_with(&format!(":{name}-rerun-1")),
        "{rerun_arn}"
    );

    let sfn = aws_sdk_sfn::Client::new(&moto.sdk_config().await);
    let original = sfn
        .describe_execution()
        .execution_arn(arn)
        .send()
        .await
        .unwrap();
    let rerun = sfn
        .describe_execution()
        .execution_arn(rerun_arn)
        .send()
        .await
        .unwrap();
    assert_eq!(rerun.input(), original.input());

    // The first re-run failed too (moto fails everything): the next one is -rerun-2, and
    // re-running the re-run keeps the root name.
    let second = json(&moto.run(&["--json", "redrive", "--rerun", rerun_arn]));
    let next = second["results"][0]["new_execution_arn"].as_str().unwrap();
    assert!(next.ends_with(&format!(":{name}-rerun-2")), "{next}");

    // --all-failed --rerun: every failed one gets a re-run (three failed so far).
    let all = json(&moto.run(&[
        "--json",
        "redrive",
        "--all-failed",
        "--rerun",
        "--state-machine-arn",
        &machine,
        "--since",
        "1d",
    ]));
    let results = all["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    assert!(results.iter().all(|r| r["outcome"] == "rerun"), "{all}");
}

#[tokio::test]
async fn status_lists_running_executions_and_the_crawler() {
    let moto = Moto::start();
    let machine = moto.create_pipeline().await;
    let started = json(&moto.run(&[
        "--json",
        "start",
        "--state-machine-arn",
        &machine,
        "--snapshot-arn",
        &snapshot_arn("s-2"),
    ]));
    let config = moto.sdk_config().await;
    let glue = aws_sdk_glue::Client::new(&config);
    glue.create_crawler()
        .name("exports")
        .role(format!(
            "arn:aws:iam::{}:role/glue",
            crate::support::ACCOUNT
        ))
        .database_name("analytics")
        .targets(
            aws_sdk_glue::types::CrawlerTargets::builder()
                .s3_targets(
                    aws_sdk_glue::types::S3Target::builder()
                        .path("s3://exports/")
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();

    let report = json(&moto.run(&[
        "--json",
        "status",
        "--state-machine-arn",
        &machine,
        "--crawler",
        "exports",
    ]));
    let running = report["running"].as_array().unwrap();
    assert_eq!(running.len(), 1);
    assert_eq!(running[0]["name"], started["name"]);
    assert_eq!(report["crawler"]["name"], "exports");
    assert_eq!(report["crawler"]["state"], "READY");

    let table = ok(&moto.run(&[
        "status",
        "--state-machine-arn",
        &machine,
        "--crawler",
        "exports",
    ]));
    assert!(table.starts_with("NAME"), "{table}");
    assert!(table.contains(started["name"].as_str().unwrap()), "{table}");
    assert!(
        table.ends_with("crawler exports: READY (last crawl: none)\n"),
        "{table}"
    );

    let missing = one_line_error(&moto.run(&[
        "status",
        "--state-machine-arn",
        &machine,
        "--crawler",
        "nope",
    ]));
    assert!(missing.contains("crawler nope does not exist"), "{missing}");
}

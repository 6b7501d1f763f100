//! The committed `definition.asl.json`, the snapshots of every variant, and the docs stay
//! in step with the generator.

use state_machine::{Catalog, Delivery, PipelineConfig, StateMachine, pipeline};

use crate::{crate_dir, machine, variants};

const REGENERATE: &str =
    "cargo run -p snapshot-export-cli -- render --out state-machine/definition.asl.json";

#[test]
fn committed_definition_is_the_generated_one() {
    let generated = machine(&PipelineConfig::default()).to_json().unwrap();
    let path = crate_dir().join("definition.asl.json");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{} differs from what pipeline.rs generates; regenerate it with:\n    {REGENERATE}",
        path.display()
    );
}

#[test]
fn committed_definition_parses_back_and_validates() {
    let text = std::fs::read_to_string(crate_dir().join("definition.asl.json")).unwrap();
    let parsed = StateMachine::from_json(&text).unwrap();
    assert_eq!(parsed, machine(&PipelineConfig::default()));
}

#[test]
fn the_comment_names_each_variants_stages() {
    // After "RDS snapshot -> S3 Parquet export": what the variant's graph does. Every
    // variant but wait-loop waits for RDS's export events, as the default does.
    const WOKEN: &str = "(woken by RDS's export events, polled as a fallback)";
    let expected = [
        (
            "default",
            format!("{WOKEN} -> object ACLs -> Glue tables -> notification"),
        ),
        ("acl-off", format!("{WOKEN} -> Glue tables -> notification")),
        ("all-off", WOKEN.to_owned()),
        (
            "catalog-crawler",
            format!("{WOKEN} -> object ACLs -> Glue crawler -> notification"),
        ),
        (
            "copy-delivery",
            format!("{WOKEN} -> copy into the analytics bucket -> Glue crawler -> notification"),
        ),
        (
            "crawler-no-wait",
            format!(
                "{WOKEN} -> object ACLs -> Glue crawler (started, not awaited) -> notification"
            ),
        ),
        (
            "custom-timings",
            format!("{WOKEN} -> object ACLs -> Glue crawler -> notification"),
        ),
        (
            "notifications-off",
            format!("{WOKEN} -> object ACLs -> Glue tables"),
        ),
        (
            "per-source-delivery",
            format!(
                "{WOKEN} -> per-source delivery (object ACLs or copy into the analytics bucket) -> Glue tables -> notification"
            ),
        ),
        (
            "wait-loop",
            "(polled) -> object ACLs -> Glue tables -> notification".to_owned(),
        ),
        (
            "slots-off",
            format!("{WOKEN} -> object ACLs -> Glue tables -> notification"),
        ),
    ];
    for (name, config) in variants() {
        let stages = expected
            .iter()
            .find(|(variant, _)| *variant == name)
            .unwrap_or_else(|| panic!("configs/{name}.toml: add its Comment to this test"))
            .1
            .as_str();
        let comment = machine(&config).comment().unwrap().to_owned();
        // With export slots (the default) the export sits between the slot's two states.
        let want = if config.export.slots {
            let (export, rest) = stages
                .split_once(") -> ")
                .map_or((stages, ""), |(e, r)| (e, r));
            let export = if rest.is_empty() {
                export.to_owned()
            } else {
                format!("{export})")
            };
            let rest = if rest.is_empty() {
                String::new()
            } else {
                format!(" -> {rest}")
            };
            format!(
                "Snapshot export: RDS snapshot -> export slot (parked until one of the account's 5 frees) \
                 -> S3 Parquet export {export} -> slot released{rest}. "
            )
        } else {
            format!("Snapshot export: RDS snapshot -> S3 Parquet export {stages}. ")
        };
        assert!(comment.starts_with(&want), "{name}: {comment}");
    }
}

#[test]
fn json_is_pretty_with_a_trailing_newline() {
    let json = machine(&PipelineConfig::default()).to_json().unwrap();
    assert!(json.starts_with("{\n  \"Comment\""));
    assert!(json.ends_with("}\n") && !json.ends_with("\n\n"));
}

#[test]
fn every_variant_round_trips() {
    for (name, config) in variants() {
        let m = machine(&config);
        let reparsed = StateMachine::from_json(&m.to_json().unwrap()).unwrap();
        assert_eq!(reparsed, m, "{name}");
    }
}

#[test]
fn snapshots_of_every_variant() {
    let vs = variants();
    let names: Vec<&str> = vs.iter().map(|(n, _)| n.as_str()).collect();
    for required in [
        "default",
        "acl-off",
        "crawler-no-wait",
        "notifications-off",
        "all-off",
        "wait-loop",
    ] {
        assert!(
            names.contains(&required),
            "configs/{required}.toml is missing"
        );
    }
    for (name, config) in vs {
        // Kept in state-machine/tests/snapshots/, beside (not inside) this test's folder.
        insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
            insta::assert_json_snapshot!(name, machine(&config));
        });
    }
}

#[test]
fn variants_leave_out_exactly_their_states() {
    let names = |config: &PipelineConfig| -> Vec<String> {
        machine(config)
            .states()
            .map(|(n, _)| n.to_string())
            .collect()
    };
    let all = names(&PipelineConfig::default());
    // The states each catalog adds: CatalogTables / CatalogDone (the default), the crawler's.
    let catalog_states = |catalog: Catalog| -> Vec<String> {
        let none = names(&PipelineConfig {
            catalog: Catalog::None,
            ..PipelineConfig::default()
        });
        names(&PipelineConfig {
            catalog,
            ..PipelineConfig::default()
        })
        .into_iter()
        .filter(|s| !none.contains(s))
        .collect()
    };
    let tables = catalog_states(Catalog::Tables);
    assert_eq!(tables, ["CatalogTables", "CatalogDone"]);
    for (name, config) in variants() {
        let mut expected = all.clone();
        if config.catalog != Catalog::Tables {
            // The catalog's states take the place of CatalogTables / CatalogDone.
            let at = expected.iter().position(|s| *s == tables[0]).unwrap_or(0);
            expected.retain(|s| !tables.contains(s));
            let theirs = catalog_states(config.catalog);
            expected.splice(at..at, theirs);
        }
        if config.delivery == Delivery::Copy {
            // CopyObjects / CopyDone take the place of RewriteAcl / AclDone.
            for s in &mut expected {
                match s.as_str() {
                    "RewriteAcl" => *s = "CopyObjects".to_owned(),
                    "AclDone" => *s = "CopyDone".to_owned(),
                    _ => {}
                }
            }
        } else if config.delivery == Delivery::PerSource {
            // DeliveryMode, then both loops (RewriteAcl's only with ACLs on).
            let at = expected.iter().position(|s| s == "RewriteAcl").unwrap_or(0);
            if !config.acl.enabled {
                expected.retain(|s| s != "RewriteAcl" && s != "AclDone");
            }
            let acl = usize::from(config.acl.enabled) * 2;
            expected.insert(at, "DeliveryMode".to_owned());
            expected.splice(
                at + 1 + acl..at + 1 + acl,
                ["CopyObjects".to_owned(), "CopyDone".to_owned()],
            );
        } else if !config.acl.enabled {
            expected.retain(|s| s != "RewriteAcl" && s != "AclDone");
        }
        if !config.crawler.wait_for_completion {
            let gone = ["WaitForCrawler", "CheckCrawler", "CrawlStatus"];
            expected.retain(|s| !gone.contains(&s.as_str()));
        }
        if !config.notifications.enabled {
            expected.retain(|s| s != "NotifySuccess");
        }
        if !config.export.slots {
            let gone = [
                "AcquireExportSlot",
                "SlotJoined",
                "JoinedRunningExecution",
                "ReleaseExportSlot",
            ];
            expected.retain(|s| !gone.contains(&s.as_str()));
        }
        if !config.export.events {
            // The Wait state takes the place of the default's callback.
            for s in &mut expected {
                if s == "WaitForExportEvent" {
                    *s = "WaitForExport".to_owned();
                }
            }
        }
        assert_eq!(names(&config), expected, "{name}");
    }
}

/// The text of the first fenced block of `lang` after `marker` in the graph spec.
fn docs_block(lang: &str) -> String {
    let doc = std::fs::read_to_string(crate_dir().join("../docs/state-machine.md")).unwrap();
    let fence = format!("```{lang}\n");
    let start = doc
        .find(&fence)
        .unwrap_or_else(|| panic!("no ```{lang} block"))
        + fence.len();
    let end = start + doc[start..].find("```").unwrap();
    doc[start..end].to_owned()
}

#[test]
fn docs_diagram_is_the_rendered_one() {
    let rendered = machine(&PipelineConfig::default()).to_mermaid();
    assert!(
        docs_block("mermaid") == rendered,
        "docs/state-machine.md's mermaid block is stale; paste the output of\n    \
         cargo run -p snapshot-export-cli -- render --format mermaid"
    );
}

#[test]
fn docs_state_table_names_every_state() {
    let doc = std::fs::read_to_string(crate_dir().join("../docs/state-machine.md")).unwrap();
    let table: Vec<&str> = doc
        .lines()
        .skip_while(|l| !l.starts_with("## States"))
        .skip(1)
        .take_while(|l| !l.starts_with("## "))
        .filter(|l| l.starts_with("| `"))
        .flat_map(|l| l.split('|').nth(1).unwrap_or("").split('/'))
        .map(|cell| cell.trim().trim_matches('`'))
        .collect();
    let machine = pipeline(&PipelineConfig::default()).unwrap();
    let states: Vec<&str> = machine.states().map(|(n, _)| n.as_str()).collect();
    let mut sorted_table = table.clone();
    sorted_table.sort_unstable();
    let mut sorted_states = states.clone();
    sorted_states.sort_unstable();
    assert_eq!(sorted_table, sorted_states);
}

#[test]
fn mermaid_has_every_state_and_edge() {
    let m = machine(&PipelineConfig::default());
    let text = m.to_mermaid();
    assert!(text.starts_with("flowchart TD\n"));
    for (name, _) in m.states() {
        assert!(text.contains(&format!("    {name}")), "{name}");
    }
    assert!(text.contains("ExportStatus -->|\"$.export.status = COMPLETE\"| ReleaseExportSlot"));
    assert!(text.contains("ReleaseExportSlot --> RewriteAcl"), "{text}");
    assert!(text.contains("AclDone -.->|default| RewriteAcl"));
    assert!(text.contains("ExportStatus -->|\"$.export.status = FAILED\"| StartExport"));
    // No Task catches its errors; the one catch is the callback's fallback poll.
    assert_eq!(text.matches("catch").count(), 1, "{text}");
    assert!(text.contains("WaitForExportEvent -.->|\"catch States.Timeout\"| CheckExport"));
}

//! Unit tests of `config`.

use super::*;

#[test]
fn empty_toml_is_the_default() {
    let config = PipelineConfig::from_toml_str("").unwrap();
    assert_eq!(config, PipelineConfig::default());
    assert_eq!(config.export.max_poll_seconds, 1800);
    assert_eq!(config.poll_policy().max_wait_seconds, 24 * 3600);
    assert_eq!(config.crawl_policy().max_wait_seconds, 7200);
    assert_eq!(config.execution_timeout_seconds(), 259_200);
}

#[test]
fn documented_example_parses() {
    let doc = include_str!("../../../docs/state-machine.md");
    let start = doc.find("```toml\n").unwrap() + "```toml\n".len();
    let end = start + doc[start..].find("```").unwrap();
    let config = PipelineConfig::from_toml_str(&doc[start..end]).unwrap();
    assert_eq!(config, PipelineConfig::default());
}

#[test]
fn partial_sections_keep_other_defaults() {
    let config = PipelineConfig::from_toml_str("[acl]\nenabled = false\n").unwrap();
    assert!(!config.acl.enabled);
    assert_eq!(config.export, ExportConfig::default());
}

#[test]
fn unknown_keys_are_named() {
    for (toml, key) in [
        ("[export]\nmin_poll_secs = 3\n", "min_poll_secs"),
        ("[exports]\n", "exports"),
    ] {
        let err = PipelineConfig::from_toml_str(toml).unwrap_err().to_string();
        assert!(err.contains(key), "{err}");
    }
}

#[test]
fn bad_values_name_the_key() {
    for (toml, key) in [
        (
            "[export]\nmin_poll_seconds = 0\n",
            "export.min_poll_seconds",
        ),
        (
            "[export]\nmin_poll_seconds = 100\nmax_poll_seconds = 50\n",
            "export.max_poll_seconds",
        ),
        ("[export]\nmax_wait_hours = 0\n", "export.max_wait_hours"),
        (
            "[export]\ncapacity_retry_interval_seconds = 0\n",
            "export.capacity_retry_interval_seconds",
        ),
        (
            "[export]\ncapacity_retry_max_attempts = 0\n",
            "export.capacity_retry_max_attempts",
        ),
        ("[crawler]\npoll_seconds = 0\n", "crawler.poll_seconds"),
        (
            "[crawler]\nbusy_retry_seconds = 0\n",
            "crawler.busy_retry_seconds",
        ),
        (
            "[crawler]\nmax_wait_minutes = 0\n",
            "crawler.max_wait_minutes",
        ),
        (
            "[execution]\ntimeout_hours = 0\n",
            "execution.timeout_hours",
        ),
        (
            "[execution]\ntimeout_hours = 9000\n",
            "execution.timeout_hours",
        ),
        (
            "[execution]\ntimeout_hours = 24\n",
            "execution.timeout_hours",
        ),
    ] {
        let err = PipelineConfig::from_toml_str(toml).unwrap_err().to_string();
        assert!(err.contains(&format!("`{key}`")), "{toml}: {err}");
    }
    let err = PipelineConfig::from_toml_str("[export]\nmin_poll_seconds = -1\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("min_poll_seconds"), "{err}");
}

//! Unit tests of `path`.

use super::*;

#[test]
fn accepts_data_and_context_paths() {
    for ok in ["$", "$.job", "$.a[0].b", "$$.Execution.Id", "$$", "$['x']"] {
        assert!(JsonPath::new(ok).is_ok(), "{ok}");
    }
    assert!(
        JsonPath::new("$$.Execution.Id")
            .map(|p| p.is_context())
            .unwrap_or(false)
    );
}

#[test]
fn rejects_paths_not_starting_with_dollar() {
    for bad in ["", "job.action", "$job", "$.a.", "$. a", "${x}"] {
        let err = JsonPath::new(bad).err().map(|e| e.to_string());
        assert!(
            err.as_deref()
                .is_some_and(|e| e.contains("not a valid JSONPath")),
            "{bad}: {err:?}"
        );
    }
}

#[test]
fn result_path_null_is_discard() {
    #[derive(Deserialize)]
    struct Holder {
        #[serde(default, deserialize_with = "deserialize_result_path")]
        rp: Option<ResultPath>,
    }
    let h: Holder = serde_json::from_str(r#"{"rp": null}"#).unwrap_or(Holder { rp: None });
    assert_eq!(h.rp, Some(ResultPath::Discard));
    let h: Holder = serde_json::from_str("{}").unwrap_or(Holder {
        rp: Some(ResultPath::Discard),
    });
    assert_eq!(h.rp, None);
    assert_eq!(
        serde_json::to_string(&ResultPath::Discard).unwrap_or_default(),
        "null"
    );
}

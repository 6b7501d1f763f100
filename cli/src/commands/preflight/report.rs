//! The preflight report: one line per check (`ok`, `FAIL` or `skip`), with what is wrong,
//! on which resource, which permission is involved and the fix; the JSON form for scripts
//! has the same fields. Any failed check makes the command exit non-zero.

use serde::Serialize;

use crate::error::CliError;
use crate::output::Report;

/// What a check found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Status {
    /// As the pipeline needs it.
    Ok,
    /// Broken: the first snapshot would fail (or be silently wrong).
    Fail,
    /// Not applicable to this deployment (e.g. the crawler with catalog = "tables"), or
    /// not checkable because an earlier check failed.
    Skip,
}

/// One check's line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Check {
    /// The check's name (`export-key`, `function-env start-export`).
    pub(crate) check: String,
    /// The source account it checked (`payments 111111111111`), with SOURCES_TABLE.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) source: Option<String>,
    /// Its outcome.
    pub(crate) status: Status,
    /// What was found: the confirmation when ok, what is wrong when failed, why when
    /// skipped.
    pub(crate) message: String,
    /// The resource concerned (ARN or name).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) resource: Option<String>,
    /// The permission or setting involved (`kms:CreateGrant`, `sts:ExternalId`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) permission: Option<String>,
    /// What to do about a failure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) fix: Option<String>,
}

impl Check {
    /// A passed check.
    pub(crate) fn ok(check: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            check: check.into(),
            source: None,
            status: Status::Ok,
            message: message.into(),
            resource: None,
            permission: None,
            fix: None,
        }
    }

    /// A skipped check.
    pub(crate) fn skip(check: impl Into<String>, why: impl Into<String>) -> Self {
        Self {
            status: Status::Skip,
            ..Self::ok(check, why)
        }
    }

    /// A failed check: what is wrong, on which resource, and the fix.
    pub(crate) fn fail(
        check: impl Into<String>,
        problem: impl Into<String>,
        resource: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Self {
            check: check.into(),
            source: None,
            status: Status::Fail,
            message: problem.into(),
            resource: Some(resource.into()),
            permission: None,
            fix: Some(fix.into()),
        }
    }

    /// The same check naming the permission or setting involved.
    pub(crate) fn permission(mut self, permission: impl Into<String>) -> Self {
        self.permission = Some(permission.into());
        self
    }

    /// The same check naming its resource.
    pub(crate) fn on(mut self, resource: impl Into<String>) -> Self {
        self.resource = Some(resource.into());
        self
    }

    /// The same check made for one source account (named in its line and JSON).
    pub(crate) fn for_source(mut self, source: impl Into<String>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// True when the check failed.
    pub(crate) fn failed(&self) -> bool {
        self.status == Status::Fail
    }

    /// The one line of the text report.
    pub(crate) fn line(&self) -> String {
        let tag = match self.status {
            Status::Ok => "ok  ",
            Status::Fail => "FAIL",
            Status::Skip => "skip",
        };
        let mut line = match &self.source {
            Some(source) => format!("{tag}  {} ({source}): {}", self.check, self.message),
            None => format!("{tag}  {}: {}", self.check, self.message),
        };
        if let Some(resource) = &self.resource {
            line.push_str(&format!(" [{resource}]"));
        }
        if let Some(permission) = &self.permission {
            line.push_str(&format!(" (needs {permission})"));
        }
        if let Some(fix) = &self.fix {
            line.push_str(&format!("; fix: {fix}"));
        }
        // One line whatever the messages carry (AWS messages may hold newlines); the
        // tag's padding stays, so the messages line up.
        line.chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect()
    }
}

/// Every check, in the order they ran.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct PreflightReport {
    /// The state machine checked.
    pub(crate) state_machine_arn: String,
    /// The checks.
    pub(crate) checks: Vec<Check>,
    /// How many failed.
    pub(crate) failed: usize,
}

impl PreflightReport {
    /// The report of these checks.
    pub(crate) fn new(state_machine_arn: &str, checks: Vec<Check>) -> Self {
        let failed = checks.iter().filter(|c| c.failed()).count();
        Self {
            state_machine_arn: state_machine_arn.to_owned(),
            checks,
            failed,
        }
    }
}

impl Report for PreflightReport {
    fn table(&self) -> String {
        let mut text: String = self.checks.iter().map(|c| c.line() + "\n").collect();
        text.push_str(&if self.failed == 0 {
            format!(
                "preflight passed: {} checks ({} skipped)\n",
                self.checks.len(),
                self.checks
                    .iter()
                    .filter(|c| c.status == Status::Skip)
                    .count()
            )
        } else {
            format!(
                "preflight failed: {} of {} checks\n",
                self.failed,
                self.checks.len()
            )
        });
        text
    }

    fn outcome(&self) -> Result<(), CliError> {
        if self.failed == 0 {
            Ok(())
        } else {
            Err(CliError::PreflightFailed {
                failed: self.failed,
                total: self.checks.len(),
            })
        }
    }
}

//! Finding the deployed stack from its state machine: the definition, the functions its
//! Task states call (plus export-events, which a rule invokes, named like the others:
//! `<name>-<binary>`), and each function's role and environment.

use std::collections::BTreeMap;

use aws_config::SdkConfig;
use contract::functions::{self, CALLBACK_RESOURCE, Function};
use serde_json::Value;
use state_machine::PipelineConfig;
use state_machine::{Catalog, Delivery};

use super::Check;
use crate::error::CliError;
use crate::names::StateMachineArn;

/// One deployed function.
#[derive(Debug, Clone)]
pub(crate) struct Deployed {
    /// Its entry in the function table.
    pub(crate) function: &'static Function,
    /// Its ARN as the definition (or the naming) gives it.
    pub(crate) arn: String,
    /// Its execution role, when GetFunctionConfiguration answered.
    pub(crate) role: Option<String>,
    /// Its environment, when GetFunctionConfiguration answered.
    pub(crate) env: Option<BTreeMap<String, String>>,
}

/// What preflight knows about the deployment.
#[derive(Debug, Clone)]
pub(crate) struct Stack {
    /// The state machine (its name is the modules' `name`).
    pub(crate) machine: StateMachineArn,
    /// `aws`, `aws-cn`, ...
    pub(crate) partition: String,
    /// The analytics Region.
    pub(crate) region: String,
    /// The analytics account.
    pub(crate) account: String,
    /// The deployed definition.
    pub(crate) definition: String,
    /// The functions found.
    pub(crate) functions: Vec<Deployed>,
    /// The configuration the operator says was deployed (`--config`).
    pub(crate) config: PipelineConfig,
}

impl Stack {
    /// Describes the state machine and its functions. A state machine that cannot be
    /// described ends preflight with that one failed check.
    pub(crate) async fn discover(
        base: &SdkConfig,
        machine: &StateMachineArn,
        config: &PipelineConfig,
    ) -> Result<(Self, Vec<Check>), Box<Check>> {
        let sfn = aws_sdk_sfn::Client::new(base);
        let lambda = aws_sdk_lambda::Client::new(base);
        Self::discover_with(&sfn, &lambda, machine, config).await
    }

    /// [`Stack::discover`] with given clients.
    pub(crate) async fn discover_with(
        sfn: &aws_sdk_sfn::Client,
        lambda: &aws_sdk_lambda::Client,
        machine: &StateMachineArn,
        config: &PipelineConfig,
    ) -> Result<(Self, Vec<Check>), Box<Check>> {
        let described = sfn
            .describe_state_machine()
            .state_machine_arn(&machine.arn)
            .send()
            .await
            .map_err(|e| {
                Box::new(
                    Check::fail(
                        "state-machine",
                        format!(
                            "cannot describe the state machine ({})",
                            CliError::aws("DescribeStateMachine", &e)
                        ),
                        &machine.arn,
                        "pass the ARN `terraform output -raw state_machine_arn` prints, in its Region",
                    )
                    .permission("states:DescribeStateMachine"),
                )
            })?;
        let parts: Vec<&str> = machine.arn.split(':').collect();
        let part = |i: usize| parts.get(i).copied().unwrap_or_default().to_owned();
        let definition = described.definition().to_owned();
        let mut functions = Vec::new();
        let mut checks = Vec::new();
        let parsed: Value = serde_json::from_str(&definition).unwrap_or(Value::Null);
        let mut tasks = Vec::new();
        task_functions(&parsed, &mut tasks);
        for (state, arn) in tasks {
            if let Some(function) = functions::for_state(&state)
                && !functions.iter().any(|d: &Deployed| d.function == function)
            {
                functions.push(Deployed {
                    function,
                    arn,
                    role: None,
                    env: None,
                });
            }
        }
        // export-events is invoked by the export-finished rule, not by a state: the
        // modules name every function `<name>-<binary>`.
        if config.export.events
            && let Some(first) = functions.first()
            && let Some((prefix, _)) = first.arn.split_once(":function:")
        {
            functions.push(Deployed {
                function: &functions::EXPORT_EVENTS,
                arn: format!(
                    "{prefix}:function:{}-{}",
                    machine.name,
                    functions::EXPORT_EVENTS.binary
                ),
                role: None,
                env: None,
            });
        }
        for deployed in &mut functions {
            match lambda
                .get_function_configuration()
                .function_name(&deployed.arn)
                .send()
                .await
            {
                Ok(out) => {
                    deployed.role = out.role().map(str::to_owned);
                    deployed.env = Some(
                        out.environment()
                            .and_then(|e| e.variables())
                            .map(|v| v.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                            .unwrap_or_default(),
                    );
                }
                Err(e) => checks.push(
                    Check::fail(
                        format!("function {}", deployed.function.binary),
                        format!(
                            "cannot read the function's configuration ({})",
                            CliError::aws("GetFunctionConfiguration", &e)
                        ),
                        &deployed.arn,
                        "deploy the function (terraform apply) or check the definition's ARN",
                    )
                    .permission("lambda:GetFunctionConfiguration"),
                ),
            }
        }
        checks.insert(
            0,
            Check::ok(
                "state-machine",
                format!(
                    "deployed, calls {}",
                    functions
                        .iter()
                        .map(|d| d.function.binary)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
            .on(&machine.arn),
        );
        Ok((
            Self {
                machine: machine.clone(),
                partition: part(1),
                region: part(3),
                account: part(4),
                definition,
                functions,
                config: config.clone(),
            },
            checks,
        ))
    }

    /// The deployed function built as `binary`.
    pub(crate) fn function(&self, binary: &str) -> Option<&Deployed> {
        self.functions.iter().find(|d| d.function.binary == binary)
    }

    /// The value of `var` in `binary`'s environment (set and non-empty).
    pub(crate) fn env_of(&self, binary: &str, var: &str) -> Option<&str> {
        self.function(binary)
            .and_then(|d| d.env.as_ref())
            .and_then(|env| env.get(var))
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// The value of `var` in the first function that sets it.
    pub(crate) fn env(&self, var: &str) -> Option<&str> {
        self.functions
            .iter()
            .find_map(|d| self.env_of(d.function.binary, var))
    }

    /// Copy delivery (`delivery = "copy"`).
    pub(crate) fn copy_delivery(&self) -> bool {
        self.config.delivery == Delivery::Copy
    }

    /// The crawler catalogs the exports (`catalog = "crawler"`).
    pub(crate) fn crawler(&self) -> bool {
        self.config.catalog == Catalog::Crawler
    }

    /// The export events wake the executions (`[export] events = true`).
    pub(crate) fn events_mode(&self) -> bool {
        self.config.export.events
    }

    /// The account of an ARN (`arn:aws:iam::210987654321:role/x` → `210987654321`).
    pub(crate) fn account_of(arn: &str) -> Option<&str> {
        arn.split(':').nth(4).filter(|a| !a.is_empty())
    }
}

/// Every Task state in the definition (nested ones too) with the Lambda function it calls:
/// its Resource, or `Parameters.FunctionName` of a callback Task.
pub(crate) fn task_functions(machine: &Value, found: &mut Vec<(String, String)>) {
    let Some(Value::Object(states)) = machine.get("States") else {
        return;
    };
    for (name, state) in states {
        let resource = state.get("Resource").and_then(Value::as_str);
        let arn = if resource == Some(CALLBACK_RESOURCE) {
            state
                .pointer("/Parameters/FunctionName")
                .and_then(Value::as_str)
        } else {
            resource
        };
        if state.get("Type").and_then(Value::as_str) == Some("Task")
            && let Some(arn) = arn
        {
            found.push((name.clone(), arn.to_owned()));
        }
        task_functions_nested(state, found);
    }
}

/// The machines nested in one state (a Map's ItemProcessor/Iterator, a Parallel's
/// Branches).
fn task_functions_nested(state: &Value, found: &mut Vec<(String, String)>) {
    for key in ["ItemProcessor", "Iterator"] {
        if let Some(inner) = state.get(key) {
            task_functions(inner, found);
        }
    }
    if let Some(Value::Array(branches)) = state.get("Branches") {
        branches.iter().for_each(|b| task_functions(b, found));
    }
}

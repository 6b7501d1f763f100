//! `preflight`: checks a deployed stack before any snapshot, as the pipeline's roles act.
//!
//! The input is what `terraform apply` prints: the state machine ARN. From it preflight
//! reads the deployed definition, the functions it calls (and export-events, named like
//! them), each function's configuration (its role and environment: the prod role, the
//! external id, the bucket, the prefix, the key, the export role, the Glue database, the
//! bus, the waits table), and derives the names the modules give everything else from the
//! state machine's name (the module's `name`: the bus, the rules). Where the pipeline
//! acts (assuming the prod role, describing the export key) preflight assumes the
//! function's own role first, then the prod role with the external id; configuration the
//! pipeline never reads (trust and key policies, rules) is read with the operator's
//! credentials (`--prod-profile` for the prod account's).
//!
//! - `stack`: finding the deployed pieces.
//! - `definition`: the deployed definition against the rendered one.
//! - `environment`: every function's required variables.
//! - `identity`: the prod role (external id, trust) and the export role.
//! - `key`: the export key.
//! - `bucket`: ownership, bucket policy, the staging bucket.
//! - `catalog`: the Glue database and crawler.
//! - `events`: the rules, their patterns, the bus policy, the notification bus.
//! - `forwarding`: prod's forwarding rules.
//! - `waits`: the export-waits table.
//! - `sources`: the sources table (many prod accounts); its sources' values laid over the
//!   stack, so the per-account checks run once per source.
//! - `snapshot`: the `--snapshot` dry run.
//! - `policy`: reading IAM policy documents.
//! - `report`: the lines and the JSON.

mod bucket;
mod catalog;
mod definition;
mod environment;
mod events;
mod forwarding;
mod identity;
mod key;
mod policy;
mod report;
mod snapshot;
mod sources;
mod stack;
mod waits;

use std::path::PathBuf;

use aws_config::SdkConfig;
use clap::Args;

use crate::args::{GlobalOptions, StateMachineArg};
use crate::error::CliError;
use crate::output::print;
pub(crate) use report::{Check, PreflightReport};
use stack::Stack;

/// `preflight`.
#[derive(Debug, Args)]
pub struct PreflightArgs {
    /// The state machine (`terraform output -raw state_machine_arn`).
    #[command(flatten)]
    pub machine: StateMachineArg,
    /// The PipelineConfig TOML the deployed definition was rendered from; the defaults
    /// when omitted.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// An AWS profile of the prod account, to read what only prod can read (the prod
    /// roles' trust and policies, the export key's policy, the staging bucket). Without
    /// it those are read as the prod role the pipeline assumes, which may not be allowed.
    #[arg(long, value_name = "PROFILE")]
    pub prod_profile: Option<String>,
    /// Also dry-run one snapshot: Normalize's parsing and lookup, StartExport's checks,
    /// stopping before StartExportTask.
    #[arg(long, value_name = "ARN")]
    pub snapshot: Option<String>,
}

/// Runs every check and prints the report; fails when a check failed.
pub(crate) async fn run(global: &GlobalOptions, args: &PreflightArgs) -> Result<(), CliError> {
    let config = crate::commands::render::load_config(args.config.as_deref())?;
    let base = crate::aws::sdk_config(global).await?;
    let prod_reader = match &args.prod_profile {
        Some(profile) => {
            let prod = GlobalOptions {
                profile: Some(profile.clone()),
                ..global.clone()
            };
            Some(crate::aws::sdk_config(&prod).await?)
        }
        None => None,
    };
    let report = check_all(
        &base,
        prod_reader.as_ref(),
        &args.machine.state_machine_arn,
        &config,
        args.snapshot.as_deref(),
    )
    .await?;
    print(&report, global.json)
}

/// Every check of the stack behind `machine_arn`.
pub(crate) async fn check_all(
    base: &SdkConfig,
    prod_reader: Option<&SdkConfig>,
    machine_arn: &str,
    config: &state_machine::PipelineConfig,
    snapshot: Option<&str>,
) -> Result<PreflightReport, CliError> {
    let machine = crate::names::StateMachineArn::parse(machine_arn)?;
    let mut checks = Vec::new();
    let stack = match Stack::discover(base, &machine, config).await {
        Ok((stack, found)) => {
            checks.extend(found);
            stack
        }
        Err(check) => {
            checks.push(*check);
            return Ok(PreflightReport::new(machine_arn, checks));
        }
    };
    checks.push(definition::check(&stack, config));
    checks.extend(environment::check(&stack));
    checks.push(waits::check(&aws_sdk_dynamodb::Client::new(base), &stack).await);

    let s3 = aws_sdk_s3::Client::new(base);
    checks.push(bucket::check_ownership(&s3, &stack).await);
    // The --snapshot dry run acts as its account's source (the first without a match).
    let mut for_snapshot: Option<(Option<SdkConfig>, Stack)> = None;
    let snapshot_account = snapshot.and_then(|arn| arn.split(':').nth(4));
    match sources::table(&stack) {
        // Many prod accounts: the per-account checks once per source, with its values.
        Some(table) => {
            let dynamodb = aws_sdk_dynamodb::Client::new(base);
            let (found, check) = sources::load(&dynamodb, &stack, table).await;
            checks.push(check);
            for source in &found {
                let overlaid = sources::overlay(&stack, source);
                // --prod-profile is one account's: only for the source in that account.
                let reader = prod_reader.filter(|_| found.len() == 1);
                let (prod, per_source) = per_account(base, reader, &s3, &overlaid).await;
                let label = source.label();
                checks.extend(per_source.into_iter().map(|c| c.for_source(&label)));
                if for_snapshot.is_none() || snapshot_account == Some(source.account.as_str()) {
                    for_snapshot = Some((prod, overlaid));
                }
            }
        }
        None => {
            let (prod, per_source) = per_account(base, prod_reader, &s3, &stack).await;
            checks.extend(per_source);
            for_snapshot = Some((prod, stack.clone()));
        }
    }

    let glue = aws_sdk_glue::Client::new(base);
    checks.push(catalog::check_database(&glue, &stack).await);
    checks.push(catalog::check_crawler(&glue, &stack).await);

    let events = aws_sdk_eventbridge::Client::new(base);
    checks.extend(events::check(&events, &stack).await);
    if let Some(arn) = snapshot {
        let (prod, acting) = for_snapshot.unwrap_or((None, stack.clone()));
        checks.extend(snapshot::check(prod.as_ref(), &acting, arn).await);
    }
    Ok(PreflightReport::new(machine_arn, checks))
}

/// The checks of one prod account, acting as the pipeline (the function's role, then the
/// prod role): trust, export role, key, bucket policy, staging bucket, prod's forwarding
/// rules. Returns the prod session (for `--snapshot`) with the checks.
async fn per_account(
    base: &SdkConfig,
    prod_reader: Option<&SdkConfig>,
    s3: &aws_sdk_s3::Client,
    stack: &Stack,
) -> (Option<SdkConfig>, Vec<Check>) {
    let sessions = identity::Sessions::open(base, stack).await;
    let mut checks = sessions.checks.clone();
    let prod_reader = prod_reader.or(sessions.prod.as_ref());
    checks.extend(identity::check_trust(prod_reader, sessions.function.as_ref(), stack).await);
    checks.push(identity::check_export_role(prod_reader, stack).await);
    checks.extend(key::check(sessions.prod.as_ref(), prod_reader, stack).await);
    checks.push(bucket::check_policy(s3, stack).await);
    checks.push(bucket::check_staging(prod_reader.map(aws_sdk_s3::Client::new), stack).await);
    checks.extend(forwarding::check(prod_reader, stack).await);
    (sessions.prod, checks)
}

#[cfg(test)]
mod tests;

//! The AWS clients, built once from the standard environment (as the aws CLI does) with
//! the `--region`, `--profile` and `--endpoint-url` overrides on top.

use aws_config::{BehaviorVersion, Region};
use aws_smithy_types::DateTime;
use aws_smithy_types::date_time::Format;

use crate::args::GlobalOptions;
use crate::error::CliError;

/// The service clients the commands use. Tests build one from mocked clients.
#[derive(Debug, Clone)]
pub(crate) struct Clients {
    /// Step Functions.
    pub(crate) sfn: aws_sdk_sfn::Client,
    /// RDS (DescribeExportTasks).
    pub(crate) rds: aws_sdk_rds::Client,
    /// EventBridge (PutEvents).
    pub(crate) events: aws_sdk_eventbridge::Client,
    /// Glue (GetCrawler).
    pub(crate) glue: aws_sdk_glue::Client,
    /// S3 (the verification report).
    pub(crate) s3: aws_sdk_s3::Client,
    /// DynamoDB (the export-slots table).
    pub(crate) dynamodb: aws_sdk_dynamodb::Client,
}

impl Clients {
    /// Loads the shared configuration and builds every client; fails without a Region.
    pub(crate) async fn from_env(options: &GlobalOptions) -> Result<Self, CliError> {
        let config = sdk_config(options).await?;
        Ok(Self {
            sfn: aws_sdk_sfn::Client::new(&config),
            rds: aws_sdk_rds::Client::new(&config),
            events: aws_sdk_eventbridge::Client::new(&config),
            glue: aws_sdk_glue::Client::new(&config),
            s3: aws_sdk_s3::Client::new(&config),
            dynamodb: aws_sdk_dynamodb::Client::new(&config),
        })
    }
}

/// The shared configuration from the environment and the global options; fails without a
/// Region.
pub(crate) async fn sdk_config(options: &GlobalOptions) -> Result<aws_config::SdkConfig, CliError> {
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if let Some(region) = &options.region {
        loader = loader.region(Region::new(region.clone()));
    }
    if let Some(profile) = &options.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(url) = &options.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    let config = loader.load().await;
    if config.region().is_none() {
        return Err(CliError::MissingRegion);
    }
    Ok(config)
}

/// Seconds since the Unix epoch, now.
pub(crate) fn now_epoch() -> i64 {
    DateTime::from(std::time::SystemTime::now()).secs()
}

/// RFC 3339 in UTC to the second (`2026-11-24T03:10:00Z`).
pub(crate) fn format_time(time: &DateTime) -> String {
    let whole = DateTime::from_secs(time.secs());
    whole
        .fmt(Format::DateTime)
        .unwrap_or_else(|_| time.secs().to_string())
}

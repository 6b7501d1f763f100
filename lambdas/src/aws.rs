//! AWS clients, built once per cold start, and the prod-account role.
//!
//! Without `PROD_ROLE_ARN` every call uses the function's own credentials (single-account
//! set-ups). With it, calls on prod resources (RDS snapshots and exports, listing and
//! rewriting the objects prod wrote) go through `sts:AssumeRole` with a session name that
//! carries the export id, so CloudTrail in prod ties every call to one export. The clients
//! of one session are kept while the function is warm; their identity cache refreshes the
//! assumed credentials before they expire.
//!
//! With a sources table (many prod accounts, [`crate::sources`]) the role is the source's:
//! [`Aws::source_of`] resolves the snapshot's source and [`Aws::prod_for`] /
//! [`Aws::copier_for`] give that source's clients, in the snapshot's region. Sessions are
//! cached by role, region and export id, so two accounts never share credentials.

use std::collections::HashMap;
use std::sync::Arc;

use aws_config::{BehaviorVersion, SdkConfig};
use aws_credential_types::provider::SharedCredentialsProvider;
use tokio::sync::Mutex;

use aws_config::Region;

use crate::config::ProdRole;
use crate::error::TaskError;
use crate::sources::{Source, Sources, SourcesConfig};

/// Longest session name STS accepts.
const SESSION_NAME_MAX_LEN: usize = 64;
/// Session clients kept while warm; a warm function rarely sees more than a few exports.
const SESSION_CACHE_MAX: usize = 32;

/// Clients for calls on prod resources.
#[derive(Debug, Clone)]
pub struct ProdClients {
    /// RDS (DescribeDBSnapshots, StartExportTask, DescribeExportTasks).
    pub rds: aws_sdk_rds::Client,
    /// S3 (ListObjectsV2, PutObjectAcl on the objects prod wrote).
    pub s3: aws_sdk_s3::Client,
}

impl ProdClients {
    fn new(sdk: &SdkConfig) -> Self {
        Self {
            rds: aws_sdk_rds::Client::new(sdk),
            s3: s3_client(sdk),
        }
    }
}

/// An S3 client; path-style addressing when an endpoint URL is set (local emulators
/// answer on `localhost:<port>`, where virtual-host style cannot resolve).
pub fn s3_client(sdk: &SdkConfig) -> aws_sdk_s3::Client {
    let conf = aws_sdk_s3::config::Builder::from(sdk)
        .force_path_style(sdk.endpoint_url().is_some())
        .build();
    aws_sdk_s3::Client::from_conf(conf)
}

/// The function's AWS clients.
#[derive(Debug)]
pub struct Aws {
    sdk: SdkConfig,
    prod_role: Option<ProdRole>,
    own_prod: ProdClients,
    sessions: Mutex<HashMap<String, Arc<ProdClients>>>,
    sources: Sources,
    copier_role: Option<ProdRole>,
    copier_sessions: Mutex<HashMap<String, aws_sdk_s3::Client>>,
    /// S3 with the function's own credentials (GetBucketOwnershipControls).
    pub s3: aws_sdk_s3::Client,
    /// Glue (StartCrawler, GetCrawler).
    pub glue: aws_sdk_glue::Client,
    /// EventBridge (PutEvents).
    pub events: aws_sdk_eventbridge::Client,
    /// Step Functions (GetExecutionHistory of a failed execution).
    pub sfn: aws_sdk_sfn::Client,
}

impl Aws {
    /// Loads the SDK configuration from the environment (honours `AWS_ENDPOINT_URL`,
    /// `AWS_REGION` and the standard credential chain).
    pub async fn load(prod_role: Option<ProdRole>) -> Self {
        let sdk = aws_config::defaults(BehaviorVersion::latest()).load().await;
        Self::from_sdk_config(sdk, prod_role)
    }

    /// Clients over a given SDK configuration.
    pub fn from_sdk_config(sdk: SdkConfig, prod_role: Option<ProdRole>) -> Self {
        Self {
            own_prod: ProdClients::new(&sdk),
            s3: s3_client(&sdk),
            glue: aws_sdk_glue::Client::new(&sdk),
            events: aws_sdk_eventbridge::Client::new(&sdk),
            sfn: aws_sdk_sfn::Client::new(&sdk),
            sessions: Mutex::new(HashMap::new()),
            prod_role,
            sources: Sources::single(),
            copier_role: None,
            copier_sessions: Mutex::new(HashMap::new()),
            sdk,
        }
    }

    /// The same clients, with the prod copier role CopyObjects assumes (copy delivery).
    #[must_use]
    pub fn with_copier_role(mut self, copier_role: Option<ProdRole>) -> Self {
        self.copier_role = copier_role;
        self
    }

    /// The same clients, resolving sources from `SOURCES_TABLE` when it is set.
    #[must_use]
    pub fn with_sources(mut self, cfg: &SourcesConfig) -> Self {
        self.sources = Sources::new(cfg, &self.sdk);
        self
    }

    /// The same clients over given sources (tests).
    #[must_use]
    pub fn with_sources_of(mut self, sources: Sources) -> Self {
        self.sources = sources;
        self
    }

    /// The function's sources.
    pub fn sources(&self) -> &Sources {
        &self.sources
    }

    /// The one place every handler resolves a snapshot's source: its account and region
    /// from the ARN, the source from the sources table (cached), or the implicit single
    /// source without one.
    pub async fn source_of(&self, snapshot_arn: &str) -> Result<Source, TaskError> {
        self.sources.for_arn(snapshot_arn).await
    }

    /// S3 for the copy of export `export_id`: the assumed copier role (reads the staging
    /// bucket, writes the analytics bucket) with a session named after the export, or the
    /// function's own credentials without one.
    pub async fn copier(&self, export_id: &str) -> aws_sdk_s3::Client {
        self.copier_as(self.copier_role.as_ref(), export_id).await
    }

    /// [`Aws::copier`] for `source`: its `copier_role_arn`, else `COPIER_ROLE_ARN`.
    pub async fn copier_for(&self, source: &Source, export_id: &str) -> aws_sdk_s3::Client {
        let role = source
            .settings
            .as_ref()
            .and_then(|s| s.copier_role.as_ref())
            .or(self.copier_role.as_ref());
        self.copier_as(role, export_id).await
    }

    async fn copier_as(&self, role: Option<&ProdRole>, export_id: &str) -> aws_sdk_s3::Client {
        let Some(role) = role else {
            return self.s3.clone();
        };
        let name = session_name(export_id);
        let key = session_key(role, None, &name);
        let mut sessions = self.copier_sessions.lock().await;
        if let Some(client) = sessions.get(&key) {
            return client.clone();
        }
        let client = s3_client(&self.assumed(role, None, &name).await);
        if sessions.len() >= SESSION_CACHE_MAX {
            sessions.clear();
        }
        sessions.insert(key, client.clone());
        client
    }

    /// The SDK configuration with `role` assumed (AssumeRoleProvider, external id) under
    /// session name `name`, in `region` when given (else the function's).
    async fn assumed(&self, role: &ProdRole, region: Option<&str>, name: &str) -> SdkConfig {
        let mut sdk = self.sdk.to_builder();
        if let Some(region) = region {
            sdk.set_region(Some(Region::new(region.to_owned())));
        }
        let base = sdk.build();
        let mut builder = aws_config::sts::AssumeRoleProvider::builder(&role.role_arn)
            .session_name(name)
            .configure(&base);
        if let Some(external_id) = &role.external_id {
            builder = builder.external_id(external_id);
        }
        let provider = builder.build().await;
        base.to_builder()
            .credentials_provider(SharedCredentialsProvider::new(provider))
            .build()
    }

    /// Clients for prod resources of export `export_id`: own credentials without a prod
    /// role, else the assumed role with a session named after the export.
    pub async fn prod(&self, export_id: &str) -> Arc<ProdClients> {
        self.prod_as(self.prod_role.as_ref(), None, export_id).await
    }

    /// [`Aws::prod`] for `source`: its role, in the snapshot's region (multi-account mode),
    /// else `PROD_ROLE_ARN` as before.
    pub async fn prod_for(&self, source: &Source, export_id: &str) -> Arc<ProdClients> {
        self.prod_as(
            source.prod_role(self.prod_role.as_ref()),
            source.client_region(),
            export_id,
        )
        .await
    }

    async fn prod_as(
        &self,
        role: Option<&ProdRole>,
        region: Option<&str>,
        export_id: &str,
    ) -> Arc<ProdClients> {
        let Some(role) = role else {
            return Arc::new(self.own_prod.clone());
        };
        let name = session_name(export_id);
        let key = session_key(role, region, &name);
        let mut sessions = self.sessions.lock().await;
        if let Some(clients) = sessions.get(&key) {
            return Arc::clone(clients);
        }
        let clients = Arc::new(ProdClients::new(&self.assumed(role, region, &name).await));
        if sessions.len() >= SESSION_CACHE_MAX {
            sessions.clear();
        }
        sessions.insert(key, Arc::clone(&clients));
        clients
    }
}

/// A session's cache key: role, region and session name, so two accounts (or regions)
/// never share one export id's clients.
pub(crate) fn session_key(role: &ProdRole, region: Option<&str>, name: &str) -> String {
    format!("{}|{}|{name}", role.role_arn, region.unwrap_or_default())
}

/// `snapshot-export-<export id>`, cut to STS's 64 characters of `[\w+=,.@-]`.
pub(crate) fn session_name(export_id: &str) -> String {
    let mut name: String = format!("snapshot-export-{export_id}")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "_+=,.@-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    name.truncate(SESSION_NAME_MAX_LEN);
    name
}

#[cfg(test)]
mod tests;

//! The Glue catalog: the database catalog-tables writes (catalog = "tables") or the crawler
//! fills (catalog = "crawler"), and the crawler itself over the export prefix.

use contract::functions::{CATALOG_TABLES, START_CRAWLER};
use state_machine::Catalog;

use super::Check;
use super::bucket::{destination, prefix};
use super::stack::Stack;
use crate::error::CliError;

/// The Glue database exists.
pub(crate) async fn check_database(glue: &aws_sdk_glue::Client, stack: &Stack) -> Check {
    const NAME: &str = "glue-database";
    let database = match stack.config.catalog {
        Catalog::None => return Check::skip(NAME, "catalog = \"none\""),
        Catalog::Tables => stack
            .env_of(CATALOG_TABLES.binary, "GLUE_DATABASE")
            .map(str::to_owned),
        Catalog::Crawler => match crawler_name(stack) {
            Some(name) => glue
                .get_crawler()
                .name(name)
                .send()
                .await
                .ok()
                .and_then(|o| {
                    o.crawler()
                        .and_then(|c| c.database_name().map(str::to_owned))
                }),
            None => None,
        },
    };
    let Some(database) = database else {
        return Check::skip(
            NAME,
            "no database named (see function-env and glue-crawler)",
        );
    };
    match glue.get_database().name(&database).send().await {
        Ok(_) => Check::ok(NAME, "exists").on(&database),
        Err(e) => Check::fail(
            NAME,
            format!(
                "the Glue database is not there ({})",
                CliError::aws("GetDatabase", &e)
            ),
            &database,
            "terraform apply the analytics module (aws_glue_catalog_database), or fix GLUE_DATABASE",
        )
        .permission("glue:GetDatabase"),
    }
}

/// The crawler start-crawler starts.
fn crawler_name(stack: &Stack) -> Option<&str> {
    stack.env_of(START_CRAWLER.binary, "CRAWLER_NAME")
}

/// catalog = "crawler": the crawler exists and crawls the export prefix.
pub(crate) async fn check_crawler(glue: &aws_sdk_glue::Client, stack: &Stack) -> Check {
    const NAME: &str = "glue-crawler";
    if !stack.crawler() {
        return Check::skip(NAME, "no crawler with this catalog setting");
    }
    let Some(name) = crawler_name(stack) else {
        return Check::skip(NAME, "start-crawler has no CRAWLER_NAME (see function-env)");
    };
    let fix =
        "terraform apply the analytics module with catalog = \"crawler\", or fix CRAWLER_NAME";
    let crawler = match glue.get_crawler().name(name).send().await {
        Ok(out) => out.crawler().cloned(),
        Err(e) => {
            return Check::fail(
                NAME,
                format!(
                    "the crawler is not there ({})",
                    CliError::aws("GetCrawler", &e)
                ),
                name,
                fix,
            )
            .permission("glue:GetCrawler");
        }
    };
    let Some((bucket, _)) = destination(stack) else {
        return Check::ok(NAME, "exists").on(name);
    };
    let prefix = prefix(stack);
    let wanted = format!("s3://{bucket}/{prefix}");
    let paths: Vec<String> = crawler
        .as_ref()
        .and_then(|c| c.targets())
        .map(|t| {
            t.s3_targets()
                .iter()
                .filter_map(|s| s.path().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    if paths
        .iter()
        .any(|p| p.trim_end_matches('/') == wanted.trim_end_matches('/'))
    {
        Check::ok(NAME, format!("exists and crawls {wanted}/")).on(name)
    } else {
        Check::fail(
            NAME,
            format!(
                "the crawler does not crawl {wanted}/ (its S3 targets: {})",
                if paths.is_empty() {
                    "none".to_owned()
                } else {
                    paths.join(", ")
                }
            ),
            name,
            fix,
        )
        .permission("crawler S3 target")
    }
}

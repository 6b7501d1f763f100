//! The resumable listing of one export prefix, shared by the ACL rewrite ([`crate::acl`])
//! and the copy ([`crate::copy`]): both walk every object under `<prefix>/<export-id>/`
//! across Lambda invocations.
//!
//! ListObjectsV2 page by page: the first page starts after the last key an earlier call
//! finished (`start_after`), the next ones follow the continuation token. Every listed key
//! is checked to start with the prefix before the caller sees it, so nothing outside the
//! export prefix is ever touched. Between pages the listing stops once the deadline has
//! passed, when the caller says it has made progress (each call must make some, or the
//! graph's loop would never end).

use std::time::Instant;

use aws_sdk_s3::operation::list_objects_v2::ListObjectsV2Error;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;

use crate::error::TaskError;

/// A ListObjectsV2 failure, as the caller names it (which permission, which credentials).
pub(crate) type ListError = SdkError<ListObjectsV2Error, HttpResponse>;

/// One listed object under the prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ListedObject {
    /// Its key (starts with the prefix).
    pub(crate) key: String,
    /// Its ETag as listed (quoted).
    pub(crate) e_tag: Option<String>,
    /// Its size in bytes.
    pub(crate) size: Option<i64>,
}

/// What [`PrefixListing::next_page`] found.
#[derive(Debug)]
pub(crate) enum Page {
    /// The next page's objects (possibly none).
    Objects(Vec<ListedObject>),
    /// The deadline has passed: no page listed.
    Stopped,
    /// Every page has been listed.
    Exhausted,
}

/// The objects under `prefix` in `bucket` after `start_after`, page by page.
pub(crate) struct PrefixListing<'a, E> {
    s3: &'a aws_sdk_s3::Client,
    bucket: &'a str,
    prefix: &'a str,
    start_after: Option<String>,
    continuation: Option<String>,
    exhausted: bool,
    deadline: Option<Instant>,
    list_error: E,
}

impl<'a, E: Fn(&ListError) -> TaskError> PrefixListing<'a, E> {
    /// The listing of `prefix` (non-empty, ending with `/`) after `start_after`; `deadline`
    /// is when to stop listing new pages; `list_error` names a failed ListObjectsV2.
    pub(crate) fn new(
        s3: &'a aws_sdk_s3::Client,
        bucket: &'a str,
        prefix: &'a str,
        start_after: Option<String>,
        deadline: Option<Instant>,
        list_error: E,
    ) -> Self {
        Self {
            s3,
            bucket,
            prefix,
            start_after,
            continuation: None,
            exhausted: false,
            deadline,
            list_error,
        }
    }

    /// True once the deadline has passed.
    pub(crate) fn past_deadline(&self) -> bool {
        self.deadline.is_some_and(|d| Instant::now() >= d)
    }

    /// The next page, [`Page::Exhausted`] after the last one, or [`Page::Stopped`] when
    /// `progress_made` and the deadline has passed.
    ///
    /// Errors: `list_error`'s for a failed request; `AwsError` (`KeyOutsidePrefix`) if S3
    /// ever lists a key outside the prefix.
    pub(crate) async fn next_page(&mut self, progress_made: bool) -> Result<Page, TaskError> {
        if self.exhausted {
            return Ok(Page::Exhausted);
        }
        if progress_made && self.past_deadline() {
            return Ok(Page::Stopped);
        }
        // StartAfter applies to the first request only: a continuation token carries on
        // from where that listing left off.
        let start_after = if self.continuation.is_none() {
            self.start_after.clone()
        } else {
            None
        };
        let page = self
            .s3
            .list_objects_v2()
            .bucket(self.bucket)
            .prefix(self.prefix)
            .set_start_after(start_after)
            .set_continuation_token(self.continuation.take())
            .send()
            .await
            .map_err(|e| (self.list_error)(&e))?;
        let mut objects = Vec::with_capacity(page.contents().len());
        for object in page.contents() {
            let Some(key) = object.key() else { continue };
            if !key.starts_with(self.prefix) {
                // S3 never lists such a key for this prefix; refuse rather than touch it.
                return Err(TaskError::Aws {
                    operation: "s3:ListObjectsV2".into(),
                    code: "KeyOutsidePrefix".into(),
                    message: format!(
                        "listing s3://{}/{} returned {key:?}; nothing outside the prefix is touched",
                        self.bucket, self.prefix
                    ),
                });
            }
            objects.push(ListedObject {
                key: key.to_owned(),
                e_tag: object.e_tag().map(str::to_owned),
                size: object.size(),
            });
        }
        match page.next_continuation_token() {
            Some(token) if page.is_truncated() == Some(true) => {
                self.continuation = Some(token.to_owned());
            }
            _ => self.exhausted = true,
        }
        Ok(Page::Objects(objects))
    }
}

#[cfg(test)]
mod tests;

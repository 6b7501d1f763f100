//! The `EventID` of an RDS event, in either form RDS has sent it: `RDS-EVENT-0091`, or a
//! documentation URL ending in `#RDS-EVENT-0091`. Normalize (snapshot created) and
//! export-events (export finished) read it the same way through this one reader.

/// The prefix every RDS event id starts with.
const PREFIX: &str = "RDS-EVENT-";

/// The event id in its short form (`RDS-EVENT-0091`), or None when `raw` holds none.
pub(crate) fn event_id(raw: &str) -> Option<&str> {
    let id = &raw[raw.rfind(PREFIX)?..];
    let number = &id[PREFIX.len()..];
    (!number.is_empty() && number.bytes().all(|b| b.is_ascii_digit())).then_some(id)
}

/// The number of a short-form event id (`0091` of `RDS-EVENT-0091`).
pub(crate) fn number(event_id: &str) -> &str {
    event_id.strip_prefix(PREFIX).unwrap_or(event_id)
}

#[cfg(test)]
mod tests;

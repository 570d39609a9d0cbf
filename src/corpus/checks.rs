//! What the data holds besides the fields training reads: every other field's distinct
//! values, so that training can say which fields it ignored, warn when one of them looks
//! like a grouping (an outlet, author or URL host shared by many documents) that
//! cross-validation should respect, and name the fields that could have been the label.

use std::collections::BTreeMap;

use rustc_hash::FxHashSet;
use xxhash_rust::xxh3::xxh3_64;

use super::Record;

/// Distinct values counted per field at most; past it a field is "many-valued".
const DISTINCT_CAP: usize = 100_000;

/// A field that training did not read, summarised over all records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldSummary {
    /// The field's name.
    pub name: String,
    /// Records that have it (not null).
    pub present: usize,
    /// Distinct values among them (URLs counted by host), capped at 100,000.
    pub distinct: usize,
}

impl FieldSummary {
    /// Whether the field looks like a grouping of the documents: present in at least 90% of
    /// `records`, with at least two distinct values, each shared by five documents or more
    /// on average (an outlet, an author, an event, a URL host) — not an identifier, and
    /// not a constant.
    pub fn looks_like_group(&self, records: usize) -> bool {
        self.present * 10 >= records * 9 && self.distinct >= 2 && self.distinct * 5 <= self.present
    }
}

/// Counts the distinct values of every field of the records as they are read.
#[derive(Debug, Default)]
pub(super) struct FieldCensus {
    fields: BTreeMap<String, (usize, FxHashSet<u64>)>,
}

impl FieldCensus {
    /// Adds the fields left in `record` after training's own fields were taken out.
    pub(super) fn add(&mut self, record: &Record) {
        for (name, value) in record {
            if value.is_null() {
                continue;
            }
            let (present, values) = self.fields.entry(name.clone()).or_default();
            *present += 1;
            if values.len() < DISTINCT_CAP {
                values.insert(value_key(value));
            }
        }
    }

    /// The summaries, by field name.
    pub(super) fn finish(self) -> Vec<FieldSummary> {
        self.fields
            .into_iter()
            .map(|(name, (present, values))| FieldSummary {
                name,
                present,
                distinct: values.len(),
            })
            .collect()
    }
}

/// A hash of the value that groups it: a URL by its host, a string as it is, anything else
/// by its JSON text.
pub(super) fn value_key(value: &serde_json::Value) -> u64 {
    match value {
        serde_json::Value::String(s) => xxh3_64(url_host(s).unwrap_or(s).as_bytes()),
        other => xxh3_64(other.to_string().as_bytes()),
    }
}

/// The host of an `http://` or `https://` URL (documents from one site share it).
pub(super) fn url_host(value: &str) -> Option<&str> {
    let rest = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"))?;
    let host = rest.split(['/', '?', '#']).next()?;
    let host = host.rsplit('@').next()?;
    let host = host.split(':').next()?;
    (!host.is_empty()).then(|| host.strip_prefix("www.").unwrap_or(host))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_group_by_host() {
        assert_eq!(
            url_host("https://www.bbc.co.uk/news/1?x"),
            Some("bbc.co.uk")
        );
        assert_eq!(
            url_host("http://user@example.org:8080/a"),
            Some("example.org")
        );
        assert_eq!(url_host("bbc"), None);
        assert_eq!(
            value_key(&"https://a.com/1".into()),
            value_key(&"https://a.com/2".into())
        );
    }

    #[test]
    fn a_group_field_repeats_values_an_identifier_does_not() {
        let mut census = FieldCensus::default();
        for i in 0..100 {
            let record: Record = serde_json::from_str(&format!(
                r#"{{"source": "outlet{}", "url": "https://site{}.com/{i}", "uid": {i}, "note": null}}"#,
                i % 4,
                i % 3
            ))
            .expect("record");
            census.add(&record);
        }
        let fields = census.finish();
        let by_name = |n: &str| fields.iter().find(|f| f.name == n).expect(n);
        assert_eq!(by_name("source").distinct, 4);
        assert_eq!(by_name("url").distinct, 3);
        assert!(by_name("source").looks_like_group(100));
        assert!(by_name("url").looks_like_group(100));
        assert!(!by_name("uid").looks_like_group(100));
        assert!(fields.iter().all(|f| f.name != "note"));
    }
}

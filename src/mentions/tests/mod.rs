//! Tests of the mention finder: each matching rule with its negative cases, on sentences
//! written for them (`rules`); the alias file format and the shipped file (`table`);
//! invariants of every mention over the BBC corpus (`corpus`).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use super::*;

mod corpus;
mod rules;
mod table;

/// The shipped alias table, loaded once.
pub(super) fn shipped() -> &'static AliasTable {
    static TABLE: OnceLock<AliasTable> = OnceLock::new();
    TABLE.get_or_init(|| AliasTable::load(&shipped_path()).expect("models/aliases.jsonl loads"))
}

pub(super) fn shipped_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("models/aliases.jsonl")
}

/// The mentions of `target` in `text`, as the text they cover and their kind.
pub(super) fn found<'a>(target: &str, text: &'a str) -> Vec<(&'a str, MentionKind)> {
    MentionFinder::new(target, shipped())
        .find(text)
        .into_iter()
        .map(|m| (&text[m.start..m.end], m.kind))
        .collect()
}

/// The text of `target`'s mentions in `text`.
pub(super) fn spans<'a>(target: &str, text: &'a str) -> Vec<&'a str> {
    found(target, text).into_iter().map(|(s, _)| s).collect()
}

pub(super) fn table(lines: &str) -> Result<AliasTable, AliasError> {
    AliasTable::from_reader(lines.as_bytes(), Path::new("test.jsonl"))
}

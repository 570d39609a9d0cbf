//! Corpus document frequencies for TF-IDF weighting.
//!
//! A single article is too short to tell which of its words are rare in news generally, so the
//! summarizer weighs terms with document frequencies counted once over a real corpus (the BBC
//! training split) and shipped as a model file. Terms seen in only one document are dropped to
//! keep the table small; they, and words never seen, get the smoothed maximum IDF.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::terms::for_each_term;
use rustc_hash::FxHashMap;

/// Terms whose document frequency is below this are not stored.
const MIN_DF: u32 = 2;

/// Document-frequency statistics from a real corpus.
///
/// Serialized as a term list sorted by term, so the same corpus always gives the same bytes.
#[derive(Serialize, Deserialize, Clone, Debug)]
#[serde(from = "IdfRepr", into = "IdfRepr")]
pub struct IdfTable {
    documents: u32,
    df: FxHashMap<String, u32>,
}

/// The stored form of an [`IdfTable`].
#[derive(Serialize, Deserialize)]
struct IdfRepr {
    documents: u32,
    terms: Vec<(String, u32)>,
}

impl From<IdfRepr> for IdfTable {
    fn from(repr: IdfRepr) -> Self {
        Self {
            documents: repr.documents,
            df: repr.terms.into_iter().collect(),
        }
    }
}

impl From<IdfTable> for IdfRepr {
    fn from(table: IdfTable) -> Self {
        let mut terms: Vec<(String, u32)> = table.df.into_iter().collect();
        terms.sort_unstable();
        Self {
            documents: table.documents,
            terms,
        }
    }
}

impl IdfTable {
    /// Counts in how many of `docs` each term occurs (terms as the summarizer tokenizes them).
    pub fn from_documents<'a>(docs: impl IntoIterator<Item = &'a str>) -> Self {
        let mut df: FxHashMap<String, u32> = FxHashMap::default();
        let mut seen: HashSet<String> = HashSet::new();
        let mut buf = String::new();
        let mut documents: u32 = 0;
        for doc in docs {
            documents = documents.saturating_add(1);
            seen.clear();
            for_each_term(doc, &mut buf, |term| {
                if !seen.contains(term) {
                    seen.insert(term.to_owned());
                }
            });
            for term in seen.drain() {
                *df.entry(term).or_insert(0) += 1;
            }
        }
        df.retain(|_, count| *count >= MIN_DF);
        Self { documents, df }
    }

    /// Smoothed inverse document frequency of `term` (already normalized by the tokenizer):
    /// `ln((N + 1) / (df + 1)) + 1`, so an unknown term gets the highest value.
    pub fn idf(&self, term: &str) -> f32 {
        let df = self.df.get(term).copied().unwrap_or(0);
        ((self.documents as f32 + 1.0) / (df as f32 + 1.0)).ln() + 1.0
    }

    /// Number of documents the statistics were counted over.
    pub fn documents(&self) -> usize {
        self.documents as usize
    }

    /// Number of stored terms.
    pub fn len(&self) -> usize {
        self.df.len()
    }

    /// True when no term is stored (for example, built from an empty corpus).
    pub fn is_empty(&self) -> bool {
        self.df.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_documents_and_drops_rare_terms() {
        let docs = [
            "Oil prices rose. Oil fell.",
            "Oil prices fell sharply.",
            "Football news.",
        ];
        let table = IdfTable::from_documents(docs);
        assert_eq!(table.documents(), 3);
        // "oil", "price", "fell" appear in two documents; everything else once.
        assert_eq!(table.len(), 3);
        assert!(table.idf("oil") < table.idf("football"));
        assert_eq!(table.idf("football"), table.idf("never-seen"));
        assert!(table.idf("oil") >= 1.0);
    }

    #[test]
    fn serde_round_trip_is_sorted_and_stable() {
        let table =
            IdfTable::from_documents(["gamma beta alpha beta", "beta gamma alpha", "alpha"]);
        let json = serde_json::to_string(&table).unwrap();
        assert_eq!(
            json,
            r#"{"documents":3,"terms":[["alpha",3],["beta",2],["gamma",2]]}"#
        );
        let back: IdfTable = serde_json::from_str(&json).unwrap();
        assert_eq!(back.idf("beta"), table.idf("beta"));
        assert_eq!(back.documents(), 3);
    }

    #[test]
    fn empty_corpus() {
        let table = IdfTable::from_documents(std::iter::empty());
        assert!(table.is_empty());
        assert_eq!(table.idf("x"), 1.0);
    }
}

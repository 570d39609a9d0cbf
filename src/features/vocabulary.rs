//! The learned vocabulary: which hashed n-gram keys are features, their column and IDF.

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

/// Feature keys kept from the training corpus, their column indices and IDF weights.
///
/// Serialised as two parallel arrays; the key → column index is rebuilt on load, and arrays
/// of different lengths are refused.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "StoredVocabulary", into = "StoredVocabulary")]
pub struct Vocabulary {
    keys: Vec<u64>,
    idf: Vec<f32>,
    index: FxHashMap<u64, u32>,
}

#[derive(Serialize, Deserialize)]
struct StoredVocabulary {
    keys: Vec<u64>,
    idf: Vec<f32>,
}

impl TryFrom<StoredVocabulary> for Vocabulary {
    type Error = String;

    fn try_from(stored: StoredVocabulary) -> Result<Self, Self::Error> {
        let (keys, idf) = (stored.keys.len(), stored.idf.len());
        if keys != idf {
            return Err(format!("vocabulary has {keys} keys but {idf} IDF weights"));
        }
        Ok(Self::new(stored.keys, stored.idf))
    }
}

impl From<Vocabulary> for StoredVocabulary {
    fn from(vocabulary: Vocabulary) -> Self {
        Self {
            keys: vocabulary.keys,
            idf: vocabulary.idf,
        }
    }
}

impl Vocabulary {
    fn new(keys: Vec<u64>, idf: Vec<f32>) -> Self {
        let index = keys
            .iter()
            .enumerate()
            .map(|(column, key)| (*key, column as u32))
            .collect();
        Self { keys, idf, index }
    }

    /// Keeps keys with document frequency `>= min_df` (the `max_features` most frequent if
    /// given) with smoothed IDF `ln((1 + n) / (1 + df)) + 1`; `None` when nothing is kept.
    pub fn from_document_frequencies(
        document_frequency: FxHashMap<u64, u32>,
        documents: usize,
        min_df: u32,
        max_features: Option<usize>,
    ) -> Option<Self> {
        let mut kept: Vec<(u64, u32)> = document_frequency
            .into_iter()
            .filter(|(_, df)| *df >= min_df)
            .collect();
        if let Some(limit) = max_features {
            kept.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            kept.truncate(limit);
        }
        if kept.is_empty() {
            return None;
        }
        kept.sort_unstable();
        let n = documents as f32;
        let idf = kept
            .iter()
            .map(|(_, df)| ((1.0 + n) / (1.0 + *df as f32)).ln() + 1.0)
            .collect();
        Some(Self::new(
            kept.into_iter().map(|(key, _)| key).collect(),
            idf,
        ))
    }

    /// Number of features.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the vocabulary has no feature.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Column of `key`, if it is a feature.
    pub fn column(&self, key: u64) -> Option<u32> {
        self.index.get(&key).copied()
    }

    /// The first IDF weight that is NaN or infinite, as (column, value).
    pub fn first_non_finite_idf(&self) -> Option<(usize, f32)> {
        self.idf
            .iter()
            .copied()
            .enumerate()
            .find(|(_, v)| !v.is_finite())
    }

    /// IDF weight of every column, in column order.
    pub fn idf_weights(&self) -> &[f32] {
        &self.idf
    }
}

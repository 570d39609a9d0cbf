//! Text → sparse feature vectors: word and character n-grams, hashed to 64-bit keys,
//! kept when frequent enough in the training corpus (the vocabulary), weighted by TF-IDF
//! and L2-normalised. Stance models add target-aware copies of every feature so one model
//! learns both target-specific and target-independent weights; claim models read how the
//! text relates to the claim (`relation`), and mention models where the target is mentioned
//! and what surrounds each mention (`mention`).
//!
//! Only the 64-bit key of each n-gram is stored (not its text), which keeps model files
//! small; the text is recovered from the request itself when an explanation is asked for.

pub mod mention;
#[cfg(test)]
mod reference_tests;
mod relation;
mod sort;
mod vocabulary;
mod weighing;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use thiserror::Error;
use xxhash_rust::xxh3::{xxh3_64, xxh3_64_with_seed};

use crate::text::{self, Document};
pub use mention::MentionSettings;
use sort::radix_sort;
pub use vocabulary::Vocabulary;

/// Inclusive range of n-gram lengths.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct NgramRange {
    /// Shortest n-gram.
    pub min: usize,
    /// Longest n-gram.
    pub max: usize,
}

/// How a stance target enters the features.
///
/// Stored in every model file by variant index (see [`FeatureSettings`]): a new variant goes
/// after the last one, never between or before the existing ones.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum TargetFeatures {
    /// The target is ignored.
    Ignore,
    /// Every feature is emitted twice: once shared by all targets and once tied to the
    /// request's target. A target never seen in training only fires the shared copies.
    PerTarget,
    /// The target is an open claim (e.g. a headline): the claim's words and the relation
    /// between claim and text (overlap, similarity, refuting and hedging cues) are features.
    Claim,
    /// The target is named in the text at [`Document::mentions`]: the text's features are
    /// read relative to those mentions (masked mention, context windows, opinion words by
    /// side and distance, quotation, clause and negation scope; see [`mention`]), and the
    /// target's words are features. The title, if any, gets the plain word n-grams.
    Mention(MentionSettings),
}

/// Everything that decides which features a document produces.
///
/// # Stored in every model file
///
/// The settings are part of every classifier file, encoded with postcard, which is not
/// self-describing: struct fields are written in declaration order with no names or tags,
/// and an enum variant as its index followed by its data. So, for this struct,
/// [`NgramRange`] and [`TargetFeatures`]:
///
/// - **A field added, removed, reordered or retyped breaks every shipped model**: the files
///   then fail to decode, or decode into the wrong values. Such a change must bump
///   [`FORMAT_VERSION`](crate::model::FORMAT_VERSION) (files of the old version are then
///   refused by name instead of misread) and retrain the shipped models in the same commit.
/// - **A new enum variant appended after the last one is safe**: existing variants keep
///   their indices, so existing files read as before. A setting that only a new kind of
///   model needs can travel as the data of such a variant instead of as a new field.
///
/// `tests/shipped_models.rs` loads every shipped `models/*.model` with the current code and
/// checks that it validates and encodes back to the same bytes, and
/// `features::tests::the_stored_layout_of_the_settings_is_unchanged` pins the layout.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FeatureSettings {
    /// Word n-gram lengths.
    pub word_ngrams: NgramRange,
    /// Character n-gram lengths inside word boundaries (like scikit-learn's `char_wb`).
    pub char_ngrams: Option<NgramRange>,
    /// Use 1 + ln(count) instead of the raw count.
    pub sublinear_tf: bool,
    /// Keep features that occur in at least this many training documents.
    pub min_df: u32,
    /// Keep at most this many features (the most frequent ones).
    pub max_features: Option<usize>,
    /// How the stance target is used.
    pub target_features: TargetFeatures,
}

impl Default for FeatureSettings {
    fn default() -> Self {
        Self {
            word_ngrams: NgramRange { min: 1, max: 2 },
            char_ngrams: None,
            sublinear_tf: true,
            min_df: 2,
            max_features: None,
            target_features: TargetFeatures::Ignore,
        }
    }
}

/// Errors in feature settings or fitting.
#[derive(Debug, Error)]
pub enum FeatureError {
    /// An n-gram range is empty or starts at zero.
    #[error("invalid {kind} n-gram range {min}..={max}: need 1 <= min <= max")]
    InvalidRange {
        /// "word" or "char".
        kind: &'static str,
        /// Shortest n-gram asked for.
        min: usize,
        /// Longest n-gram asked for.
        max: usize,
    },
    /// Character n-grams were asked for together with mention features, which do not use
    /// them.
    #[error("character n-grams are not used with mention target features; leave them out")]
    CharNgramsWithMentions,
    /// No feature survived the document-frequency cut.
    #[error("no feature occurs in at least {min_df} training documents")]
    EmptyVocabulary {
        /// The cut that was applied.
        min_df: u32,
    },
}

/// A sparse vector: feature columns in increasing order and their values.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SparseVector {
    /// Column indices, strictly increasing.
    pub indices: Vec<u32>,
    /// Values, one per index.
    pub values: Vec<f32>,
}

/// One emitted feature: its key, the text it stands for, and for relation features their
/// value (counted features have none: their weight is TF-IDF).
struct Term<'t> {
    key: u64,
    text: &'t str,
    targeted: bool,
    value: Option<f32>,
}

/// Hash seed of claim words (kept apart from the text's own words).
const CLAIM_WORD_SEED: u64 = 0x200;
/// Hash seed of relation feature names.
const RELATION_SEED: u64 = 0x300;
/// Hash seed of mention feature strings.
const MENTION_SEED: u64 = 0x400;

/// Reusable buffers for feature extraction, so a request allocates little.
#[derive(Default)]
pub struct Scratch {
    lowered: String,
    term: String,
    padded: String,
    bounds: Vec<usize>,
    /// Byte ranges of the words of the part being read (in `lowered`).
    tokens: Vec<(usize, usize)>,
    columns: Vec<u32>,
    /// The other buffer of the radix sort of `columns`.
    spare: Vec<u32>,
}

impl FeatureSettings {
    /// Checks the n-gram ranges.
    pub fn validate(&self) -> Result<(), FeatureError> {
        let ranges = [("word", Some(self.word_ngrams)), ("char", self.char_ngrams)];
        for (kind, range) in ranges {
            if let Some(NgramRange { min, max }) = range {
                if min == 0 || min > max {
                    return Err(FeatureError::InvalidRange { kind, min, max });
                }
            }
        }
        if matches!(self.target_features, TargetFeatures::Mention(_)) && self.char_ngrams.is_some()
        {
            return Err(FeatureError::CharNgramsWithMentions);
        }
        Ok(())
    }

    /// Calls `sink` with every feature occurrence of `doc` (title then body).
    fn for_each_term(&self, doc: &Document, scratch: &mut Scratch, mut sink: impl FnMut(Term)) {
        let target_seed = match (self.target_features, doc.target) {
            (TargetFeatures::PerTarget, Some(target)) if !text::is_blank(target) => {
                Some(xxh3_64(text::normalize_target(target).as_bytes()))
            }
            _ => None,
        };
        let claim = match (self.target_features, doc.target) {
            (TargetFeatures::Claim, Some(claim)) if !text::is_blank(claim) => Some(claim),
            _ => None,
        };
        if let Some(claim) = claim {
            let lowered = &mut scratch.lowered;
            text::lowercase_into(claim, lowered);
            for word in text::words(lowered) {
                sink(Term {
                    key: xxh3_64_with_seed(word.as_bytes(), CLAIM_WORD_SEED),
                    text: word,
                    targeted: true,
                    value: None,
                });
            }
            relation::relation_features(claim, doc.text, &mut |name, value| {
                sink(Term {
                    key: xxh3_64_with_seed(name.as_bytes(), RELATION_SEED),
                    text: name,
                    targeted: false,
                    value: Some(value),
                })
            });
        }
        let mut emit = |key: u64, text: &str| {
            sink(Term {
                key,
                text,
                targeted: false,
                value: None,
            });
            if let Some(seed) = target_seed {
                sink(Term {
                    key: (key ^ seed)
                        .rotate_left(29)
                        .wrapping_mul(0x9E37_79B9_7F4A_7C15),
                    text,
                    targeted: true,
                    value: None,
                });
            }
        };
        let mention_settings = match self.target_features {
            TargetFeatures::Mention(settings) => Some(settings),
            _ => None,
        };
        // With mention features, the text is read by `mention` below, the title as usual.
        let parts = if mention_settings.is_some() { 1 } else { 2 };
        for part in [doc.title, doc.text].into_iter().take(parts) {
            let Scratch {
                lowered,
                term,
                padded,
                bounds,
                tokens,
                ..
            } = &mut *scratch;
            text::lowercase_into(part, lowered);
            let lowered = lowered.as_str();
            let NgramRange { min, max } = self.word_ngrams;
            if (min, max) == (1, 1) && self.char_ngrams.is_none() {
                // Unigrams only (the topic models): each word is its own term, in order.
                for word in text::words(lowered) {
                    emit(xxh3_64_with_seed(word.as_bytes(), 1), word);
                }
                continue;
            }
            let base = lowered.as_ptr() as usize;
            tokens.clear();
            tokens.extend(text::words(lowered).map(|word| {
                let start = word.as_ptr() as usize - base;
                (start, start + word.len())
            }));
            let token = |(start, end): (usize, usize)| &lowered[start..end];
            for n in min..=max {
                for window in tokens.windows(n) {
                    if let [single] = window {
                        let word = token(*single);
                        emit(xxh3_64_with_seed(word.as_bytes(), 1), word);
                        continue;
                    }
                    term.clear();
                    for (i, range) in window.iter().enumerate() {
                        if i > 0 {
                            term.push(' ');
                        }
                        term.push_str(token(*range));
                    }
                    emit(xxh3_64_with_seed(term.as_bytes(), n as u64), term);
                }
            }
            if let Some(NgramRange { min, max }) = self.char_ngrams {
                for range in tokens.iter() {
                    padded.clear();
                    padded.push(' ');
                    padded.push_str(token(*range));
                    padded.push(' ');
                    bounds.clear();
                    bounds.extend(padded.char_indices().map(|(i, _)| i));
                    bounds.push(padded.len());
                    let chars = bounds.len() - 1;
                    for n in min..=max.min(chars) {
                        for start in 0..=chars - n {
                            let gram = &padded[bounds[start]..bounds[start + n]];
                            emit(xxh3_64_with_seed(gram.as_bytes(), 0x100 + n as u64), gram);
                        }
                    }
                }
            }
        }
        if let Some(settings) = mention_settings {
            mention::for_each_feature(&settings, self.word_ngrams, doc, &mut |feature| {
                sink(Term {
                    key: xxh3_64_with_seed(feature.as_bytes(), MENTION_SEED),
                    text: feature,
                    targeted: false,
                    value: None,
                })
            });
        }
    }

    /// The distinct feature keys of `doc`, each once, appended to `keys`.
    pub fn distinct_keys(&self, doc: &Document, scratch: &mut Scratch, keys: &mut Vec<u64>) {
        let start = keys.len();
        self.for_each_term(doc, scratch, |term| keys.push(term.key));
        keys[start..].sort_unstable();
        let mut write = start;
        for read in start..keys.len() {
            if write == start || keys[write - 1] != keys[read] {
                keys[write] = keys[read];
                write += 1;
            }
        }
        keys.truncate(write);
    }
}

/// Fitted feature extraction: settings plus the vocabulary learned from a corpus.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FeatureExtractor {
    settings: FeatureSettings,
    vocabulary: Vocabulary,
}

impl FeatureExtractor {
    /// Learns the vocabulary (document frequencies, IDF) of `docs`.
    pub fn fit(settings: FeatureSettings, docs: &[Document]) -> Result<Self, FeatureError> {
        settings.validate()?;
        let mut document_frequency: FxHashMap<u64, u32> = FxHashMap::default();
        let mut scratch = Scratch::default();
        let mut keys = Vec::new();
        for doc in docs {
            keys.clear();
            settings.distinct_keys(doc, &mut scratch, &mut keys);
            for key in &keys {
                *document_frequency.entry(*key).or_insert(0) += 1;
            }
        }
        Self::from_document_frequencies(settings, document_frequency, docs.len())
    }

    /// The extractor whose vocabulary is the keys of `document_frequency` (key → number of
    /// documents it occurs in, over `documents` documents) that pass the settings' cuts:
    /// what [`fit`](Self::fit) learns, counted elsewhere (e.g. by a pass over a stream).
    pub fn from_document_frequencies(
        settings: FeatureSettings,
        document_frequency: FxHashMap<u64, u32>,
        documents: usize,
    ) -> Result<Self, FeatureError> {
        settings.validate()?;
        let vocabulary = Vocabulary::from_document_frequencies(
            document_frequency,
            documents,
            settings.min_df,
            settings.max_features,
        )
        .ok_or(FeatureError::EmptyVocabulary {
            min_df: settings.min_df,
        })?;
        Ok(Self {
            settings,
            vocabulary,
        })
    }

    /// The settings this extractor was fitted with.
    pub fn settings(&self) -> &FeatureSettings {
        &self.settings
    }

    /// Number of feature columns.
    pub fn dimension(&self) -> usize {
        self.vocabulary.len()
    }

    /// The first IDF weight of the vocabulary that is NaN or infinite, as (column, value)
    /// (a damaged model file; fitting never produces one).
    pub fn first_non_finite_idf(&self) -> Option<(usize, f32)> {
        self.vocabulary.first_non_finite_idf()
    }

    /// The TF-IDF vector of `doc`, L2-normalised.
    pub fn transform(&self, doc: &Document, scratch: &mut Scratch) -> SparseVector {
        let mut columns = std::mem::take(&mut scratch.columns);
        columns.clear();
        let mut valued = Vec::new();
        self.settings.for_each_term(doc, scratch, |term| {
            if let Some(column) = self.vocabulary.column(term.key) {
                match term.value {
                    None => columns.push(column),
                    Some(value) => valued.push((column, value)),
                }
            }
        });
        radix_sort(&mut columns, &mut scratch.spare, self.dimension());
        let vector = self.weigh(&columns, valued, &mut scratch.spare);
        scratch.columns = columns;
        vector
    }

    /// Like [`transform`](Self::transform), and also the text of every column that fired
    /// (targeted copies are prefixed with `target|`), for explanations.
    pub fn transform_with_terms(
        &self,
        doc: &Document,
        scratch: &mut Scratch,
    ) -> (SparseVector, FxHashMap<u32, String>) {
        let mut columns = Vec::new();
        let mut valued = Vec::new();
        let mut terms = FxHashMap::default();
        self.settings.for_each_term(doc, scratch, |term| {
            if let Some(column) = self.vocabulary.column(term.key) {
                match term.value {
                    None => columns.push(column),
                    Some(value) => valued.push((column, value)),
                }
                terms.entry(column).or_insert_with(|| {
                    if term.targeted {
                        format!("target|{}", term.text)
                    } else {
                        term.text.to_string()
                    }
                });
            }
        });
        columns.sort_unstable();
        (self.weigh(&columns, valued, &mut Vec::new()), terms)
    }
}

#[cfg(test)]
mod tests;

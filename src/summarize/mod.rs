//! Extractive summarization of news articles.
//!
//! A summary here is a handful of the article's own sentences, returned with byte offsets so a
//! client can highlight them. Sentences are scored by a weighted sum of
//!
//! * centrality: continuous LexRank over TF-IDF cosine similarity (centroid similarity for very
//!   long texts, to keep the cost linear), with IDF from a real corpus ([`IdfTable`]);
//! * coverage: the sentence's share of the document's TF-IDF mass (Luhn-style);
//! * position: news puts the gist first;
//! * title overlap: cosine with the headline;
//! * length: very short lines (captions, bylines) rarely carry the story;
//!
//! then picked greedily by score, skipping near-duplicates, and returned in document order.

mod batch;
mod idf;
mod rank;
mod terms;

pub use batch::{summarize_jsonl, BatchError};
pub use idf::IdfTable;

use serde::{Deserialize, Serialize};

use crate::text::sentences::split_sentences;
use rank::Vocabulary;

/// Number of sentences returned when neither `max_sentences` nor `ratio` is set.
pub const DEFAULT_SENTENCES: usize = 3;

/// How long the summary should be.
#[derive(Debug, Clone, Default)]
pub struct SummarizeOptions {
    /// At most this many sentences; `None` or `Some(0)` means "not set". Values above the
    /// sentence count are clamped to it.
    pub max_sentences: Option<usize>,
    /// Fraction of the article's sentences to keep, in (0, 1], rounded up (at least one).
    /// When both fields are set the smaller count wins; when neither is, [`DEFAULT_SENTENCES`].
    pub ratio: Option<f32>,
}

/// Why a text could not be summarized.
#[derive(Debug, thiserror::Error)]
pub enum SummarizeError {
    /// The text is empty or only whitespace.
    #[error("text is empty")]
    EmptyText,
    /// The text has characters but no sentence with a letter or digit.
    #[error("text contains no sentence with a letter or digit")]
    NoSentences,
    /// `ratio` is outside (0, 1] or not a number.
    #[error("ratio must be in (0, 1], got {0}")]
    InvalidRatio(f32),
}

/// Weights of the sentence-scoring features, and the near-duplicate threshold.
///
/// The defaults were chosen by a grid search on the BBC training split (see
/// `benches/rouge/README.md`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RankWeights {
    /// Weight of centrality (LexRank or centroid score, scaled to a maximum of 1).
    pub centrality: f32,
    /// Weight of coverage (the sentence's share of the document's TF-IDF mass, scaled to a
    /// maximum of 1).
    pub coverage: f32,
    /// Weight of position, `1 / sqrt(index + 1)`.
    pub position: f32,
    /// Weight of the cosine similarity with the title.
    pub title: f32,
    /// Weight of sentence length, `min(terms, 20) / 20`.
    pub length: f32,
    /// A sentence whose cosine with an already chosen one exceeds this is skipped.
    pub max_similarity: f32,
}

impl Default for RankWeights {
    fn default() -> Self {
        Self {
            centrality: 4.0,
            coverage: 0.5,
            position: 0.25,
            title: 0.5,
            length: 0.5,
            max_similarity: 0.65,
        }
    }
}

/// Number of terms at which the length feature saturates.
const LENGTH_SATURATION: f32 = 20.0;

/// One chosen sentence.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SummarySentence {
    /// Position of the sentence among the article's sentences (0-based).
    pub index: usize,
    /// Byte offset of the sentence in the summarized text.
    pub start: usize,
    /// Byte offset just past the sentence; `text[start..end]` is the sentence.
    pub end: usize,
    /// The sentence's score (higher is more summary-worthy).
    pub score: f32,
}

/// The chosen sentences, in document order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Chosen sentences, in document order.
    pub sentences: Vec<SummarySentence>,
}

impl Summary {
    /// The chosen sentences of `text` (the text that was summarized), joined by one space.
    pub fn joined(&self, text: &str) -> String {
        let mut out = String::new();
        for s in &self.sentences {
            if let Some(sentence) = text.get(s.start..s.end) {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(sentence);
            }
        }
        out
    }
}

/// Extractive summarizer; immutable after construction, so it can be shared behind an `Arc`.
#[derive(Debug, Clone)]
pub struct Summarizer {
    idf: IdfTable,
    weights: RankWeights,
}

impl Summarizer {
    /// A summarizer weighing terms with `idf`, with the default [`RankWeights`].
    pub fn new(idf: IdfTable) -> Self {
        Self::with_weights(idf, RankWeights::default())
    }

    /// A summarizer with explicit feature weights (used for tuning).
    pub fn with_weights(idf: IdfTable, weights: RankWeights) -> Self {
        Self { idf, weights }
    }

    /// The IDF table this summarizer uses.
    pub fn idf(&self) -> &IdfTable {
        &self.idf
    }

    /// The feature weights this summarizer uses.
    pub fn weights(&self) -> &RankWeights {
        &self.weights
    }

    /// Picks the most summary-worthy sentences of `text`; `title` may be empty.
    pub fn summarize(
        &self,
        title: &str,
        text: &str,
        options: &SummarizeOptions,
    ) -> Result<Summary, SummarizeError> {
        if let Some(ratio) = options.ratio {
            if !(ratio > 0.0 && ratio <= 1.0) {
                return Err(SummarizeError::InvalidRatio(ratio));
            }
        }
        if text.trim().is_empty() {
            return Err(SummarizeError::EmptyText);
        }
        let spans = split_sentences(text);
        if spans.is_empty() {
            return Err(SummarizeError::NoSentences);
        }
        let n = spans.len();
        let k = target_count(n, options);

        let mut vocab = Vocabulary::default();
        let (title_vec, _, _) = vocab.vectorize(title, &self.idf);
        let mut vectors = Vec::with_capacity(n);
        let mut lengths = Vec::with_capacity(n);
        let mut norms = Vec::with_capacity(n);
        for span in &spans {
            let (v, terms, norm) = vocab.vectorize(span.as_str(text), &self.idf);
            vectors.push(v);
            lengths.push(terms);
            norms.push(norm);
        }

        let w = &self.weights;
        let central = rank::centrality(&vectors);
        let coverage = rank::coverage(&vectors, &norms);
        let scores: Vec<f32> = (0..n)
            .map(|i| {
                let position = 1.0 / ((i + 1) as f32).sqrt();
                let title = rank::cosine(&title_vec, &vectors[i]);
                let length = (lengths[i] as f32).min(LENGTH_SATURATION) / LENGTH_SATURATION;
                w.centrality * central[i]
                    + w.coverage * coverage[i]
                    + w.position * position
                    + w.title * title
                    + w.length * length
            })
            .collect();

        let chosen = if k >= n {
            (0..n).collect()
        } else {
            rank::select(&scores, &vectors, k, w.max_similarity)
        };
        let sentences = chosen
            .into_iter()
            .map(|i| SummarySentence {
                index: i,
                start: spans[i].start,
                end: spans[i].end,
                score: scores[i],
            })
            .collect();
        Ok(Summary { sentences })
    }
}

/// How many sentences to return for an article of `n` sentences.
fn target_count(n: usize, options: &SummarizeOptions) -> usize {
    let by_count = options.max_sentences.filter(|&m| m > 0);
    let by_ratio = options
        .ratio
        .map(|r| ((r * n as f32).ceil() as usize).max(1));
    let k = match (by_count, by_ratio) {
        (Some(m), Some(r)) => m.min(r),
        (Some(m), None) => m,
        (None, Some(r)) => r,
        (None, None) => DEFAULT_SENTENCES,
    };
    k.min(n)
}

#[cfg(test)]
mod tests;

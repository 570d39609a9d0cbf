//! Extractive summaries (interim: lead sentences).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::text::sentences::split_sentences;

/// How long the summary should be.
#[derive(Debug, Clone, Default)]
pub struct SummarizeOptions {
    /// Number of sentences.
    pub max_sentences: Option<usize>,
    /// Fraction of the sentences.
    pub ratio: Option<f32>,
}

/// Why a summary could not be made.
#[derive(Debug, thiserror::Error)]
pub enum SummarizeError {
    /// Nothing to summarize.
    #[error("text is empty")]
    EmptyText,
}

/// Document frequencies from a corpus.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct IdfTable {
    documents: usize,
    df: HashMap<String, u32>,
}

impl IdfTable {
    /// Counts document frequencies.
    pub fn from_documents<'a>(docs: impl IntoIterator<Item = &'a str>) -> Self {
        let mut table = Self::default();
        for _ in docs {
            table.documents += 1;
        }
        table
    }
}

/// Picks sentences.
#[derive(Debug, Clone)]
pub struct Summarizer {
    _idf: IdfTable,
}

/// The chosen sentences.
#[derive(Debug, Clone)]
pub struct Summary {
    /// In document order.
    pub sentences: Vec<SummarySentence>,
}

/// One chosen sentence.
#[derive(Debug, Clone)]
pub struct SummarySentence {
    /// Position among the sentences.
    pub index: usize,
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
    /// Score.
    pub score: f32,
}

impl Summary {
    /// Sentences joined by a space.
    pub fn joined(&self, text: &str) -> String {
        self.sentences
            .iter()
            .map(|s| &text[s.start..s.end])
            .collect::<Vec<_>>()
            .join(" ")
    }
}

impl Summarizer {
    /// A summarizer using `idf`.
    pub fn new(idf: IdfTable) -> Self {
        Self { _idf: idf }
    }

    /// Summarizes `text`.
    pub fn summarize(
        &self,
        _title: &str,
        text: &str,
        options: &SummarizeOptions,
    ) -> Result<Summary, SummarizeError> {
        let spans = split_sentences(text);
        if spans.is_empty() {
            return Err(SummarizeError::EmptyText);
        }
        let n = options.max_sentences.unwrap_or(3);
        Ok(Summary {
            sentences: spans
                .iter()
                .take(n)
                .enumerate()
                .map(|(index, s)| SummarySentence {
                    index,
                    start: s.start,
                    end: s.end,
                    score: 1.0 / (index + 1) as f32,
                })
                .collect(),
        })
    }
}

/// Why a batch failed.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    /// Reading or writing failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// A line is not a valid request.
    #[error("line {line}: {message}")]
    Line {
        /// Line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

/// Summarizes JSON lines {id, title, text, max_sentences}.
pub fn summarize_jsonl(
    input: impl std::io::BufRead,
    mut output: impl std::io::Write,
    summarizer: &Summarizer,
) -> Result<usize, BatchError> {
    #[derive(Deserialize)]
    struct In {
        id: String,
        #[serde(default)]
        title: String,
        text: String,
        max_sentences: Option<usize>,
    }
    let mut count = 0;
    for (i, line) in input.lines().enumerate() {
        let line = line?;
        let request: In = serde_json::from_str(&line).map_err(|e| BatchError::Line {
            line: i + 1,
            message: e.to_string(),
        })?;
        let options = SummarizeOptions {
            max_sentences: request.max_sentences,
            ratio: None,
        };
        let summary = summarizer
            .summarize(&request.title, &request.text, &options)
            .map_err(|e| BatchError::Line {
                line: i + 1,
                message: e.to_string(),
            })?;
        let out = serde_json::json!({"id": request.id, "summary": summary.joined(&request.text)});
        writeln!(output, "{out}")?;
        count += 1;
    }
    Ok(count)
}

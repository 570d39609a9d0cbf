//! JSON-lines batch mode.
//!
//! The ROUGE benchmark and `docclass summarize --batch FILE.jsonl` summarize many articles in
//! one process, so the IDF table is loaded once. Input lines are
//! `{"id", "title", "text", "max_sentences"?, "ratio"?}`; each gives one output line
//! `{"id", "summary", "sentences": [{"index", "start", "end", "score"}]}`, plus `"error"` when
//! that article could not be summarized (the batch goes on).

use std::io::{BufRead, Write};

use serde::{Deserialize, Serialize};

use super::{SummarizeOptions, Summarizer, SummarySentence};

/// Why a batch stopped.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    /// Reading the input or writing the output failed.
    #[error("batch I/O failed: {0}")]
    Io(#[from] std::io::Error),
    /// An input line is not a valid record.
    #[error("line {line}: invalid record: {source}")]
    InvalidRecord {
        /// 1-based line number in the input.
        line: usize,
        /// What the JSON parser reported.
        source: serde_json::Error,
    },
    /// An output record could not be encoded.
    #[error("line {line}: cannot encode output: {source}")]
    Encode {
        /// 1-based line number of the input record.
        line: usize,
        /// What the JSON encoder reported.
        source: serde_json::Error,
    },
}

/// One input record.
#[derive(Deserialize)]
struct Record {
    id: String,
    #[serde(default)]
    title: String,
    text: String,
    #[serde(default)]
    max_sentences: Option<usize>,
    #[serde(default)]
    ratio: Option<f32>,
}

/// One output record.
#[derive(Serialize)]
struct Output<'a> {
    id: &'a str,
    summary: String,
    sentences: &'a [SummarySentence],
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// Reads JSON lines `{"id": str, "title": str, "text": str, "max_sentences": int (optional),
/// "ratio": float (optional)}` from `input` and writes one JSON line per record to `output`:
/// `{"id", "summary", "sentences": [{"index", "start", "end", "score"}]}` (with an `"error"`
/// message and empty summary when the article cannot be summarized). Blank lines are skipped.
/// Returns the number of records written.
pub fn summarize_jsonl(
    input: impl BufRead,
    mut output: impl Write,
    summarizer: &Summarizer,
) -> Result<usize, BatchError> {
    let mut written = 0;
    for (i, line) in input.lines().enumerate() {
        let line_no = i + 1;
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let record: Record =
            serde_json::from_str(&line).map_err(|source| BatchError::InvalidRecord {
                line: line_no,
                source,
            })?;
        let options = SummarizeOptions {
            max_sentences: record.max_sentences,
            ratio: record.ratio,
        };
        let (summary, sentences, error) =
            match summarizer.summarize(&record.title, &record.text, &options) {
                Ok(s) => (s.joined(&record.text), s.sentences, None),
                Err(e) => (String::new(), Vec::new(), Some(e.to_string())),
            };
        let out = Output {
            id: &record.id,
            summary,
            sentences: &sentences,
            error,
        };
        serde_json::to_writer(&mut output, &out).map_err(|source| BatchError::Encode {
            line: line_no,
            source,
        })?;
        output.write_all(b"\n")?;
        written += 1;
    }
    output.flush()?;
    Ok(written)
}

//! Per-document predictions as a file (`evaluate --predictions FILE`), and the pairing of
//! another model's file with this evaluation's documents (`evaluate --compare FILE`), so
//! that two models are compared document by document on the same test set.
//!
//! The file is JSON Lines, one object per test document in data order: `line` (of the data
//! file), `id`, `group` (when `--group-field` was given), `gold`, `predicted` and
//! `probabilities` (label → probability). It is written to a temporary file and renamed.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{DetailedEvaluation, EvaluateError};

/// One line of a predictions file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PredictionLine {
    /// Line (JSONL) or record (CSV) of the document in the data file.
    pub line: usize,
    /// The document's identifier, when the data has one.
    pub id: Option<String>,
    /// The `--group-field` value, when asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// The true label.
    pub gold: String,
    /// The predicted label.
    pub predicted: String,
    /// Probability of each label.
    pub probabilities: serde_json::Map<String, serde_json::Value>,
}

/// The lines of `detailed`, in data order.
pub fn prediction_lines(detailed: &DetailedEvaluation) -> Vec<PredictionLine> {
    let labels = &detailed.evaluation.labels;
    detailed
        .examples
        .iter()
        .map(|e| PredictionLine {
            line: e.line,
            id: e.id.clone(),
            group: e.group.clone(),
            gold: labels[e.truth].clone(),
            predicted: labels[e.predicted].clone(),
            probabilities: labels
                .iter()
                .zip(&e.probabilities)
                .map(|(l, p)| (l.clone(), serde_json::json!(p)))
                .collect(),
        })
        .collect()
}

/// Writes `detailed`'s predictions to `path` atomically (temporary file, then rename).
pub fn write_predictions(path: &Path, detailed: &DetailedEvaluation) -> Result<(), EvaluateError> {
    let io = |source| EvaluateError::PredictionsIo {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut file = tempfile::NamedTempFile::new_in(&dir).map_err(io)?;
    {
        let mut out = std::io::BufWriter::new(file.as_file_mut());
        for line in prediction_lines(detailed) {
            serde_json::to_writer(&mut out, &line).map_err(|e| io(e.into()))?;
            out.write_all(b"\n").map_err(io)?;
        }
        out.flush().map_err(io)?;
    }
    file.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}

/// The predicted label indices of another model's predictions file at `path`, in the order
/// of `detailed`'s documents; the file must cover the same documents with the same gold
/// labels.
pub fn paired_predictions(
    path: &Path,
    detailed: &DetailedEvaluation,
) -> Result<Vec<usize>, EvaluateError> {
    let mismatch = |message: String| EvaluateError::PredictionsMismatch {
        path: path.to_path_buf(),
        message,
    };
    let file = std::fs::File::open(path).map_err(|source| EvaluateError::PredictionsIo {
        path: path.to_path_buf(),
        source,
    })?;
    let labels = &detailed.evaluation.labels;
    let mut by_line = rustc_hash::FxHashMap::default();
    for (index, text) in BufReader::new(file).lines().enumerate() {
        let malformed = |message: String| EvaluateError::PredictionsMalformed {
            path: path.to_path_buf(),
            line: index + 1,
            message,
        };
        let text = text.map_err(|e| malformed(e.to_string()))?;
        if text.trim().is_empty() {
            continue;
        }
        let line: PredictionLine =
            serde_json::from_str(&text).map_err(|e| malformed(e.to_string()))?;
        by_line.insert(line.line, line);
    }
    if by_line.len() != detailed.examples.len() {
        return Err(mismatch(format!(
            "{} predictions for {} test documents",
            by_line.len(),
            detailed.examples.len()
        )));
    }
    detailed
        .examples
        .iter()
        .map(|e| {
            let other = by_line
                .get(&e.line)
                .ok_or_else(|| mismatch(format!("no prediction for data line {}", e.line)))?;
            if other.gold != labels[e.truth] {
                return Err(mismatch(format!(
                    "data line {}: gold {:?} there, {:?} here (another test file?)",
                    e.line, other.gold, labels[e.truth]
                )));
            }
            labels
                .iter()
                .position(|l| *l == other.predicted)
                .ok_or_else(|| {
                    mismatch(format!(
                        "data line {}: predicted {:?} is not one of the labels {labels:?}",
                        e.line, other.predicted
                    ))
                })
        })
        .collect()
}

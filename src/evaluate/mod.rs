//! Evaluation: how well a classifier does on labeled data. The figures ([`Evaluation`]:
//! accuracy, per-class F1, the corpora's official metrics, calibration error) are computed
//! here for training (validation and cross-validation), for `docclass evaluate` and its
//! text and HTML reports, and for the check that the server answers the same figures.

mod charts;
pub mod comparison;
mod html;
pub mod metrics;
pub mod predictions;
mod report;
pub mod significance;

use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::corpus::{CorpusError, FieldNames};
use crate::model::ClassifierLoadError;
pub use html::render_html;
pub use metrics::Evaluation;
pub use predictions::{predict_examples, DetailedEvaluation, ExamplePrediction, ReliabilityBin};
pub use report::render as render_evaluation;

/// Why evaluation failed.
#[derive(Debug, Error)]
pub enum EvaluateError {
    /// The data could not be read.
    #[error(transparent)]
    Data(#[from] CorpusError),
    /// The classifier file could not be loaded.
    #[error(transparent)]
    Classifier(#[from] ClassifierLoadError),
    /// A test label is unknown to the model.
    #[error("{path}:{line}: label {label:?} is not one of the model's labels {labels:?}")]
    UnknownLabel {
        /// The data file.
        path: PathBuf,
        /// The line.
        line: usize,
        /// The label.
        label: String,
        /// The model's labels.
        labels: Vec<String>,
    },
    /// A predictions file could not be written or read.
    #[error("{path}: {source}")]
    PredictionsIo {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A line of a predictions file is not a prediction.
    #[error("{path}:{line}: {message}")]
    PredictionsMalformed {
        /// The file.
        path: PathBuf,
        /// The line.
        line: usize,
        /// The parser's message.
        message: String,
    },
    /// A predictions file does not cover the documents evaluated.
    #[error("{path}: not predictions for this test data: {message}")]
    PredictionsMismatch {
        /// The file.
        path: PathBuf,
        /// What does not match.
        message: String,
    },
}

/// Figures of the model file at `model` on the labeled data at `data_path`, whose fields
/// are named by `fields`.
pub fn evaluate(
    model: &Path,
    data_path: &Path,
    fields: &FieldNames,
) -> Result<Evaluation, EvaluateError> {
    Ok(predict_examples(model, data_path, fields)?.evaluation)
}

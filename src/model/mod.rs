//! Trained models: the sparse softmax estimator, the classifier that pairs it with its
//! feature extractor and metadata, the on-disk artifact format, loading and checking one
//! classifier file, and the registry the server loads at start-up.

pub mod artifact;
pub mod estimator;
mod load;
mod objective;
pub mod registry;
mod sparse_records;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::features::{FeatureExtractor, Scratch, TargetFeatures};
use crate::text::Document;
pub use artifact::{Artifact, ArtifactError, FORMAT_VERSION};
use estimator::{softmax_in_place, SoftmaxRegression};
pub use load::{ClassifierLoadError, InvalidModel};
pub use registry::{ModelSet, RegistryError, ReloadableModelSet};

/// What a classifier decides.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Task {
    /// What the document is about.
    Topic,
    /// What side the document takes (toward a target, when it has one).
    Stance,
}

impl Task {
    /// The name used on the command line and as the label field of training data.
    pub fn as_str(self) -> &'static str {
        match self {
            Task::Topic => "topic",
            Task::Stance => "stance",
        }
    }
}

impl fmt::Display for Task {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a model was made: recorded at training time, shown by `GetModelInfo`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ModelMetadata {
    /// Model name (requests select models by it).
    pub name: String,
    /// Topic or stance.
    pub task: Task,
    /// Class labels, in the order of the model's outputs.
    pub labels: Vec<String>,
    /// SHA-256 (hex) of the training data file.
    pub training_data_digest: String,
    /// Number of training documents.
    pub training_documents: u64,
    /// When training finished (RFC 3339, UTC).
    pub trained_at: String,
    /// The command-line invocation or description of how the model was trained.
    pub training_command: String,
    /// L2 penalty of the softmax regression.
    pub l2_penalty: f64,
    /// Evaluation figures on the validation part of the training data.
    pub metrics: BTreeMap<String, f64>,
}

/// A classifier's answer for one document.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    /// Calibrated probability of each label, in label order; they sum to 1.
    pub probabilities: Vec<f32>,
    /// Terms that pushed the winning label most, with their contribution, largest first.
    pub explanation: Vec<(String, f32)>,
}

impl Prediction {
    /// Index of the most probable label.
    pub fn best(&self) -> usize {
        estimator::argmax(ndarray::ArrayView1::from(&self.probabilities))
    }
}

/// A trained classifier: features, weights, calibration and metadata.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Classifier {
    metadata: ModelMetadata,
    extractor: FeatureExtractor,
    regression: SoftmaxRegression,
    /// Temperature dividing the logits, fitted on validation data to calibrate probabilities.
    temperature: f32,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

impl Classifier {
    /// Assembles a classifier from its trained parts.
    pub fn new(
        metadata: ModelMetadata,
        extractor: FeatureExtractor,
        regression: SoftmaxRegression,
        temperature: f32,
    ) -> Self {
        Self {
            metadata,
            extractor,
            regression,
            temperature,
        }
    }

    /// How the model was made.
    pub fn metadata(&self) -> &ModelMetadata {
        &self.metadata
    }

    /// Mutable metadata (the training pipeline records figures after fitting).
    pub fn metadata_mut(&mut self) -> &mut ModelMetadata {
        &mut self.metadata
    }

    /// The fitted feature extractor.
    pub fn extractor(&self) -> &FeatureExtractor {
        &self.extractor
    }

    /// The calibration temperature.
    pub fn temperature(&self) -> f32 {
        self.temperature
    }

    /// Whether the model only answers when a target is given.
    pub fn needs_target(&self) -> bool {
        self.extractor.settings().target_features != TargetFeatures::Ignore
    }

    /// Checks that the parts fit together and that every number the file carries (weights,
    /// biases, IDF weights, temperature, L2 penalty, metrics) is finite; used when loading a
    /// file, so a model that would answer NaN is refused at start-up and on reload.
    pub fn validate(&self) -> Result<(), String> {
        let labels = self.metadata.labels.len();
        if labels < 2 {
            return Err(format!("model has {labels} labels, need at least 2"));
        }
        if self.regression.classes() != labels {
            return Err(format!(
                "model has {labels} labels but {} outputs",
                self.regression.classes()
            ));
        }
        if self.regression.weight_columns() != labels {
            return Err(format!(
                "model has {labels} labels but {} weights columns",
                self.regression.weight_columns()
            ));
        }
        if self.regression.features() != self.extractor.dimension() {
            return Err(format!(
                "model has {} features but {} weights rows",
                self.extractor.dimension(),
                self.regression.features()
            ));
        }
        if !self.temperature.is_finite() {
            return Err(format!("temperature is {}", self.temperature));
        }
        if self.temperature <= 0.0 {
            return Err(format!("invalid temperature {}", self.temperature));
        }
        if let Some(what) = self.regression.first_non_finite() {
            return Err(what);
        }
        if let Some((column, value)) = self.extractor.first_non_finite_idf() {
            return Err(format!("vocabulary IDF weight {column} is {value}"));
        }
        if !self.metadata.l2_penalty.is_finite() {
            return Err(format!("l2_penalty is {}", self.metadata.l2_penalty));
        }
        if let Some((name, value)) = self.metadata.metrics.iter().find(|(_, v)| !v.is_finite()) {
            return Err(format!("metric {name:?} is {value}"));
        }
        Ok(())
    }

    /// Classifies `doc`; with `explain > 0`, also returns that many top contributing terms.
    pub fn predict(&self, doc: &Document, explain: usize) -> Prediction {
        let mut probabilities = vec![0.0; self.regression.classes()];
        if explain == 0 {
            SCRATCH.with(|scratch| {
                let mut scratch = scratch.borrow_mut();
                let vector = self.extractor.transform(doc, &mut scratch);
                self.regression
                    .logits_into(&vector.indices, &vector.values, &mut probabilities);
            });
            softmax_in_place(&mut probabilities, self.temperature);
            return Prediction {
                probabilities,
                explanation: Vec::new(),
            };
        }
        let (vector, terms) = self
            .extractor
            .transform_with_terms(doc, &mut Scratch::default());
        self.regression
            .logits_into(&vector.indices, &vector.values, &mut probabilities);
        softmax_in_place(&mut probabilities, self.temperature);
        let best = estimator::argmax(ndarray::ArrayView1::from(&probabilities));
        let mut contributions: Vec<(String, f32)> = vector
            .indices
            .iter()
            .zip(&vector.values)
            .map(|(column, value)| {
                let term = terms.get(column).cloned().unwrap_or_default();
                (term, value * self.regression.weight(*column, best))
            })
            .collect();
        contributions.sort_by(|a, b| b.1.total_cmp(&a.1));
        contributions.truncate(explain);
        Prediction {
            probabilities,
            explanation: contributions,
        }
    }
}

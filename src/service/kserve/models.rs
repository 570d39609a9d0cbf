//! The loaded models as the Open Inference Protocol sees them: every classifier of the
//! model set under its own name and version, and the summarizer as the model
//! [`SUMMARIZER`]; each one's input and output tensors, which `ModelMetadata` lists and
//! `ModelInfer` checks requests against.
//!
//! A name is looked up in the snapshot the request took, so a model is ready exactly while
//! the set being served holds it: a reload swaps the whole set at once and only when every
//! model in it loaded, so no model (and not the server) is ever not ready while it happens.

use std::sync::Arc;

use super::error::InferError;
use crate::model::registry::ServedClassifier;
use crate::model::ModelSet;
use crate::pb::inference::model_metadata_response::TensorMetadata;
use crate::pb::inference::ModelMetadataResponse;

/// The v2 name of the extractive summarizer.
pub const SUMMARIZER: &str = "summarizer";

/// The `platform` every docclass model reports in `ModelMetadata`.
pub const PLATFORM: &str = "docclass";

/// One input a model takes.
#[derive(Debug, Clone, Copy)]
pub struct InputSpec {
    /// The tensor's name.
    pub name: &'static str,
    /// Whether a request must carry it.
    pub required: bool,
}

const TEXT: InputSpec = InputSpec {
    name: "text",
    required: true,
};
const TITLE: InputSpec = InputSpec {
    name: "title",
    required: false,
};
const TARGET: InputSpec = InputSpec {
    name: "target",
    required: true,
};

/// Positions of the inputs in every model's input list.
pub(super) const TEXT_SLOT: usize = 0;
/// See [`TEXT_SLOT`].
pub(super) const TITLE_SLOT: usize = 1;
/// See [`TEXT_SLOT`]; only models that take a target have it.
pub(super) const TARGET_SLOT: usize = 2;

/// One output tensor a model can return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Output {
    /// Each document's most probable class (BYTES [N]).
    Label,
    /// Its probability (FP32 [N]).
    Confidence,
    /// Every class's probability, in the order of `classes` (FP32 [N, classes]).
    Scores,
    /// The class names, in the order of the columns of `scores` (BYTES [classes]).
    Classes,
    /// The `top_k` most probable classes of each document, best first (BYTES [N, k]).
    TopLabels,
    /// Their probabilities (FP32 [N, k]).
    TopScores,
    /// Each document's summary: its chosen sentences joined by a space (BYTES [N]).
    Summary,
    /// The chosen sentences, in document order, padded with "" to the longest (BYTES [N, S]).
    Sentences,
    /// Byte offset of each sentence in its text, padded with -1 (INT64 [N, S]).
    SentenceStart,
    /// Byte offset just past each sentence, padded with -1 (INT64 [N, S]).
    SentenceEnd,
    /// Number of sentences chosen for each document (INT32 [N]).
    SentenceCount,
}

const CLASSIFIER_OUTPUTS: &[Output] = &[
    Output::Label,
    Output::Confidence,
    Output::Scores,
    Output::Classes,
    Output::TopLabels,
    Output::TopScores,
];

const SUMMARIZER_OUTPUTS: &[Output] = &[
    Output::Summary,
    Output::Sentences,
    Output::SentenceStart,
    Output::SentenceEnd,
    Output::SentenceCount,
];

impl Output {
    /// The tensor's name.
    pub(super) fn name(self) -> &'static str {
        match self {
            Output::Label => "label",
            Output::Confidence => "confidence",
            Output::Scores => "scores",
            Output::Classes => "classes",
            Output::TopLabels => "top_labels",
            Output::TopScores => "top_scores",
            Output::Summary => "summary",
            Output::Sentences => "sentences",
            Output::SentenceStart => "sentence_start",
            Output::SentenceEnd => "sentence_end",
            Output::SentenceCount => "sentence_count",
        }
    }

    /// The tensor's datatype.
    pub(super) fn datatype(self) -> &'static str {
        match self {
            Output::Label
            | Output::Classes
            | Output::TopLabels
            | Output::Summary
            | Output::Sentences => "BYTES",
            Output::Confidence | Output::Scores | Output::TopScores => "FP32",
            Output::SentenceStart | Output::SentenceEnd => "INT64",
            Output::SentenceCount => "INT32",
        }
    }

    /// The tensor's shape as `ModelMetadata` gives it, for a model of `classes` classes
    /// (-1: the batch size, or a size that varies with the request).
    fn shape(self, classes: usize) -> Vec<i64> {
        let classes = classes as i64;
        match self {
            Output::Label | Output::Confidence | Output::Summary | Output::SentenceCount => {
                vec![-1]
            }
            Output::Scores => vec![-1, classes],
            Output::Classes => vec![classes],
            Output::TopLabels
            | Output::TopScores
            | Output::Sentences
            | Output::SentenceStart
            | Output::SentenceEnd => vec![-1, -1],
        }
    }
}

/// A model of the served set, as a v2 request names it.
#[derive(Debug, Clone)]
pub(super) enum V2Model {
    /// A topic or stance classifier.
    Classifier(Arc<ServedClassifier>),
    /// The extractive summarizer.
    Summarizer,
}

impl V2Model {
    /// The model called `name` in `models`, in `version` (empty: the one loaded).
    pub(super) fn find(models: &ModelSet, name: &str, version: &str) -> Result<Self, InferError> {
        let model = if name == SUMMARIZER {
            V2Model::Summarizer
        } else {
            let classifier = models.get(name).ok_or_else(|| InferError::UnknownModel {
                name: name.to_string(),
                loaded: names(models).join(", "),
            })?;
            V2Model::Classifier(Arc::clone(classifier))
        };
        let loaded = model.version(models);
        if !version.is_empty() && version != loaded {
            return Err(InferError::UnknownVersion {
                name: model.name().to_string(),
                version: version.to_string(),
                loaded: loaded.to_string(),
            });
        }
        Ok(model)
    }

    /// The model's name.
    pub(super) fn name(&self) -> &str {
        match self {
            V2Model::Classifier(model) => &model.classifier.metadata().name,
            V2Model::Summarizer => SUMMARIZER,
        }
    }

    /// The model's version (as `GetModelInfo` shows it).
    pub(super) fn version<'a>(&'a self, models: &'a ModelSet) -> &'a str {
        match self {
            V2Model::Classifier(model) => &model.version,
            V2Model::Summarizer => models.summarizer_version(),
        }
    }

    /// The inputs the model takes, in slot order ([`TEXT_SLOT`], …).
    pub(super) fn inputs(&self) -> &'static [InputSpec] {
        match self {
            V2Model::Classifier(model) if model.classifier.needs_target() => &[TEXT, TITLE, TARGET],
            V2Model::Classifier(_) | V2Model::Summarizer => &[TEXT, TITLE],
        }
    }

    /// Every output the model can return.
    pub(super) fn outputs(&self) -> &'static [Output] {
        match self {
            V2Model::Classifier(_) => CLASSIFIER_OUTPUTS,
            V2Model::Summarizer => SUMMARIZER_OUTPUTS,
        }
    }

    /// The outputs of an answer when the request names none: all of them, but the top-k
    /// pair only when the request sets `top_k`.
    pub(super) fn default_outputs(&self, top_k_set: bool) -> Vec<Output> {
        self.outputs()
            .iter()
            .copied()
            .filter(|o| top_k_set || !matches!(o, Output::TopLabels | Output::TopScores))
            .collect()
    }

    /// Number of classes (0 for the summarizer).
    fn classes(&self) -> usize {
        match self {
            V2Model::Classifier(model) => model.classifier.metadata().labels.len(),
            V2Model::Summarizer => 0,
        }
    }

    /// What `ModelMetadata` says of the model.
    pub(super) fn metadata(&self, models: &ModelSet) -> ModelMetadataResponse {
        let classes = self.classes();
        ModelMetadataResponse {
            name: self.name().to_string(),
            versions: vec![self.version(models).to_string()],
            platform: PLATFORM.to_string(),
            inputs: self
                .inputs()
                .iter()
                .map(|input| TensorMetadata {
                    name: input.name.to_string(),
                    datatype: super::tensors::BYTES.to_string(),
                    shape: vec![-1],
                })
                .collect(),
            outputs: self
                .outputs()
                .iter()
                .map(|output| TensorMetadata {
                    name: output.name().to_string(),
                    datatype: output.datatype().to_string(),
                    shape: output.shape(classes),
                })
                .collect(),
        }
    }
}

/// The v2 names of every model in `models`: the classifiers by name, then the summarizer.
fn names(models: &ModelSet) -> Vec<&str> {
    models
        .models()
        .map(|m| m.classifier.metadata().name.as_str())
        .chain([SUMMARIZER])
        .collect()
}

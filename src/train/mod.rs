//! Training and evaluation: reads labeled data, picks the regularisation by cross-validation
//! on the training part, reports figures on a held-out validation part, calibrates the
//! probabilities on it, refits on all the data and writes the model file atomically.

mod charts;
pub mod data;
mod html;
pub mod metrics;
pub mod predictions;
pub mod progress;
mod report;

use std::path::{Path, PathBuf};
use std::time::Instant;

use linfa::dataset::DatasetBase;
use linfa::traits::Fit;
use ndarray::Array1;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rustc_hash::FxHashMap;
use thiserror::Error;
use xxhash_rust::xxh3::xxh3_64;

use crate::features::{FeatureError, FeatureExtractor, FeatureSettings, Scratch, TargetFeatures};
use crate::model::artifact::{Artifact, ArtifactError};
use crate::model::estimator::{
    softmax_in_place, EstimatorError, SoftmaxRegression, SoftmaxRegressionParams, SparseRecords,
};
use crate::model::{Classifier, ModelMetadata, Task};
use crate::summarize::IdfTable;
pub use data::{DataError, Example, LabeledData};
pub use html::render_html;
pub use metrics::Evaluation;
pub use predictions::{predict_examples, DetailedEvaluation, ExamplePrediction, ReliabilityBin};
pub use progress::Progress;
pub use report::render as render_evaluation;

/// Why training or evaluation failed.
#[derive(Debug, Error)]
pub enum TrainError {
    /// The data could not be read.
    #[error(transparent)]
    Data(#[from] DataError),
    /// Only one label occurs in the data.
    #[error("{path}: only one class ({label:?}); need at least two")]
    OneClass {
        /// The data file.
        path: PathBuf,
        /// The only label.
        label: String,
    },
    /// Feature settings are invalid or produced nothing.
    #[error(transparent)]
    Features(#[from] FeatureError),
    /// The estimator failed.
    #[error(transparent)]
    Estimator(#[from] EstimatorError),
    /// The model file could not be written or read.
    #[error(transparent)]
    Artifact(#[from] ArtifactError),
    /// The model name cannot be a file name.
    #[error("invalid model name {0:?}: use letters, digits, '-', '_' and '.'")]
    InvalidName(String),
    /// An option is out of range.
    #[error("invalid option: {0}")]
    InvalidOption(String),
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
    /// Evaluation was asked of a file that holds no classifier.
    #[error("{0}: not a classifier model")]
    NotAClassifier(PathBuf),
}

/// What to train and how.
#[derive(Debug, Clone)]
pub struct TrainOptions {
    /// Topic or stance.
    pub task: Task,
    /// Labeled data file.
    pub data: PathBuf,
    /// Which fields of the data hold the text, title, target and label.
    pub fields: data::FieldNames,
    /// Model name; the file is `<out_dir>/<name>.model`.
    pub name: String,
    /// Directory the model is written to.
    pub out_dir: PathBuf,
    /// Fraction of the data held out for validation figures and calibration (0 = none).
    pub validation: f64,
    /// Seed of the validation split and the cross-validation folds.
    pub seed: u64,
    /// Feature settings; `target_features` is overridden by [`Self::target_features`].
    pub features: FeatureSettings,
    /// How targets are used; `None` = per-target when the data has targets.
    pub target_features: Option<TargetFeatures>,
    /// Candidate L2 penalties; more than one = chosen by cross-validation on the training part.
    pub l2_penalties: Vec<f64>,
    /// Number of cross-validation folds.
    pub folds: usize,
    /// Weigh classes by inverse frequency.
    pub balanced: bool,
    /// How training was invoked (recorded in the model).
    pub command: String,
}

/// What a training run produced.
#[derive(Debug, Clone)]
pub struct TrainOutcome {
    /// The model file written.
    pub path: PathBuf,
    /// Figures on the validation part (model fitted on the rest).
    pub validation: Option<Evaluation>,
    /// Mean cross-validation score per candidate L2 penalty.
    pub cross_validation: Vec<(f64, f64)>,
    /// The L2 penalty used.
    pub l2_penalty: f64,
    /// Calibration temperature fitted on the validation part.
    pub temperature: f32,
    /// Wall time of the whole run, in seconds.
    pub seconds: f64,
}

/// Trains a model as `options` says and writes it to `<out_dir>/<name>.model`.
pub fn train(options: &TrainOptions) -> Result<TrainOutcome, TrainError> {
    let started = Instant::now();
    validate_options(options)?;
    let data = data::load_fields(&options.data, options.task, &options.fields)?;
    let examples = &data.examples;
    let labels = label_set(examples);
    if labels.len() < 2 {
        return Err(TrainError::OneClass {
            path: options.data.clone(),
            label: labels.into_iter().next().unwrap_or_default(),
        });
    }
    let has_targets = examples.iter().any(|e| e.target.is_some());
    let mut settings = options.features.clone();
    settings.target_features = options.target_features.unwrap_or(if has_targets {
        TargetFeatures::PerTarget
    } else {
        TargetFeatures::Ignore
    });
    settings.validate()?;
    let targets: Vec<usize> = examples
        .iter()
        .map(|e| labels.iter().position(|l| *l == e.label).unwrap_or(0))
        .collect();
    let (train_part, validation_part) = split_by_text(examples, options.validation, options.seed);

    let cross_validation = if options.l2_penalties.len() > 1 {
        cross_validate(options, &settings, examples, &targets, &labels, &train_part)?
    } else {
        Vec::new()
    };
    let l2_penalty = cross_validation
        .iter()
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map_or(options.l2_penalties[0], |(l2, _)| *l2);

    let (validation, temperature) = if validation_part.is_empty() {
        (None, 1.0)
    } else {
        let progress = spinner(format!("validating (L2 {l2_penalty:e})"));
        let fitted = fit(
            options,
            &settings,
            examples,
            &targets,
            &labels,
            &train_part,
            l2_penalty,
        )?;
        let logits = logits(&fitted.0, &fitted.1, examples, &validation_part);
        let truth: Vec<usize> = validation_part.iter().map(|i| targets[*i]).collect();
        let temperature = fit_temperature(&logits, &truth);
        let probabilities = probabilities(logits, temperature);
        progress.finish_and_clear();
        (
            Some(Evaluation::compute(&labels, &truth, &probabilities)),
            temperature,
        )
    };

    let progress = spinner(format!("fitting on all {} documents", examples.len()));
    let everything: Vec<usize> = (0..examples.len()).collect();
    let (extractor, regression) = fit(
        options,
        &settings,
        examples,
        &targets,
        &labels,
        &everything,
        l2_penalty,
    )?;
    progress.finish_and_clear();

    let mut metrics = std::collections::BTreeMap::new();
    if let Some(evaluation) = &validation {
        metrics.insert("validation_accuracy".into(), evaluation.accuracy);
        metrics.insert("validation_macro_f1".into(), evaluation.macro_f1);
        metrics.insert(
            "validation_calibration_error".into(),
            evaluation.expected_calibration_error,
        );
        if let Some(official) = &evaluation.official {
            metrics.insert(format!("validation_{}", official.name), official.value);
        }
    }
    let metadata = ModelMetadata {
        name: options.name.clone(),
        task: options.task,
        labels,
        training_data_digest: data.digest.clone(),
        training_documents: examples.len() as u64,
        trained_at: now_rfc3339(),
        training_command: options.command.clone(),
        l2_penalty,
        metrics,
    };
    let classifier = Classifier::new(metadata, extractor, regression, temperature);
    let path = options.out_dir.join(format!("{}.model", options.name));
    Artifact::Classifier(Box::new(classifier)).save(&path)?;
    Ok(TrainOutcome {
        path,
        validation,
        cross_validation,
        l2_penalty,
        temperature,
        seconds: started.elapsed().as_secs_f64(),
    })
}

fn check_name(name: &str) -> Result<(), TrainError> {
    let name_ok = !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if name_ok {
        Ok(())
    } else {
        Err(TrainError::InvalidName(name.to_string()))
    }
}

fn validate_options(options: &TrainOptions) -> Result<(), TrainError> {
    check_name(&options.name)?;
    if !(0.0..0.9).contains(&options.validation) {
        return Err(TrainError::InvalidOption(format!(
            "validation fraction must be in [0, 0.9), got {}",
            options.validation
        )));
    }
    if options.l2_penalties.is_empty() {
        return Err(TrainError::InvalidOption("no L2 penalty given".into()));
    }
    if options.l2_penalties.len() > 1 && options.folds < 2 {
        return Err(TrainError::InvalidOption(format!(
            "cross-validation needs at least 2 folds, got {}",
            options.folds
        )));
    }
    Ok(())
}

/// Sorted distinct labels.
fn label_set(examples: &[Example]) -> Vec<String> {
    let mut labels: Vec<String> = examples.iter().map(|e| e.label.clone()).collect();
    labels.sort();
    labels.dedup();
    labels
}

/// Splits example indices into (train, validation), keeping documents with identical text on
/// the same side (FNC-1 pairs one body with many headlines).
fn split_by_text(examples: &[Example], fraction: f64, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let groups = groups_by_text(examples, seed);
    let wanted = (fraction * examples.len() as f64).round() as usize;
    let (mut train, mut validation) = (Vec::new(), Vec::new());
    for group in groups {
        if validation.len() < wanted {
            validation.extend(group);
        } else {
            train.extend(group);
        }
    }
    train.sort_unstable();
    validation.sort_unstable();
    (train, validation)
}

/// Example indices grouped by identical text, groups in seeded random order.
fn groups_by_text(examples: &[Example], seed: u64) -> Vec<Vec<usize>> {
    let mut by_text: FxHashMap<u64, Vec<usize>> = FxHashMap::default();
    for (i, e) in examples.iter().enumerate() {
        by_text
            .entry(xxh3_64(e.text.as_bytes()))
            .or_default()
            .push(i);
    }
    let mut groups: Vec<(u64, Vec<usize>)> = by_text.into_iter().collect();
    groups.sort_unstable_by_key(|(key, _)| *key);
    let mut groups: Vec<Vec<usize>> = groups.into_iter().map(|(_, g)| g).collect();
    groups.shuffle(&mut StdRng::seed_from_u64(seed));
    groups
}

/// Mean validation score (official metric, else macro-F1) of each candidate L2 penalty over
/// `folds` group-aware folds of the training part.
fn cross_validate(
    options: &TrainOptions,
    settings: &FeatureSettings,
    examples: &[Example],
    targets: &[usize],
    labels: &[String],
    train_part: &[usize],
) -> Result<Vec<(f64, f64)>, TrainError> {
    let subset: Vec<Example> = train_part.iter().map(|i| examples[*i].clone()).collect();
    let mut folds = vec![Vec::new(); options.folds];
    for (g, group) in groups_by_text(&subset, options.seed ^ 0x5eed)
        .into_iter()
        .enumerate()
    {
        folds[g % options.folds].extend(group.into_iter().map(|i| train_part[i]));
    }
    let steps = (options.folds * options.l2_penalties.len()) as u64;
    let progress = bar(steps, "cross-validation");
    let mut totals = vec![0.0; options.l2_penalties.len()];
    for (f, held_out) in folds.iter().enumerate() {
        let fit_on: Vec<usize> = folds
            .iter()
            .enumerate()
            .filter(|(g, _)| *g != f)
            .flat_map(|(_, fold)| fold.iter().copied())
            .collect();
        let docs: Vec<_> = fit_on.iter().map(|i| examples[*i].document()).collect();
        let extractor = FeatureExtractor::fit(settings.clone(), &docs)?;
        let records = records(&extractor, examples, &fit_on);
        let dataset = DatasetBase::new(
            records,
            Array1::from_iter(fit_on.iter().map(|i| targets[*i])),
        );
        let truth: Vec<usize> = held_out.iter().map(|i| targets[*i]).collect();
        for (c, l2) in options.l2_penalties.iter().enumerate() {
            let regression = params(options, labels, targets, &fit_on, *l2).fit(&dataset)?;
            let probabilities =
                probabilities(logits(&extractor, &regression, examples, held_out), 1.0);
            let evaluation = Evaluation::compute(labels, &truth, &probabilities);
            totals[c] += evaluation
                .official
                .map_or(evaluation.macro_f1 * 100.0, |o| o.value);
            progress.inc(1);
        }
    }
    progress.finish_and_clear();
    Ok(options
        .l2_penalties
        .iter()
        .zip(totals)
        .map(|(l2, total)| (*l2, total / options.folds as f64))
        .collect())
}

fn params(
    options: &TrainOptions,
    labels: &[String],
    targets: &[usize],
    rows: &[usize],
    l2: f64,
) -> SoftmaxRegressionParams {
    let weights = options.balanced.then(|| {
        let mut counts = vec![0usize; labels.len()];
        rows.iter().for_each(|i| counts[targets[*i]] += 1);
        let n = rows.len() as f64;
        counts
            .iter()
            .map(|c| {
                if *c == 0 {
                    0.0
                } else {
                    n / (labels.len() as f64 * *c as f64)
                }
            })
            .collect()
    });
    SoftmaxRegressionParams::new(labels.len())
        .l2_penalty(l2)
        .class_weights(weights)
}

fn fit(
    options: &TrainOptions,
    settings: &FeatureSettings,
    examples: &[Example],
    targets: &[usize],
    labels: &[String],
    rows: &[usize],
    l2: f64,
) -> Result<(FeatureExtractor, SoftmaxRegression), TrainError> {
    let docs: Vec<_> = rows.iter().map(|i| examples[*i].document()).collect();
    let extractor = FeatureExtractor::fit(settings.clone(), &docs)?;
    let dataset = DatasetBase::new(
        records(&extractor, examples, rows),
        Array1::from_iter(rows.iter().map(|i| targets[*i])),
    );
    let regression = params(options, labels, targets, rows, l2).fit(&dataset)?;
    Ok((extractor, regression))
}

fn records(extractor: &FeatureExtractor, examples: &[Example], rows: &[usize]) -> SparseRecords {
    let mut scratch = Scratch::default();
    let vectors: Vec<_> = rows
        .iter()
        .map(|i| extractor.transform(&examples[*i].document(), &mut scratch))
        .collect();
    SparseRecords::from_rows(&vectors, extractor.dimension())
}

fn logits(
    extractor: &FeatureExtractor,
    regression: &SoftmaxRegression,
    examples: &[Example],
    rows: &[usize],
) -> Vec<Vec<f32>> {
    let mut scratch = Scratch::default();
    rows.iter()
        .map(|i| {
            let v = extractor.transform(&examples[*i].document(), &mut scratch);
            let mut out = vec![0.0; regression.classes()];
            regression.logits_into(&v.indices, &v.values, &mut out);
            out
        })
        .collect()
}

fn probabilities(mut logits: Vec<Vec<f32>>, temperature: f32) -> Vec<Vec<f32>> {
    logits
        .iter_mut()
        .for_each(|l| softmax_in_place(l, temperature));
    logits
}

/// The temperature minimising the negative log-likelihood of `truth` (golden-section search
/// over ln T in [ln 0.05, ln 20]).
fn fit_temperature(logits: &[Vec<f32>], truth: &[usize]) -> f32 {
    let nll = |log_t: f64| -> f64 {
        let t = log_t.exp() as f32;
        logits
            .iter()
            .zip(truth)
            .map(|(l, y)| {
                let mut p = l.clone();
                softmax_in_place(&mut p, t);
                -(f64::from(p[*y]).max(1e-12)).ln()
            })
            .sum()
    };
    let (mut a, mut b) = (0.05f64.ln(), 20f64.ln());
    let ratio = (5f64.sqrt() - 1.0) / 2.0;
    for _ in 0..60 {
        let c = b - ratio * (b - a);
        let d = a + ratio * (b - a);
        if nll(c) < nll(d) {
            b = d;
        } else {
            a = c;
        }
    }
    ((a + b) / 2.0).exp() as f32
}

/// Builds the summarizer's corpus statistics from the documents in `data` and writes them to
/// `<out_dir>/<name>.model`.
pub fn train_summarizer(data: &Path, name: &str, out_dir: &Path) -> Result<PathBuf, TrainError> {
    check_name(name)?;
    let data = data::load_unlabeled(data)?;
    let documents: Vec<String> = data
        .examples
        .iter()
        .map(|e| format!("{}\n\n{}", e.title, e.text))
        .collect();
    let idf = IdfTable::from_documents(documents.iter().map(String::as_str));
    let path = out_dir.join(format!("{name}.model"));
    Artifact::Summarizer(idf).save(&path)?;
    Ok(path)
}

/// Figures of the model file at `model` on the labeled data at `data_path`, whose fields
/// are named by `fields`.
pub fn evaluate(
    model: &Path,
    data_path: &Path,
    fields: &data::FieldNames,
) -> Result<Evaluation, TrainError> {
    Ok(predict_examples(model, data_path, fields)?.evaluation)
}

fn spinner(message: String) -> Progress {
    Progress::spinner(message)
}

fn bar(length: u64, message: &'static str) -> Progress {
    Progress::bar(length, message)
}

fn now_rfc3339() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}

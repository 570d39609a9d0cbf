//! Training: reads labeled data, picks the regularisation by cross-validation on the
//! training part, reports figures on a held-out validation part, calibrates the
//! probabilities on it, refits on all the data and writes the model file atomically.

mod cache;
mod fitting;
pub mod selection;
mod sgd;
pub mod split;
pub mod streaming;
mod summary;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use thiserror::Error;

use crate::corpus::{self, CorpusError, Example, FieldNames};
use crate::evaluate::Evaluation;
use crate::features::{FeatureError, FeatureSettings, MentionSettings, TargetFeatures};
use crate::model::artifact::{Artifact, ArtifactError};
use crate::model::estimator::{softmax_in_place, EstimatorError};
use crate::model::{Classifier, ModelMetadata, Task};
use crate::progress::Progress;
use crate::summarize::IdfTable;
pub use fitting::Candidate;
use fitting::{fit, logits, probabilities};
pub use selection::{CvScore, FeatureTrial, SelectBy, Selection};

/// Why training failed.
#[derive(Debug, Error)]
pub enum TrainError {
    /// The data could not be read.
    #[error(transparent)]
    Data(#[from] CorpusError),
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
    /// The label field has about as many distinct values as there are rows: an identifier
    /// or free text, not a class.
    #[error(
        "{path}: label field `{field}` has {classes} distinct values in {rows} records, \
         fewer than two records per class: it looks like an identifier, not a label; \
         name the label with --label-field"
    )]
    LabelLooksLikeIdentifier {
        /// The data file.
        path: PathBuf,
        /// The label field.
        field: String,
        /// Distinct labels.
        classes: usize,
        /// Records.
        rows: usize,
    },
    /// A stance model was asked for on data without any target.
    #[error(
        "{path}: --task stance, but no record has a target in field `{field}` (stance toward \
         what?); name the field with --target-field, train --task topic, or pass \
         --target-features ignore for a stance model that never sees a target"
    )]
    NoTargets {
        /// The data file.
        path: PathBuf,
        /// The target field looked for.
        field: String,
    },
    /// Cross-validation was asked for, but the training part filled fewer than two folds
    /// (too few documents, texts or group values).
    #[error(
        "{path}: cross-validation needs at least 2 folds with documents; the {documents} \
         training documents filled {filled} (too few distinct texts or --group-field values); \
         pass one --l2 value and no feature search, or add data"
    )]
    TooFewFolds {
        /// The data file.
        path: PathBuf,
        /// Folds that received documents.
        filled: usize,
        /// Documents of the training part.
        documents: usize,
    },
    /// The disk feature cache of streaming training failed.
    #[error(transparent)]
    Cache(#[from] cache::CacheError),
    /// The data file changed between two passes of streaming training.
    #[error("{path}: the file changed while training read it; start again")]
    DataChanged {
        /// The data file.
        path: PathBuf,
    },
}

impl From<linfa::Error> for TrainError {
    fn from(error: linfa::Error) -> Self {
        Self::Estimator(error.into())
    }
}

/// What to train and how.
#[derive(Debug, Clone)]
pub struct TrainOptions {
    /// Topic or stance.
    pub task: Task,
    /// Labeled data file.
    pub data: PathBuf,
    /// Which fields of the data hold the text, title, target and label.
    pub fields: FieldNames,
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
    /// Candidate class-weight powers: classes are weighted by (inverse frequency)^power, so
    /// 0 = unweighted and 1 = balanced; more than one candidate (or L2 penalty) = chosen by
    /// cross-validation together with the L2 penalty.
    pub class_weight_powers: Vec<f64>,
    /// Which cross-validation figure chooses the candidate.
    pub select_by: SelectBy,
    /// Weight of an extra copy of every training example that has a target, without the
    /// target (0 = no copies; per-target stance models only). The shared weights then answer
    /// on their own, which is all a target never seen in training gets.
    pub untargeted_copies: f32,
    /// Choose the feature settings too, from the grid of [`selection::feature_steps`]
    /// around [`Self::features`] (the CLI does when no feature flag is given).
    pub search_features: bool,
    /// Time the feature search may take, counted from the start of the run: a setting whose
    /// cross-validation would end past it is skipped.
    pub budget: Duration,
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
    /// Mean cross-validation figures per candidate with the chosen features (empty with a
    /// single candidate and no feature search).
    pub cross_validation: Vec<CvScore>,
    /// Every feature setting tried and those skipped for the budget.
    pub selection: Selection,
    /// The chosen candidate lies at the edge of a grid of several values.
    pub edge_warnings: Vec<String>,
    /// Features of the final model.
    pub features: usize,
    /// The candidate used (L2 penalty and class-weight power).
    pub chosen: Candidate,
    /// Calibration temperature fitted on the validation part.
    pub temperature: f32,
    /// Wall time of the whole run, in seconds.
    pub seconds: f64,
}

/// Trains a model as `options` says and writes it to `<out_dir>/<name>.model`.
pub fn train(options: &TrainOptions) -> Result<TrainOutcome, TrainError> {
    let started = Instant::now();
    validate_options(options)?;
    let data = corpus::load_fields(&options.data, options.task, &options.fields)?;
    let examples = &data.examples;
    let labels = label_set(examples);
    if labels.len() < 2 {
        return Err(TrainError::OneClass {
            path: options.data.clone(),
            label: labels.into_iter().next().unwrap_or_default(),
        });
    }
    if labels.len() * 2 > examples.len() {
        return Err(TrainError::LabelLooksLikeIdentifier {
            path: options.data.clone(),
            field: data.label_field.clone(),
            classes: labels.len(),
            rows: examples.len(),
        });
    }
    let seen = TargetsSeen::of(examples);
    if options.task == Task::Stance
        && seen.records == 0
        && options.target_features != Some(TargetFeatures::Ignore)
    {
        return Err(TrainError::NoTargets {
            path: options.data.clone(),
            field: options.fields.target.clone(),
        });
    }
    let mut settings = options.features.clone();
    settings.target_features = match options.target_features {
        Some(chosen) => chosen,
        None => {
            let chosen = default_target_features(&seen);
            eprintln!(
                "{}",
                summary::describe_target_default(&chosen, &seen, &options.fields)
            );
            chosen
        }
    };
    settings.validate()?;
    if options.untargeted_copies > 0.0 && settings.target_features != TargetFeatures::PerTarget {
        return Err(TrainError::InvalidOption(
            "untargeted copies need per-target features (stance data with targets)".into(),
        ));
    }
    if matches!(settings.target_features, TargetFeatures::Mention(_)) && !seen.mentions {
        return Err(TrainError::InvalidOption(format!(
            "mention target features need the target's offsets in the data ({}_start and \
             {}_end, in characters); {} has none",
            options.fields.target,
            options.fields.target,
            options.data.display()
        )));
    }
    let targets: Vec<usize> = examples
        .iter()
        .map(|e| labels.iter().position(|l| *l == e.label).unwrap_or(0))
        .collect();
    for line in summary::describe_data(&data, &options.fields, &labels, &targets) {
        eprintln!("{line}");
    }
    let split = split::parts_of(examples, options.validation, options.folds, options.seed);
    let (train_part, validation_part) = (split.train_part(), &split.validation);

    let selection = selection::select(
        options,
        &settings,
        examples,
        &targets,
        &labels,
        &split.folds,
        started,
    )?;
    let settings = selection.settings.clone();
    let chosen = selection::best(&selection.scores, options.select_by)
        .map_or(selection::candidates(options)[0], |score| score.candidate);
    let edge_warnings = if selection.scores.is_empty() {
        Vec::new()
    } else {
        selection::edge_warnings(options, chosen)
    };
    let l2_penalty = chosen.l2;

    // The validation fit (on the training part, for the figures and the calibration) and the
    // final fit (on everything) are independent: side by side when both fit in memory twice.
    let validate = || -> Result<(Option<Evaluation>, f32), TrainError> {
        if validation_part.is_empty() {
            return Ok((None, 1.0));
        }
        let fitted = fit(
            &settings,
            examples,
            &targets,
            &labels,
            &train_part,
            chosen,
            options.untargeted_copies,
        )?;
        let logits = logits(&fitted.0, &fitted.1, examples, validation_part);
        let truth: Vec<usize> = validation_part.iter().map(|i| targets[*i]).collect();
        let temperature = fit_temperature(&logits, &truth);
        let probabilities = probabilities(logits, temperature);
        Ok((
            Some(Evaluation::compute(&labels, &truth, &probabilities)),
            temperature,
        ))
    };
    let everything: Vec<usize> = (0..examples.len()).collect();
    let fit_everything = || {
        fit(
            &settings,
            examples,
            &targets,
            &labels,
            &everything,
            chosen,
            options.untargeted_copies,
        )
    };
    let describe_final = format!(
        "fitting on all {} documents ({})",
        examples.len(),
        selection::describe(&settings)
    );
    let (validated, fitted) = if examples.len() <= selection::SIDE_BY_SIDE_DOCUMENTS {
        let progress = Progress::spinner(format!(
            "validating (L2 {l2_penalty:e}) and {describe_final}"
        ));
        let both = rayon::join(validate, fit_everything);
        progress.finish_and_clear();
        both
    } else {
        let progress = Progress::spinner(format!("validating (L2 {l2_penalty:e})"));
        let validated = validate();
        progress.finish_and_clear();
        let progress = Progress::spinner(describe_final);
        let fitted = fit_everything();
        progress.finish_and_clear();
        (validated, fitted)
    };
    let (validation, temperature) = validated?;
    let (extractor, regression) = fitted?;
    let features = extractor.dimension();

    let path = write_model(
        options,
        ModelParts {
            labels,
            digest: data.digest.clone(),
            documents: examples.len() as u64,
            validation: validation.as_ref(),
            extractor,
            regression,
            temperature,
            l2_penalty,
        },
    )?;
    Ok(TrainOutcome {
        path,
        validation,
        cross_validation: selection.scores.clone(),
        selection,
        edge_warnings,
        features,
        chosen,
        temperature,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Targets count as claims (open-ended: a headline or a claim per few records, as FNC-1's
/// 1,652 headlines with 30 records each) when there are more than [`CLAIM_MIN_TARGETS`] of
/// them and each is seen in fewer than [`CLAIM_RECORDS_PER_TARGET`] records on average:
/// per-target features give every target weights of its own, which a target seen a few dozen
/// times cannot learn. A fixed set of recurring targets (SemEval's five, about 580 records
/// each) keeps per-target features.
pub const CLAIM_RECORDS_PER_TARGET: usize = 100;

/// See [`CLAIM_RECORDS_PER_TARGET`].
pub const CLAIM_MIN_TARGETS: usize = 50;

/// What the data says about its stance targets, as the default target features need it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TargetsSeen {
    /// Records with a target.
    pub records: usize,
    /// Distinct targets among them.
    pub distinct: usize,
    /// Whether any record says where its text mentions its target.
    pub mentions: bool,
}

impl TargetsSeen {
    /// The figures of `examples`.
    pub fn of<'a>(examples: impl IntoIterator<Item = &'a Example>) -> Self {
        let mut distinct = std::collections::HashSet::new();
        let mut seen = Self::default();
        for example in examples {
            if let Some(target) = &example.target {
                seen.records += 1;
                distinct.insert(target.as_str());
            }
            seen.mentions |= !example.mentions.is_empty();
        }
        seen.distinct = distinct.len();
        seen
    }
}

/// The target features used when none were asked for: mention features when the data says
/// where its text mentions the target (stance toward a named target, as NewsMTSC labels it);
/// claim features when the targets are many and rare (see [`CLAIM_RECORDS_PER_TARGET`]);
/// per-target features for a set of recurring targets (SemEval); none without targets.
pub fn default_target_features(seen: &TargetsSeen) -> TargetFeatures {
    if seen.records == 0 {
        TargetFeatures::Ignore
    } else if seen.mentions {
        TargetFeatures::Mention(MentionSettings::default())
    } else if seen.distinct > CLAIM_MIN_TARGETS
        && seen.records < CLAIM_RECORDS_PER_TARGET * seen.distinct
    {
        TargetFeatures::Claim
    } else {
        TargetFeatures::PerTarget
    }
}

/// What a fit produced, to be written as a model file.
struct ModelParts<'a> {
    labels: Vec<String>,
    digest: String,
    documents: u64,
    validation: Option<&'a Evaluation>,
    extractor: crate::features::FeatureExtractor,
    regression: crate::model::estimator::SoftmaxRegression,
    temperature: f32,
    l2_penalty: f64,
}

/// Writes the classifier of `parts` to `<out_dir>/<name>.model` (atomically) and returns
/// the path.
fn write_model(options: &TrainOptions, parts: ModelParts) -> Result<PathBuf, TrainError> {
    let mut metrics = std::collections::BTreeMap::new();
    if let Some(evaluation) = parts.validation {
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
        labels: parts.labels,
        training_data_digest: parts.digest,
        training_documents: parts.documents,
        trained_at: now_rfc3339(),
        training_command: options.command.clone(),
        l2_penalty: parts.l2_penalty,
        metrics,
    };
    let classifier = Classifier::new(
        metadata,
        parts.extractor,
        parts.regression,
        parts.temperature,
    );
    let path = options.out_dir.join(format!("{}.model", options.name));
    Artifact::Classifier(Box::new(classifier)).save(&path)?;
    Ok(path)
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
    if options.class_weight_powers.is_empty() {
        return Err(TrainError::InvalidOption(
            "no class-weight power given".into(),
        ));
    }
    if let Some(power) = options
        .class_weight_powers
        .iter()
        .find(|p| !p.is_finite() || **p < 0.0)
    {
        return Err(TrainError::InvalidOption(format!(
            "class-weight power must be a finite number >= 0, got {power}"
        )));
    }
    if !options.untargeted_copies.is_finite() || options.untargeted_copies < 0.0 {
        return Err(TrainError::InvalidOption(format!(
            "untargeted-copy weight must be a finite number >= 0, got {}",
            options.untargeted_copies
        )));
    }
    if selection::candidates(options).len() > 1 && options.folds < 2 {
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
    let data = corpus::load_unlabeled(data)?;
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

fn now_rfc3339() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_target_features_follow_what_the_data_says() {
        let seen = |records, distinct, mentions| TargetsSeen {
            records,
            distinct,
            mentions,
        };
        assert!(matches!(
            default_target_features(&seen(500, 3, true)),
            TargetFeatures::Mention(_)
        ));
        assert_eq!(
            default_target_features(&seen(2914, 5, false)),
            TargetFeatures::PerTarget
        );
        assert_eq!(
            default_target_features(&seen(49_972, 1_648, false)),
            TargetFeatures::Claim
        );
        assert_eq!(
            default_target_features(&seen(100 * 70, 70, false)),
            TargetFeatures::PerTarget,
            "exactly the threshold is per-target"
        );
        assert_eq!(
            default_target_features(&seen(12, 2, false)),
            TargetFeatures::PerTarget,
            "a few targets are a fixed set, however small the data"
        );
        assert_eq!(
            default_target_features(&seen(0, 0, false)),
            TargetFeatures::Ignore
        );
        let example = |target: Option<&str>| Example {
            id: None,
            title: String::new(),
            text: "text".into(),
            target: target.map(str::to_string),
            mentions: Vec::new(),
            label: "a".into(),
            group: None,
            line: 1,
        };
        let examples = [
            example(Some("x")),
            example(Some("y")),
            example(Some("x")),
            example(None),
        ];
        assert_eq!(TargetsSeen::of(&examples), seen(3, 2, false));
    }

    fn options(
        task: Task,
        data: PathBuf,
        out_dir: PathBuf,
        untargeted_copies: f32,
    ) -> TrainOptions {
        TrainOptions {
            task,
            data,
            fields: FieldNames::default(),
            name: "copies".into(),
            out_dir,
            validation: 0.0,
            seed: 1,
            features: FeatureSettings {
                min_df: 1,
                ..Default::default()
            },
            target_features: None,
            l2_penalties: vec![1e-3],
            folds: 2,
            class_weight_powers: vec![0.0],
            select_by: SelectBy::Official,
            untargeted_copies,
            search_features: false,
            budget: Duration::from_secs(600),
            command: String::new(),
        }
    }

    #[test]
    fn many_rare_targets_train_with_claim_features_in_memory_and_streaming() {
        let dir = tempfile::tempdir().expect("temp dir");
        let data = dir.path().join("claims.jsonl");
        let lines: Vec<String> = (0..240)
            .map(|i| {
                let (stance, word) = if i % 2 == 0 {
                    ("agree", "confirmed")
                } else {
                    ("unrelated", "weather")
                };
                let claim = format!("claim number {} was made", i / 4);
                format!(
                    r#"{{"text": "{word} report {i}", "target": "{claim}", "stance": "{stance}"}}"#
                )
            })
            .collect();
        std::fs::write(&data, lines.join("\n")).expect("write");
        let in_memory = train(&options(Task::Stance, data.clone(), dir.path().into(), 0.0))
            .expect("in-memory training");
        assert_eq!(
            in_memory.selection.settings.target_features,
            TargetFeatures::Claim,
            "60 targets of 4 records each are claims"
        );
        let streamed = streaming::train_streaming(
            &options(Task::Stance, data, dir.path().join("streamed"), 0.0),
            &streaming::StreamingOptions {
                epochs: 2,
                learning_rate: None,
                cache_dir: dir.path().into(),
            },
        )
        .expect("streaming training");
        let model = crate::model::Classifier::load(&streamed.path).expect("load");
        assert_eq!(
            model.extractor().settings().target_features,
            TargetFeatures::Claim
        );
    }

    #[test]
    fn untargeted_copies_train_stance_models_and_are_refused_elsewhere() {
        let dir = tempfile::tempdir().expect("temp dir");
        let stance = dir.path().join("stance.jsonl");
        let lines: Vec<String> = (0..12)
            .map(|i| {
                let (stance, word) = if i % 2 == 0 { ("FAVOR", "good") } else { ("AGAINST", "bad") };
                let target = ["policy", "plan"][i % 3 % 2];
                format!(r#"{{"text": "{word} idea number {i}", "target": "{target}", "stance": "{stance}"}}"#)
            })
            .collect();
        std::fs::write(&stance, lines.join("\n")).expect("write");
        let trained = train(&options(
            Task::Stance,
            stance.clone(),
            dir.path().into(),
            0.5,
        ));
        assert!(trained.expect("stance model").path.exists());

        let topic = dir.path().join("topic.jsonl");
        std::fs::write(
            &topic,
            "{\"text\": \"goal scored\", \"topic\": \"sport\"}\n{\"text\": \"shares fell\", \"topic\": \"business\"}\n\
             {\"text\": \"late winner\", \"topic\": \"sport\"}\n{\"text\": \"rates rose\", \"topic\": \"business\"}\n",
        )
        .expect("write");
        let out = dir.path().join("topic-out");
        let refused = train(&options(Task::Topic, topic, out.clone(), 0.5));
        assert!(
            matches!(&refused, Err(TrainError::InvalidOption(m)) if m.contains("per-target")),
            "{refused:?}"
        );
        assert!(!out.join("copies.model").exists());
        let negative = train(&options(Task::Stance, stance, dir.path().into(), -1.0));
        assert!(matches!(negative, Err(TrainError::InvalidOption(_))));
    }
}

#[cfg(test)]
mod streaming_tests;

//! Training on corpora larger than memory (`train --streaming`): the data file is read as a
//! stream twice and never held.
//!
//! 1. The first pass counts labels and the document frequency of every feature key (the
//!    vocabulary). Its table grows with the number of distinct n-grams, not documents; when
//!    it outgrows [`MAX_COUNTED_KEYS`], keys seen in one document so far are dropped (with a
//!    minimum document frequency of 2 or more, the ones least likely to be kept).
//! 2. The second pass turns each document into its TF-IDF vector and writes it, with its
//!    class and its part of the split, to the disk feature cache (`cache.rs`). The validation
//!    part and the cross-validation folds of a document with a `--group-field` value are
//!    its group's, assigned after the first pass as the in-memory split assigns them (the
//!    first pass counts records per value: memory grows with the number of groups, not of
//!    documents); a document without one goes by a seeded hash of its text, so identical
//!    texts stay on one side. (The in-memory split also joins identical texts of different
//!    groups, which needs every text at once, and balances fold sizes exactly, where hashing
//!    balances them on average.)
//! 3. Every fit (each candidate on each fold, the validation fit, the final one) is the
//!    streaming SGD estimator (`sgd.rs`) over passes of the cache, through linfa's `Fit`.
//!    The temperature is fitted on the validation part's logits as in memory.
//!
//! Unlike the in-memory path, one vocabulary (from all documents) serves every fit: the
//! held-out documents' n-gram counts (not their labels) shape the IDF the folds see.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use linfa::dataset::DatasetBase;
use linfa::traits::Fit;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use sha2::{Digest, Sha256};
use xxhash_rust::xxh3::xxh3_64_with_seed;

use super::cache::{CacheWriter, CachedRecords, CachedTargets, FeatureCache, VALIDATION_PART};
use super::fitting::weights_from_counts;
use super::selection::{FeatureTrial, Selection};
use super::sgd::StreamingSoftmaxParams;
use super::{
    fit_temperature, selection, validate_options, write_model, Candidate, CvScore, ModelParts,
    TrainError, TrainOptions, TrainOutcome,
};
use crate::corpus::stream::ExampleStream;
use crate::corpus::Example;
use crate::evaluate::Evaluation;
use crate::features::{FeatureExtractor, Scratch, TargetFeatures};
use crate::model::estimator::softmax_in_place;
use crate::progress::Progress;

/// Distinct feature keys the first pass counts before it drops those seen once.
pub const MAX_COUNTED_KEYS: usize = 6_000_000;
/// Documents read and featurised together (in parallel) by each pass.
const CHUNK: usize = 4096;

/// How streaming training runs.
#[derive(Debug, Clone)]
pub struct StreamingOptions {
    /// Passes of the optimiser over the feature cache, per fit.
    pub epochs: usize,
    /// The optimiser's starting learning rate; `None` chooses it on a sample of the rows.
    pub learning_rate: Option<f64>,
    /// Directory of the temporary feature cache.
    pub cache_dir: PathBuf,
}

/// What the first pass found.
struct Survey {
    labels: Vec<String>,
    documents: usize,
    has_targets: bool,
    document_frequency: FxHashMap<u64, u32>,
    pruned: usize,
    digest: String,
    /// Records per `--group-field` value (empty without one), and records without a value.
    group_sizes: BTreeMap<String, u64>,
    ungrouped: u64,
}

/// Trains as [`super::train`] does, reading `options.data` as a stream (see the module
/// documentation); figures and the model file are of the same kind.
pub fn train_streaming(
    options: &TrainOptions,
    streaming: &StreamingOptions,
) -> Result<TrainOutcome, TrainError> {
    let started = Instant::now();
    validate_options(options)?;
    let mut settings = options.features.clone();
    // Per-target keys of a document without a target are its shared keys, so counting with
    // per-target settings and switching to none when no target was seen gives the same
    // vocabulary as counting without.
    // Whether the data gives mention offsets, and how often its targets recur, is read off
    // its first records, since the vocabulary pass needs the layout already.
    let peeked = peek_targets(options)?;
    settings.target_features = match options.target_features {
        Some(chosen) => chosen,
        None if peeked.records == 0 => TargetFeatures::PerTarget,
        None => super::default_target_features(&peeked),
    };
    settings.validate()?;
    let survey = survey(options, &settings)?;
    if survey.labels.len() < 2 {
        return Err(TrainError::OneClass {
            path: options.data.clone(),
            label: survey.labels.into_iter().next().unwrap_or_default(),
        });
    }
    if options.target_features.is_none() {
        if !survey.has_targets {
            settings.target_features = TargetFeatures::Ignore;
        }
        eprintln!(
            "{}",
            super::summary::describe_target_default(
                &settings.target_features,
                &peeked,
                &options.fields
            )
        );
    }
    if options.untargeted_copies > 0.0 {
        return Err(TrainError::InvalidOption(
            "untargeted copies are not supported with --streaming".into(),
        ));
    }
    if let Some(field) = &options.fields.group {
        eprintln!(
            "groups kept whole in validation: the {} values of `{field}` ({} records have none \
             and are split by their text)",
            survey.group_sizes.len(),
            survey.ungrouped
        );
    }
    if survey.pruned > 0 {
        eprintln!(
            "vocabulary: the key table was pruned {} times (over {MAX_COUNTED_KEYS} keys)",
            survey.pruned
        );
    }
    let extractor = FeatureExtractor::from_document_frequencies(
        settings.clone(),
        survey.document_frequency,
        survey.documents,
    )?;
    eprintln!(
        "{} documents, {} classes, {} features",
        survey.documents,
        survey.labels.len(),
        extractor.dimension()
    );
    let folds = options.folds.clamp(2, 200);
    let groups = assign_groups(
        &survey.group_sizes,
        survey.documents as u64,
        options.validation,
        folds,
        options.seed,
    );
    let cache = write_cache(
        options,
        streaming,
        &extractor,
        &survey.labels,
        &survey.digest,
        folds,
        &groups,
    )?;
    let classes = survey.labels.len();
    let parts_except =
        |excluded: &[usize]| -> Vec<bool> { (0..=folds).map(|p| !excluded.contains(&p)).collect() };
    let grid = selection::candidates(options);
    let cross_validation = if grid.len() > 1 {
        let mut scores = Vec::new();
        for candidate in &grid {
            let mut totals = [0.0; 3];
            for fold in 0..folds {
                let included = parts_except(&[fold, folds]);
                let regression = fit(&cache, streaming, options, classes, *candidate, included)?;
                let only: Vec<bool> = (0..=folds).map(|p| p == fold).collect();
                let evaluation =
                    evaluate(&cache, &regression, &only, &survey.labels, 1.0)?.evaluation;
                let macro_f1 = evaluation.macro_f1 * 100.0;
                totals[0] += evaluation.official.map_or(macro_f1, |o| o.value);
                totals[1] += macro_f1;
                totals[2] += evaluation.accuracy * 100.0;
            }
            let n = folds as f64;
            scores.push(CvScore {
                candidate: *candidate,
                official: totals[0] / n,
                macro_f1: totals[1] / n,
                accuracy: totals[2] / n,
            });
        }
        scores
    } else {
        Vec::new()
    };
    let chosen = cross_validation
        .iter()
        .max_by(|a, b| {
            a.criterion(options.select_by)
                .total_cmp(&b.criterion(options.select_by))
        })
        .map_or(grid[0], |score| score.candidate);

    let validation_rows: u64 = cache
        .class_counts(&(0..=folds).map(|p| p == folds).collect::<Vec<_>>())
        .iter()
        .sum();
    let (validation, temperature) = if validation_rows == 0 {
        (None, 1.0)
    } else {
        let regression = fit(
            &cache,
            streaming,
            options,
            classes,
            chosen,
            parts_except(&[folds]),
        )?;
        let only: Vec<bool> = (0..=folds).map(|p| p == folds).collect();
        let Scored { logits, truth, .. } =
            evaluate(&cache, &regression, &only, &survey.labels, 1.0)?;
        let temperature = fit_temperature(&logits, &truth);
        let probabilities: Vec<Vec<f32>> = logits
            .into_iter()
            .map(|mut l| {
                softmax_in_place(&mut l, temperature);
                l
            })
            .collect();
        (
            Some(Evaluation::compute(&survey.labels, &truth, &probabilities)),
            temperature,
        )
    };
    let regression = fit(
        &cache,
        streaming,
        options,
        classes,
        chosen,
        parts_except(&[]),
    )?;
    drop(cache);
    let features = extractor.dimension();
    let selection = Selection {
        settings: extractor.settings().clone(),
        scores: cross_validation.clone(),
        trials: vec![FeatureTrial {
            settings: extractor.settings().clone(),
            scores: cross_validation.clone(),
            seconds: 0.0,
        }],
        skipped: Vec::new(),
    };
    let edge_warnings = if cross_validation.is_empty() {
        Vec::new()
    } else {
        selection::edge_warnings(options, chosen)
    };
    let path = write_model(
        options,
        ModelParts {
            labels: survey.labels,
            digest: survey.digest,
            documents: survey.documents as u64,
            validation: validation.as_ref(),
            extractor,
            regression,
            temperature,
            l2_penalty: chosen.l2,
        },
    )?;
    Ok(TrainOutcome {
        path,
        validation,
        cross_validation,
        selection,
        edge_warnings,
        features,
        chosen,
        temperature,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Reads `options.data` in chunks, showing bytes read of the file size, and calls `each`
/// with every chunk; returns the file's digest.
fn for_each_chunk(
    options: &TrainOptions,
    message: &str,
    mut each: impl FnMut(&[Example]) -> Result<(), TrainError>,
) -> Result<String, TrainError> {
    let mut stream = ExampleStream::open(&options.data, Some(options.task), &options.fields)?;
    let progress = Progress::bytes(stream.file_size(), message);
    let counter = stream.counter();
    let mut chunk = Vec::with_capacity(CHUNK);
    loop {
        chunk.clear();
        for example in stream.by_ref().take(CHUNK) {
            chunk.push(example?);
        }
        if chunk.is_empty() {
            break;
        }
        each(&chunk)?;
        progress.set_position(counter.bytes());
    }
    progress.finish_and_clear();
    Ok(stream.digest())
}

/// Records read to choose the default target features.
const PEEKED_RECORDS: usize = 1_000;

/// The targets of the first [`PEEKED_RECORDS`] records.
fn peek_targets(options: &TrainOptions) -> Result<super::TargetsSeen, TrainError> {
    let stream = ExampleStream::open(&options.data, Some(options.task), &options.fields)?;
    let examples = stream.take(PEEKED_RECORDS).collect::<Result<Vec<_>, _>>()?;
    Ok(super::TargetsSeen::of(&examples))
}

/// The first pass: labels, targets and document frequencies.
fn survey(
    options: &TrainOptions,
    settings: &crate::features::FeatureSettings,
) -> Result<Survey, TrainError> {
    let mut labels: BTreeMap<String, u64> = BTreeMap::new();
    let mut document_frequency: FxHashMap<u64, u32> = FxHashMap::default();
    let (mut documents, mut has_targets, mut pruned) = (0usize, false, 0usize);
    let (mut group_sizes, mut ungrouped) = (BTreeMap::new(), 0u64);
    let digest = for_each_chunk(options, "reading (pass 1 of 2)", |chunk| {
        let keys: Vec<Vec<u64>> = chunk
            .par_iter()
            .map_init(Scratch::default, |scratch, example| {
                let mut keys = Vec::new();
                settings.distinct_keys(&example.document(), scratch, &mut keys);
                keys
            })
            .collect();
        for (example, keys) in chunk.iter().zip(keys) {
            *labels.entry(example.label.clone()).or_insert(0) += 1;
            has_targets |= example.target.is_some();
            if options.fields.group.is_some() {
                match example.group.as_deref() {
                    Some(group) => match group_sizes.get_mut(group) {
                        Some(size) => *size += 1,
                        None => {
                            group_sizes.insert(group.to_string(), 1);
                        }
                    },
                    None => ungrouped += 1,
                }
            }
            for key in keys {
                *document_frequency.entry(key).or_insert(0) += 1;
            }
        }
        documents += chunk.len();
        if document_frequency.len() > MAX_COUNTED_KEYS && settings.min_df >= 2 {
            document_frequency.retain(|_, df| *df >= 2);
            pruned += 1;
        }
        Ok(())
    })?;
    if documents == 0 {
        return Err(crate::corpus::CorpusError::Empty {
            path: options.data.clone(),
        }
        .into());
    }
    Ok(Survey {
        labels: labels.into_keys().collect(),
        documents,
        has_targets,
        document_frequency,
        pruned,
        digest,
        group_sizes,
        ungrouped,
    })
}

/// The split part of every `--group-field` value, as the in-memory split makes it
/// (`selection::split_by_groups`, `groups::group_k_fold`): groups in a seeded random order
/// fill the validation part up to a share `fraction` of the records, the others go, largest
/// first, each to the fold with the fewest records.
fn assign_groups(
    sizes: &BTreeMap<String, u64>,
    records: u64,
    fraction: f64,
    folds: usize,
    seed: u64,
) -> FxHashMap<String, u8> {
    let mut groups: Vec<(&String, u64)> = sizes.iter().map(|(g, n)| (g, *n)).collect();
    groups.shuffle(&mut StdRng::seed_from_u64(seed));
    let wanted = (fraction * records as f64).round() as u64;
    let mut assignment = FxHashMap::default();
    let mut validation = 0u64;
    let mut rest = Vec::new();
    for (group, size) in groups {
        if validation < wanted {
            validation += size;
            assignment.insert(group.clone(), VALIDATION_PART);
        } else {
            rest.push((group, size));
        }
    }
    rest.sort_by_key(|(_, size)| std::cmp::Reverse(*size));
    let mut fold_rows = vec![0u64; folds];
    for (group, size) in rest {
        let lightest = (0..folds).min_by_key(|f| fold_rows[*f]).unwrap_or(0);
        fold_rows[lightest] += size;
        assignment.insert(group.clone(), lightest as u8);
    }
    assignment
}

/// The part of the split a document without a group falls in, by its text: the validation
/// part for a share `fraction` of texts, else one of `folds` folds (seeded hashes).
fn part_of(key: &str, fraction: f64, folds: usize, seed: u64) -> u8 {
    let h = xxh3_64_with_seed(key.as_bytes(), seed);
    if (h % 1_000_000) as f64 / 1e6 < fraction {
        VALIDATION_PART
    } else {
        (xxh3_64_with_seed(key.as_bytes(), seed ^ 0x5eed) % folds as u64) as u8
    }
}

/// The second pass: every document's vector, class and part, written to the cache.
fn write_cache(
    options: &TrainOptions,
    streaming: &StreamingOptions,
    extractor: &FeatureExtractor,
    labels: &[String],
    digest: &str,
    folds: usize,
    groups: &FxHashMap<String, u8>,
) -> Result<FeatureCache, TrainError> {
    let mut key = Sha256::new();
    key.update(digest.as_bytes());
    key.update(format!("{:?}", options.fields.group).as_bytes());
    key.update(format!("{:?}", extractor.settings()).as_bytes());
    key.update(extractor.dimension().to_le_bytes());
    key.update(options.validation.to_le_bytes());
    key.update(options.seed.to_le_bytes());
    key.update(folds.to_le_bytes());
    let key: [u8; 32] = key.finalize().into();
    let mut writer = CacheWriter::create(
        &streaming.cache_dir,
        key,
        extractor.dimension(),
        labels.len(),
        folds,
    )?;
    let class_of: FxHashMap<&str, u16> = labels
        .iter()
        .enumerate()
        .map(|(i, l)| (l.as_str(), i as u16))
        .collect();
    let second = for_each_chunk(options, "featurising (pass 2 of 2)", |chunk| {
        let vectors: Vec<_> = chunk
            .par_iter()
            .map_init(Scratch::default, |scratch, example| {
                extractor.transform(&example.document(), scratch)
            })
            .collect();
        for (example, vector) in chunk.iter().zip(&vectors) {
            let Some(class) = class_of.get(example.label.as_str()) else {
                return Err(TrainError::DataChanged {
                    path: options.data.clone(),
                });
            };
            let part = match example.group.as_deref().and_then(|g| groups.get(g)) {
                Some(part) => *part,
                None => part_of(&example.text, options.validation, folds, options.seed),
            };
            writer.push(*class, part, vector)?;
        }
        Ok(())
    })?;
    if second != digest {
        return Err(TrainError::DataChanged {
            path: options.data.clone(),
        });
    }
    let cache = writer.finish()?;
    eprintln!("feature cache: {:.1} MB", cache.bytes() as f64 / 1e6);
    Ok(cache)
}

/// One streaming fit of `candidate` on the cache's parts `included`.
fn fit(
    cache: &FeatureCache,
    streaming: &StreamingOptions,
    options: &TrainOptions,
    classes: usize,
    candidate: Candidate,
    included: Vec<bool>,
) -> Result<crate::model::estimator::SoftmaxRegression, TrainError> {
    let counts = cache.class_counts(&included);
    let class_weights = weights_from_counts(&counts, candidate.class_weight_power);
    let params = StreamingSoftmaxParams {
        classes,
        l2_penalty: candidate.l2,
        epochs: streaming.epochs,
        learning_rate: streaming.learning_rate,
        class_weights,
        seed: options.seed,
    };
    params.fit(&DatasetBase::new(
        CachedRecords { cache, included },
        CachedTargets,
    ))
}

/// Figures (at `temperature`), logits and true classes of the cache rows in the parts
/// `included`.
fn evaluate(
    cache: &FeatureCache,
    regression: &crate::model::estimator::SoftmaxRegression,
    included: &[bool],
    labels: &[String],
    temperature: f32,
) -> Result<Scored, TrainError> {
    let records = CachedRecords {
        cache,
        included: included.to_vec(),
    };
    let mut reader = cache.reader()?;
    let mut block = super::cache::Block::default();
    let (mut logits, mut truth) = (Vec::new(), Vec::new());
    for b in 0..cache.blocks() {
        reader.read_block(b, &mut block)?;
        for r in 0..block.len() {
            if !records.includes(block.parts[r]) {
                continue;
            }
            let (indices, values) = block.row(r);
            let mut out = vec![0.0; regression.classes()];
            regression.logits_into(indices, values, &mut out);
            logits.push(out);
            truth.push(usize::from(block.classes[r]));
        }
    }
    let probabilities: Vec<Vec<f32>> = logits
        .iter()
        .map(|l| {
            let mut p = l.clone();
            softmax_in_place(&mut p, temperature);
            p
        })
        .collect();
    Ok(Scored {
        evaluation: Evaluation::compute(labels, &truth, &probabilities),
        logits,
        truth,
    })
}

/// Rows of the cache scored by a model.
struct Scored {
    /// Their figures.
    evaluation: Evaluation,
    /// Their class scores before softmax.
    logits: Vec<Vec<f32>>,
    /// Their classes.
    truth: Vec<usize>,
}

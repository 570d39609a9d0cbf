//! Training on corpora larger than memory (`train --streaming`): the data file is read as a
//! stream twice (three times when the feature settings are chosen) and never held.
//!
//! 0. With no feature setting given, a first pass draws a seeded uniform sample of the
//!    records (reservoir sampling, at most [`SAMPLE_RECORDS`] records and
//!    [`SAMPLE_TEXT_BYTES`] of text), on which the in-memory search chooses the feature
//!    settings (`selection::select`: the same grid, folds and `--budget`). The target
//!    features' default is read off the sample too. The L2 penalty and class weighting are
//!    then chosen on the whole stream, since the best penalty depends on the corpus size.
//! 1. The vocabulary pass counts labels and the document frequency of every feature key (the
//!    vocabulary). Its table grows with the number of distinct n-grams, not documents; when
//!    it outgrows [`MAX_COUNTED_KEYS`], keys seen in one document so far are dropped (with a
//!    minimum document frequency of 2 or more, the ones least likely to be kept).
//! 2. The cache pass turns each document into its TF-IDF vector and writes it, with its
//!    class and its part of the split, to the disk feature cache (`cache.rs`). The parts
//!    follow the in-memory path's rule (`split.rs`): a `--group-field` value's part is
//!    assigned after the vocabulary pass, which counts records per value (memory grows with the
//!    number of groups, not of documents), and a document without one goes by seeded hashes
//!    of its text. Only the in-memory split also joins identical texts of different groups,
//!    which needs every text at once.
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
use rand::seq::{IteratorRandom, SliceRandom};
use rand::SeedableRng;
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use sha2::{Digest, Sha256};

use super::cache::{CacheWriter, CachedRecords, CachedTargets, FeatureCache};
use super::fitting::weights_from_counts;
use super::selection::{FeatureTrial, Selection};
use super::sgd::StreamingSoftmaxParams;
use super::split::{self, SplitPlan};
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

/// Distinct feature keys the vocabulary pass counts before it drops those seen once.
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

/// What the vocabulary pass found.
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
    // its first records (or, with no feature setting given, off the uniform sample on which
    // the feature settings are chosen), since the vocabulary pass needs the layout already.
    let sample = if options.search_features {
        Some(sample(options)?)
    } else {
        None
    };
    let peeked = match &sample {
        Some(sample) => super::TargetsSeen::of(sample),
        None => peek_targets(options)?,
    };
    settings.target_features = match options.target_features {
        Some(chosen) => chosen,
        // The first records may all lack a target where later ones have one; a uniform
        // sample without any speaks for the whole file.
        None if peeked.records == 0 && sample.is_none() => TargetFeatures::PerTarget,
        None => super::default_target_features(&peeked),
    };
    settings.validate()?;
    let searched = match &sample {
        Some(sample) => Some(search_on_sample(options, &settings, sample, started)?),
        None => None,
    };
    if let Some(searched) = &searched {
        settings = searched.settings.clone();
    }
    drop(sample);
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
    let plan = SplitPlan::new(
        &survey.group_sizes,
        options.validation,
        options.folds.max(2),
        options.seed,
    );
    let folds = plan.folds();
    let cache = write_cache(
        options,
        streaming,
        &extractor,
        &survey.labels,
        &survey.digest,
        &plan,
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
    let selection = match searched {
        Some(searched) => Selection {
            settings: extractor.settings().clone(),
            scores: cross_validation.clone(),
            ..searched
        },
        None => Selection {
            settings: extractor.settings().clone(),
            scores: cross_validation.clone(),
            trials: vec![FeatureTrial {
                settings: extractor.settings().clone(),
                scores: cross_validation.clone(),
                seconds: 0.0,
            }],
            skipped: Vec::new(),
            sample_records: None,
        },
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

/// "`what` (pass k of n)" for pass `of_two` of the two feature passes: the sampling pass
/// comes first when the feature settings are searched.
fn pass_message(options: &TrainOptions, what: &str, of_two: usize) -> String {
    let (pass, passes) = if options.search_features {
        (of_two + 1, 3)
    } else {
        (of_two, 2)
    };
    format!("{what} (pass {pass} of {passes})")
}

/// Records of the sample on which `--streaming` chooses the feature settings.
pub const SAMPLE_RECORDS: usize = 20_000;
/// Text the sample keeps at most, in bytes: with character n-grams a long document's
/// features take kilobytes, and the search holds the sample's feature matrices.
pub const SAMPLE_TEXT_BYTES: usize = 16 << 20;

/// A uniform random sample (seeded) of the records of `options.data`: [`SAMPLE_RECORDS`]
/// drawn by reservoir sampling in one pass, then, in a seeded random order, as many as fit
/// in [`SAMPLE_TEXT_BYTES`] of text.
pub(super) fn sample(options: &TrainOptions) -> Result<Vec<Example>, TrainError> {
    let mut stream = ExampleStream::open(&options.data, Some(options.task), &options.fields)?;
    let progress = Progress::bytes(stream.file_size(), "sampling the records (pass 1 of 3)");
    let counter = stream.counter();
    let mut rng = StdRng::seed_from_u64(options.seed ^ 0x5a3b1e);
    let mut failure = None;
    let mut records = stream
        .by_ref()
        .map_while(|read| read.map_err(|error| failure = Some(error)).ok())
        .inspect(|_| progress.set_position(counter.bytes()))
        .choose_multiple(&mut rng, SAMPLE_RECORDS);
    progress.finish_and_clear();
    if let Some(error) = failure {
        return Err(error.into());
    }
    // The reservoir's order is not random; its members are.
    records.shuffle(&mut rng);
    let mut text_bytes = 0;
    let kept = records
        .iter()
        .take_while(|e| {
            text_bytes += e.text.len() + e.title.len();
            text_bytes <= SAMPLE_TEXT_BYTES
        })
        .count()
        .max(1);
    records.truncate(kept);
    Ok(records)
}

/// The feature settings chosen by the in-memory search (`selection::select`, the same grid,
/// folds and budget) on `sample`, from `base` (whose target features are kept).
fn search_on_sample(
    options: &TrainOptions,
    base: &crate::features::FeatureSettings,
    sample: &[Example],
    started: Instant,
) -> Result<Selection, TrainError> {
    let labels = super::label_set(sample);
    let targets: Vec<usize> = sample
        .iter()
        .map(|e| labels.iter().position(|l| *l == e.label).unwrap_or(0))
        .collect();
    let split = split::parts_of(sample, options.validation, options.folds, options.seed);
    eprintln!(
        "choosing the feature settings on a random sample of {} records ({} classes)",
        sample.len(),
        labels.len()
    );
    if labels.len() < 2 || split.folds.len() < 2 {
        eprintln!(
            "the sample is too small to compare settings; keeping {}",
            selection::describe(base)
        );
        return Ok(Selection {
            settings: base.clone(),
            scores: Vec::new(),
            trials: Vec::new(),
            skipped: Vec::new(),
            sample_records: Some(sample.len()),
        });
    }
    let mut chosen = selection::select(
        options,
        base,
        sample,
        &targets,
        &labels,
        &split.folds,
        started,
    )?;
    chosen.sample_records = Some(sample.len());
    Ok(chosen)
}

/// Records read to choose the default target features.
const PEEKED_RECORDS: usize = 1_000;

/// The targets of the first [`PEEKED_RECORDS`] records.
fn peek_targets(options: &TrainOptions) -> Result<super::TargetsSeen, TrainError> {
    let stream = ExampleStream::open(&options.data, Some(options.task), &options.fields)?;
    let examples = stream.take(PEEKED_RECORDS).collect::<Result<Vec<_>, _>>()?;
    Ok(super::TargetsSeen::of(&examples))
}

/// The vocabulary pass: labels, targets and document frequencies.
fn survey(
    options: &TrainOptions,
    settings: &crate::features::FeatureSettings,
) -> Result<Survey, TrainError> {
    let mut labels: BTreeMap<String, u64> = BTreeMap::new();
    let mut document_frequency: FxHashMap<u64, u32> = FxHashMap::default();
    let (mut documents, mut has_targets, mut pruned) = (0usize, false, 0usize);
    let (mut group_sizes, mut ungrouped) = (BTreeMap::new(), 0u64);
    let digest = for_each_chunk(
        options,
        &pass_message(options, "counting the vocabulary", 1),
        |chunk| {
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
                        Some(group) => split::count_group(&mut group_sizes, group),
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
        },
    )?;
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

/// The cache pass: every document's vector, class and part, written to the cache.
fn write_cache(
    options: &TrainOptions,
    streaming: &StreamingOptions,
    extractor: &FeatureExtractor,
    labels: &[String],
    digest: &str,
    plan: &SplitPlan,
) -> Result<FeatureCache, TrainError> {
    let folds = plan.folds();
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
    let second = for_each_chunk(options, &pass_message(options, "featurising", 2), |chunk| {
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
            writer.push(
                *class,
                plan.part(&example.text, example.group.as_deref()),
                vector,
            )?;
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

//! What linfa's own estimators cost on our corpora: the issue asked to measure, not estimate,
//! why `src/model/estimator.rs` exists. linfa-logistic and linfa-bayes take dense `Array2`
//! records, so this program builds the crate's own TF-IDF features (the settings of the README
//! training command of the corpus), densifies them into an `Array2<f64>` and fits one
//! estimator; or, for comparison, fits our sparse softmax regression on the same features.
//!
//! Usage: `linfa_dense --corpus bbc|fnc1 --estimator ours|logistic|multinomial-nb|gaussian-nb
//! [--limit N] [--seed S]`. `--limit` fits on a seeded random subset of N training documents
//! (the vocabulary is still learned from the whole training split, so the columns are those
//! of the shipped model's features). The L2 penalty is the one the shipped model chose by
//! cross-validation (`models/<corpus>.model`); linfa-logistic minimises the summed
//! cross-entropy, ours the mean, so linfa gets `alpha = λ · N` and a gradient tolerance scaled
//! the same way, and both get 300 L-BFGS iterations. Every estimator is evaluated on the whole
//! test split (densified 1,000 rows at a time). One run = one estimator, so that peak RSS
//! (`/usr/bin/time -v`, also printed from `VmHWM`) belongs to it alone. Prints one JSON line.

use std::path::Path;
use std::time::Instant;

use docclass::features::TargetFeatures;
use docclass::features::{FeatureExtractor, FeatureSettings, NgramRange, Scratch, SparseVector};
use docclass::model::estimator::{SoftmaxRegressionParams, SparseRecords};
use docclass::model::{Artifact, Task};
use linfa::prelude::*;
use linfa_bayes::{GaussianNb, MultinomialNb};
use linfa_logistic::MultiLogisticRegression;
use ndarray::{Array1, Array2};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;

/// A fitted dense estimator's prediction function.
type DensePredictor = Box<dyn Fn(&Array2<f64>) -> Array1<usize>>;

/// Test rows densified at once when predicting with a dense estimator.
const PREDICT_CHUNK: usize = 1000;

fn main() {
    if let Err(e) = run() {
        eprintln!("linfa_dense: {e}");
        std::process::exit(1);
    }
}

/// A corpus and the feature settings of its README training command.
struct Corpus {
    name: &'static str,
    model: &'static str,
    task: Task,
    train: &'static str,
    test: &'static str,
    settings: FeatureSettings,
}

fn corpus(name: &str) -> Result<Corpus, String> {
    let words = |min, max| NgramRange { min, max };
    match name {
        "bbc" => Ok(Corpus {
            name: "bbc",
            model: "bbc",
            task: Task::Topic,
            train: "bbc/train.jsonl",
            test: "bbc/test.jsonl",
            settings: FeatureSettings {
                word_ngrams: words(1, 1),
                min_df: 1,
                ..FeatureSettings::default()
            },
        }),
        "fnc1" => Ok(Corpus {
            name: "fnc1",
            model: "fnc1",
            task: Task::Stance,
            train: "fnc1/train.jsonl.gz",
            test: "fnc1/test.jsonl.gz",
            settings: FeatureSettings {
                word_ngrams: words(1, 2),
                min_df: 3,
                max_features: Some(50_000),
                target_features: TargetFeatures::Claim,
                ..FeatureSettings::default()
            },
        }),
        other => Err(format!("unknown corpus {other} (bbc or fnc1)")),
    }
}

fn run() -> Result<(), String> {
    let (mut corpus_name, mut estimator, mut limit, mut seed) = (None, None, None, 0u64);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--corpus" => corpus_name = Some(value()?),
            "--estimator" => estimator = Some(value()?),
            "--limit" => limit = Some(value()?.parse::<usize>().map_err(|e| e.to_string())?),
            "--seed" => seed = value()?.parse().map_err(|e| format!("--seed: {e}"))?,
            "--bench" => {} // passed by `cargo bench`; harmless here
            other => return Err(format!("unknown argument {other}")),
        }
    }
    let corpus = corpus(corpus_name.as_deref().unwrap_or("bbc"))?;
    let estimator = estimator.ok_or("--estimator is required")?;
    let data_dir = Path::new("..").join("shared").join("data");
    let load = |file: &str| {
        docclass::corpus::load(&data_dir.join(file), corpus.task)
            .map(|d| d.examples)
            .map_err(|e| e.to_string())
    };
    let (train, test) = (load(corpus.train)?, load(corpus.test)?);
    let labels = {
        let mut l: Vec<String> = train.iter().map(|e| e.label.clone()).collect();
        l.sort();
        l.dedup();
        l
    };
    let index = |label: &str| labels.iter().position(|l| l == label);
    let model_path = Path::new("models").join(format!("{}.model", corpus.model));
    let l2 = match Artifact::load(&model_path)
        .map_err(|e| e.to_string())?
        .artifact
    {
        Artifact::Classifier(c) => c.metadata().l2_penalty,
        Artifact::Summarizer(_) => {
            return Err(format!("{} is not a classifier", model_path.display()))
        }
    };

    let started = Instant::now();
    let docs: Vec<_> = train.iter().map(|e| e.document()).collect();
    let extractor =
        FeatureExtractor::fit(corpus.settings.clone(), &docs).map_err(|e| e.to_string())?;
    let mut rows: Vec<usize> = (0..train.len()).collect();
    if let Some(n) = limit.filter(|n| *n < rows.len()) {
        rows.shuffle(&mut StdRng::seed_from_u64(seed));
        rows.truncate(n);
        rows.sort_unstable();
    }
    let mut scratch = Scratch::default();
    let vectors: Vec<SparseVector> = rows
        .iter()
        .map(|i| extractor.transform(&train[*i].document(), &mut scratch))
        .collect();
    let targets: Array1<usize> = rows
        .iter()
        .map(|i| index(&train[*i].label).ok_or("label"))
        .collect::<Result<_, _>>()?;
    let test_vectors: Vec<SparseVector> = test
        .iter()
        .map(|e| extractor.transform(&e.document(), &mut scratch))
        .collect();
    let truth: Vec<Option<usize>> = test.iter().map(|e| index(&e.label)).collect();
    let features_seconds = started.elapsed().as_secs_f64();
    let dimension = extractor.dimension();
    let (n, k) = (rows.len(), labels.len());

    let started = Instant::now();
    let (densify_seconds, fit_seconds, predicted) = if estimator == "ours" {
        let dataset = DatasetBase::new(SparseRecords::from_rows(&vectors, dimension), targets);
        let model = SoftmaxRegressionParams::new(k)
            .l2_penalty(l2)
            .fit(&dataset)
            .map_err(|e| e.to_string())?;
        let fit_seconds = started.elapsed().as_secs_f64();
        let mut logits = vec![0.0f32; k];
        let predicted: Vec<usize> = test_vectors
            .iter()
            .map(|v| {
                model.logits_into(&v.indices, &v.values, &mut logits);
                docclass::model::estimator::argmax(ndarray::ArrayView1::from(&logits[..]))
            })
            .collect();
        (0.0, fit_seconds, predicted)
    } else {
        let dataset = DatasetBase::new(dense(&vectors, dimension), targets);
        let densify_seconds = started.elapsed().as_secs_f64();
        let started = Instant::now();
        let predict: DensePredictor = match estimator.as_str() {
            "logistic" => {
                let model = MultiLogisticRegression::default()
                    .alpha(l2 * n as f64)
                    .gradient_tolerance(1e-5 * n as f64)
                    .max_iterations(300)
                    .fit(&dataset)
                    .map_err(|e| e.to_string())?;
                Box::new(move |x| model.predict(x))
            }
            "multinomial-nb" => {
                let model = MultinomialNb::params()
                    .fit(&dataset)
                    .map_err(|e| e.to_string())?;
                Box::new(move |x| model.predict(x))
            }
            "gaussian-nb" => {
                let model = GaussianNb::params()
                    .fit(&dataset)
                    .map_err(|e| e.to_string())?;
                Box::new(move |x| model.predict(x))
            }
            other => return Err(format!("unknown estimator {other}")),
        };
        let fit_seconds = started.elapsed().as_secs_f64();
        drop(dataset);
        let predicted = test_vectors
            .chunks(PREDICT_CHUNK)
            .flat_map(|chunk| predict(&dense(chunk, dimension)).to_vec())
            .collect();
        (densify_seconds, fit_seconds, predicted)
    };
    let correct = predicted
        .iter()
        .zip(&truth)
        .filter(|(p, t)| Some(**p) == **t)
        .count();
    println!(
        "{{\"corpus\":\"{}\",\"estimator\":\"{estimator}\",\"train_documents\":{n},\
         \"features\":{dimension},\"dense_gb\":{:.2},\"l2\":{l2:e},\"features_s\":{features_seconds:.1},\
         \"densify_s\":{densify_seconds:.1},\"fit_s\":{fit_seconds:.1},\"test_documents\":{},\
         \"test_accuracy\":{:.4},\"peak_rss_mb\":{}}}",
        corpus.name,
        (n * dimension * 8) as f64 / 1e9,
        test.len(),
        100.0 * correct as f64 / test.len() as f64,
        peak_rss_mb().map_or("null".into(), |m| m.to_string()),
    );
    Ok(())
}

/// Sparse rows as the dense `rows × dimension` matrix linfa's estimators take.
fn dense(rows: &[SparseVector], dimension: usize) -> Array2<f64> {
    let mut x = Array2::zeros((rows.len(), dimension));
    for (mut out, row) in x.rows_mut().into_iter().zip(rows) {
        for (i, v) in row.indices.iter().zip(&row.values) {
            out[*i as usize] = f64::from(*v);
        }
    }
    x
}

/// This process's peak resident set size (`VmHWM`), in MB, where /proc has it.
fn peak_rss_mb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024)
}

//! Tests of streaming training: a model as good as the in-memory one on a small corpus,
//! feature settings chosen on a uniform sample as the in-memory search chooses them, nothing
//! left behind by a failed run, and a feature cache that refuses a file it did not write.

use std::path::{Path, PathBuf};

use super::cache::{CacheError, CacheWriter};
use super::streaming::{
    sample, train_streaming, StreamingOptions, SAMPLE_RECORDS, SAMPLE_TEXT_BYTES,
};
use super::*;
use crate::features::SparseVector;
use crate::model::Classifier;
use crate::text::Document;

/// A two-topic corpus whose classes share most words: a fit has to weigh them right.
fn corpus(documents: usize) -> String {
    let sport = ["goal", "match", "coach", "league", "season"];
    let money = ["shares", "profit", "market", "bank", "season"];
    (0..documents)
        .map(|i| {
            let (label, words) = if i % 3 == 0 {
                ("money", &money)
            } else {
                ("sport", &sport)
            };
            let text: Vec<&str> = (0..12)
                .map(|k| match (i * 7 + k * 3) % 5 {
                    0 | 1 => words[(i + k) % 5],
                    2 => ["the", "a", "this"][k % 3],
                    _ => ["week", "report", "today", "people"][(i + k) % 4],
                })
                .collect();
            format!(
                "{{\"text\": \"{} number{}\", \"topic\": \"{label}\"}}",
                text.join(" "),
                i % 50
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn options(data: PathBuf, out_dir: &Path, name: &str) -> TrainOptions {
    TrainOptions {
        task: Task::Topic,
        data,
        fields: FieldNames::default(),
        name: name.into(),
        out_dir: out_dir.into(),
        validation: 0.2,
        seed: 3,
        features: FeatureSettings::default(),
        target_features: None,
        l2_penalties: vec![1e-4, 1e-3],
        folds: 3,
        class_weight_powers: vec![0.0],
        select_by: SelectBy::MacroF1,
        untargeted_copies: 0.0,
        command: String::new(),
        search_features: false,
        budget: std::time::Duration::from_secs(600),
    }
}

fn streaming(cache_dir: &Path) -> StreamingOptions {
    StreamingOptions {
        epochs: 10,
        learning_rate: None,
        cache_dir: cache_dir.into(),
    }
}

fn accuracy(model: &Classifier, texts: &[(String, String)]) -> f64 {
    let labels = &model.metadata().labels;
    let right = texts
        .iter()
        .filter(|(text, label)| {
            let best = model.predict(&Document::new(text), 0).best();
            labels[best] == *label
        })
        .count();
    right as f64 / texts.len() as f64
}

#[test]
fn a_streamed_model_classifies_as_well_as_the_in_memory_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cache_dir = dir.path().join("cache");
    std::fs::create_dir(&cache_dir).expect("cache dir");
    let data = dir.path().join("train.jsonl");
    std::fs::write(&data, corpus(600)).expect("write");
    let outcome = train_streaming(
        &options(data.clone(), dir.path(), "streamed"),
        &streaming(&cache_dir),
    )
    .expect("streamed training");
    assert_eq!(outcome.cross_validation.len(), 2);
    let validation = outcome.validation.expect("validation figures");
    assert!(validation.macro_f1 > 0.9, "{}", validation.macro_f1);
    assert!(outcome.temperature.is_finite() && outcome.temperature > 0.0);
    assert_eq!(std::fs::read_dir(&cache_dir).expect("cache dir").count(), 0);
    train(&options(data, dir.path(), "in-memory")).expect("in-memory training");

    let held_out: Vec<(String, String)> = corpus(900)
        .lines()
        .skip(600)
        .map(|line| {
            let record: serde_json::Value = serde_json::from_str(line).expect("json");
            (
                record["text"].as_str().unwrap_or_default().to_string(),
                record["topic"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let streamed = Classifier::load(&dir.path().join("streamed.model")).expect("load");
    let in_memory = Classifier::load(&dir.path().join("in-memory.model")).expect("load");
    assert_eq!(streamed.metadata().training_documents, 600);
    let (streamed, in_memory) = (
        accuracy(&streamed, &held_out),
        accuracy(&in_memory, &held_out),
    );
    assert!(streamed > 0.9, "streamed accuracy {streamed}");
    assert!(
        (streamed - in_memory).abs() <= 0.02,
        "{streamed} vs {in_memory}"
    );
}

#[test]
fn without_feature_flags_the_settings_are_chosen_on_a_sample_as_in_memory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("train.jsonl");
    std::fs::write(&data, corpus(600)).expect("write");
    let mut searched = options(data, dir.path(), "streamed");
    searched.search_features = true;
    let streamed = train_streaming(&searched, &streaming(dir.path())).expect("streamed");
    // The corpus is smaller than the sample: the search saw every record, split as in memory.
    assert_eq!(streamed.selection.sample_records, Some(600));
    assert!(
        streamed.selection.trials.len() >= 3,
        "{:?}",
        streamed.selection.trials
    );
    searched.name = "in-memory".into();
    let in_memory = train(&searched).expect("in memory");
    assert_eq!(in_memory.selection.sample_records, None);
    assert_eq!(streamed.selection.settings, in_memory.selection.settings);
    let tried = |outcome: &TrainOutcome| -> Vec<FeatureSettings> {
        outcome
            .selection
            .trials
            .iter()
            .map(|t| t.settings.clone())
            .collect()
    };
    assert_eq!(tried(&streamed), tried(&in_memory));
    // The model holds the chosen settings, and the stream's own cross-validation chose the
    // penalty.
    let model = Classifier::load(&streamed.path).expect("load");
    assert_eq!(*model.extractor().settings(), streamed.selection.settings);
    assert_eq!(streamed.cross_validation.len(), 2);
}

#[test]
fn the_sample_is_uniform_over_a_sorted_file_and_bounded_in_text() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("sorted.jsonl");
    // Sorted by label, 1,000 bytes of text each: the first records are all one class, and
    // the whole sample would hold more text than the bound.
    let records = SAMPLE_RECORDS * 3 / 2;
    let filler = "w".repeat(990);
    let lines: Vec<String> = (0..records)
        .map(|i| {
            let label = if i < records / 2 { "first" } else { "second" };
            format!("{{\"text\": \"{i:08} {filler}\", \"topic\": \"{label}\"}}")
        })
        .collect();
    std::fs::write(&data, lines.join("\n")).expect("write");
    let drawn = sample(&options(data, dir.path(), "x")).expect("sample");
    let text: usize = drawn.iter().map(|e| e.text.len()).sum();
    assert!(text <= SAMPLE_TEXT_BYTES, "{text} bytes of text");
    assert!(
        drawn.len() > SAMPLE_TEXT_BYTES / 1_100,
        "{} records",
        drawn.len()
    );
    let second = drawn.iter().filter(|e| e.label == "second").count() as f64;
    let share = second / drawn.len() as f64;
    assert!(
        (0.45..0.55).contains(&share),
        "share of the second half {share}"
    );
    let mut distinct: Vec<&str> = drawn.iter().map(|e| e.text.as_str()).collect();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), drawn.len(), "a record drawn twice");
}

#[test]
fn a_failed_run_leaves_no_model_and_no_cache() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cache_dir = dir.path().join("cache");
    std::fs::create_dir(&cache_dir).expect("cache dir");
    let data = dir.path().join("broken.jsonl");
    std::fs::write(&data, corpus(40) + "\n{\"text\": \"cut short\", \"topic\":").expect("write");
    let err = train_streaming(&options(data, dir.path(), "broken"), &streaming(&cache_dir))
        .expect_err("malformed last line");
    assert!(err.to_string().contains("broken.jsonl:41:"), "{err}");
    assert!(!dir.path().join("broken.model").exists());
    assert_eq!(std::fs::read_dir(&cache_dir).expect("cache dir").count(), 0);

    let one = dir.path().join("one.jsonl");
    std::fs::write(
        &one,
        "{\"text\": \"a\", \"topic\": \"x\"}\n{\"text\": \"b\", \"topic\": \"x\"}\n",
    )
    .expect("write");
    let err = train_streaming(&options(one, dir.path(), "one"), &streaming(&cache_dir))
        .expect_err("one class");
    assert!(matches!(err, TrainError::OneClass { .. }), "{err}");
    let mut bad_epochs = streaming(&cache_dir);
    bad_epochs.epochs = 0;
    let data = dir.path().join("fine.jsonl");
    std::fs::write(&data, corpus(30)).expect("write");
    let err =
        train_streaming(&options(data, dir.path(), "epochs"), &bad_epochs).expect_err("no epochs");
    assert!(err.to_string().contains("epochs"), "{err}");
    assert_eq!(std::fs::read_dir(&cache_dir).expect("cache dir").count(), 0);
}

#[test]
fn the_cache_refuses_a_file_it_did_not_write() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut writer = CacheWriter::create(dir.path(), [7; 32], 4, 2, 2).expect("create");
    let row = SparseVector {
        indices: vec![1, 3],
        values: vec![0.6, 0.8],
    };
    for class in [0, 1, 0] {
        writer.push(class, 1, &row).expect("push");
    }
    let cache = writer.finish().expect("finish");
    assert_eq!(cache.class_counts(&[false, true, false]), [2, 1]);
    let mut block = super::cache::Block::default();
    cache
        .reader()
        .expect("reader")
        .read_block(0, &mut block)
        .expect("block");
    assert_eq!(block.row(2), (&[1u32, 3][..], &[0.6f32, 0.8][..]));
    let path = std::fs::read_dir(dir.path())
        .expect("dir")
        .next()
        .expect("the cache file")
        .expect("entry")
        .path();
    let mut bytes = std::fs::read(&path).expect("read");
    bytes[10] ^= 1;
    std::fs::write(&path, &bytes).expect("write");
    assert!(matches!(cache.reader(), Err(CacheError::Invalid { .. })));
    bytes.truncate(bytes.len() - 1);
    std::fs::write(&path, &bytes).expect("write");
    assert!(matches!(cache.reader(), Err(CacheError::Invalid { .. })));
    drop(cache);
    assert!(!path.exists(), "the cache file outlived its cache");
}

/// Mean cross-entropy plus λ/2 ‖W‖² of `model` on `rows`.
fn objective(
    model: &crate::model::estimator::SoftmaxRegression,
    rows: &[(usize, SparseVector)],
    dimension: usize,
    classes: usize,
    lambda: f64,
) -> f64 {
    let mut logits = vec![0.0f32; classes];
    let loss: f64 = rows
        .iter()
        .map(|(class, row)| {
            model.logits_into(&row.indices, &row.values, &mut logits);
            crate::model::estimator::softmax_in_place(&mut logits, 1.0);
            -f64::from(logits[*class].max(1e-30)).ln()
        })
        .sum::<f64>()
        / rows.len() as f64;
    let penalty: f64 = (0..dimension as u32)
        .flat_map(|f| (0..classes).map(move |c| (f, c)))
        .map(|(f, c)| f64::from(model.weight(f, c)).powi(2))
        .sum();
    loss + 0.5 * lambda * penalty
}

#[test]
fn the_streaming_fit_reaches_the_objective_of_the_exact_one() {
    use crate::model::estimator::SoftmaxRegressionParams;
    use crate::model::estimator::SparseRecords;
    use linfa::dataset::DatasetBase;
    use linfa::traits::Fit;
    use rand::{Rng, SeedableRng};

    let (dimension, classes, lambda) = (300usize, 3usize, 1e-4);
    let mut rng = rand::rngs::StdRng::seed_from_u64(11);
    let truth: Vec<f64> = (0..dimension * classes)
        .map(|_| rng.gen_range(-1.0..1.0))
        .collect();
    let rows: Vec<(usize, SparseVector)> = (0..6000)
        .map(|_| {
            let mut indices: Vec<u32> = (0..12)
                .map(|_| rng.gen_range(0..dimension as u32))
                .collect();
            indices.sort_unstable();
            indices.dedup();
            let value = 1.0 / (indices.len() as f32).sqrt();
            let scores: Vec<f64> = (0..classes)
                .map(|c| {
                    let signal: f64 = indices
                        .iter()
                        .map(|f| truth[*f as usize * classes + c])
                        .sum();
                    signal + rng.gen_range(-1.5..1.5)
                })
                .collect();
            let class = (0..classes)
                .max_by(|a, b| scores[*a].total_cmp(&scores[*b]))
                .unwrap_or(0);
            let values = vec![value; indices.len()];
            (class, SparseVector { indices, values })
        })
        .collect();

    let dir = tempfile::tempdir().expect("tempdir");
    let mut writer =
        CacheWriter::create(dir.path(), [1; 32], dimension, classes, 1).expect("create");
    for (class, row) in &rows {
        writer.push(*class as u16, 0, row).expect("push");
    }
    let cache = writer.finish().expect("finish");
    let streamed = super::sgd::StreamingSoftmaxParams {
        classes,
        l2_penalty: lambda,
        epochs: 10,
        learning_rate: None,
        class_weights: None,
        seed: 5,
    }
    .fit(&DatasetBase::new(
        super::cache::CachedRecords {
            cache: &cache,
            included: vec![true, true],
        },
        super::cache::CachedTargets,
    ))
    .expect("streaming fit");

    let vectors: Vec<SparseVector> = rows.iter().map(|(_, row)| row.clone()).collect();
    let targets = ndarray::Array1::from(rows.iter().map(|(c, _)| *c).collect::<Vec<_>>());
    let exact = SoftmaxRegressionParams::new(classes)
        .l2_penalty(lambda)
        .max_iterations(1000)
        .fit(&DatasetBase::new(
            SparseRecords::from_rows(&vectors, dimension),
            targets,
        ))
        .expect("L-BFGS fit");

    let streamed = objective(&streamed, &rows, dimension, classes, lambda);
    let exact = objective(&exact, &rows, dimension, classes, lambda);
    assert!(exact.is_finite() && exact > 0.0, "{exact}");
    assert!(
        streamed <= exact * 1.01,
        "streaming objective {streamed:.5} against L-BFGS {exact:.5}"
    );
}

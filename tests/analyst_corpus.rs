//! The traps of a corpus the project has never seen, through the real binary: documents of
//! one outlet share words and a label, so folds that mix outlets promise figures an unseen
//! outlet never gets; `--group-field` keeps outlets apart. Training says which fields it
//! read and warns about the others; labels that are identifiers and stance without targets
//! are refused; `evaluate --predictions` writes every document's answer and `--compare`
//! pairs two such files. `--streaming` training keeps outlets apart the same way.

use std::path::Path;
use std::process::{Command, Output};

fn docclass(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_docclass"))
        .args(args)
        .output()
        .expect("run docclass")
}

fn succeeded(output: &Output) -> String {
    assert!(
        output.status.success(),
        "docclass failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// 12 outlets of 30 articles each; outlets 0–5 publish only `left`, 6–11 only `right`.
/// Every article names its outlet and otherwise draws words that say nothing of the label,
/// so only the outlet's word predicts it, and it never helps on an unseen outlet.
fn write_outlet_corpus(path: &Path) {
    let mut state: u64 = 7;
    let mut next = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) as usize
    };
    let mut lines = Vec::new();
    for outlet in 0..12 {
        let label = if outlet < 6 { "left" } else { "right" };
        for article in 0..30 {
            let words: Vec<String> = (0..12).map(|_| format!("w{}", next() % 40)).collect();
            lines.push(format!(
                r#"{{"id": "o{outlet}-{article}", "text": "outlet{outlet} {}", "bias": "{label}", "source": "https://outlet{outlet}.example/{article}", "topic": "politics"}}"#,
                words.join(" ")
            ));
        }
    }
    std::fs::write(path, lines.join("\n")).expect("write corpus");
}

/// The best cross-validation macro-F1 printed by `train`.
fn best_cv_macro_f1(output: &str) -> f64 {
    output
        .lines()
        .filter(|l| l.starts_with("cross-validation  L2"))
        .filter_map(|l| l.split("macro-F1 ").nth(1)?.split(',').next()?.parse().ok())
        .fold(f64::MIN, f64::max)
}

/// `train` on the outlet corpus at `data`, writing to `out`: word unigrams, min-df 1 and two
/// penalties, so that only the folds differ between runs.
fn outlet_training<'a>(data: &'a str, out: &'a str) -> Vec<&'a str> {
    vec![
        "train",
        "--task",
        "topic",
        "--data",
        data,
        "--label-field",
        "bias",
        "--out",
        out,
        "--word-ngrams",
        "1-1",
        "--min-df",
        "1",
        "--l2",
        "1e-3,1e-2",
    ]
}

#[test]
fn grouping_by_outlet_gives_the_figure_an_unseen_outlet_gets() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("outlets.jsonl");
    write_outlet_corpus(&data);
    let data = data.to_str().expect("utf-8 path");
    let out = dir.path().to_str().expect("utf-8 path");
    let common = outlet_training(data, out);

    let mixed = succeeded(&docclass(&[&common[..], &["--name", "mixed"]].concat()));
    assert!(
        mixed.contains("label field `bias`, 2 classes: left 180, right 180"),
        "{mixed}"
    );
    assert!(
        mixed.contains("fields not read: `source` (12 values), `topic` (1 values)"),
        "{mixed}"
    );
    assert!(mixed.contains("pass --group-field source"), "{mixed}");

    let grouped = succeeded(&docclass(
        &[
            &common[..],
            &["--name", "grouped", "--group-field", "source"],
        ]
        .concat(),
    ));
    assert!(
        grouped.contains("groups kept whole in validation: 12 (identical texts joined with the 12 values of `source`"),
        "{grouped}"
    );
    assert!(!grouped.contains("pass --group-field"), "{grouped}");
    let (mixed_cv, grouped_cv) = (best_cv_macro_f1(&mixed), best_cv_macro_f1(&grouped));
    // Mixed folds see every outlet in training and read its word; grouped folds cannot.
    assert!(mixed_cv > 95.0, "mixed folds: {mixed_cv}\n{mixed}");
    assert!(grouped_cv < 70.0, "grouped folds: {grouped_cv}\n{grouped}");
}

#[test]
fn streaming_training_keeps_outlets_apart_as_in_memory_training_does() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("outlets.jsonl");
    write_outlet_corpus(&data);
    let data = data.to_str().expect("utf-8 path");
    let out = dir.path().to_str().expect("utf-8 path");
    let mut common = outlet_training(data, out);
    common.extend(["--streaming", "--cache-dir", out]);
    let mixed = succeeded(&docclass(&[&common[..], &["--name", "mixed"]].concat()));
    let grouped = succeeded(&docclass(
        &[
            &common[..],
            &["--name", "grouped", "--group-field", "source"],
        ]
        .concat(),
    ));
    assert!(
        grouped.contains(
            "groups kept whole in validation: the 12 values of `source` (0 records have none"
        ),
        "{grouped}"
    );
    let (mixed_cv, grouped_cv) = (best_cv_macro_f1(&mixed), best_cv_macro_f1(&grouped));
    assert!(mixed_cv > 95.0, "mixed folds: {mixed_cv}\n{mixed}");
    assert!(grouped_cv < 70.0, "grouped folds: {grouped_cv}\n{grouped}");
    for name in ["mixed", "grouped"] {
        assert!(dir.path().join(format!("{name}.model")).exists());
    }
    let left_behind: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".cache"))
        .collect();
    assert!(
        left_behind.is_empty(),
        "feature caches left: {left_behind:?}"
    );
}

#[test]
fn evaluate_writes_predictions_and_compares_two_models_pair_by_pair() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("outlets.jsonl");
    write_outlet_corpus(&data);
    let data = data.to_str().expect("utf-8 path");
    let out = dir.path().to_str().expect("utf-8 path");
    for (name, l2) in [("strong", "1e-4"), ("weak", "10")] {
        succeeded(&docclass(&[
            "train",
            "--task",
            "topic",
            "--data",
            data,
            "--label-field",
            "bias",
            "--out",
            out,
            "--name",
            name,
            "--word-ngrams",
            "1-1",
            "--min-df",
            "1",
            "--l2",
            l2,
        ]));
    }
    let predictions = dir.path().join("weak.predictions.jsonl");
    let model = dir.path().join("weak.model");
    let report = succeeded(&docclass(&[
        "evaluate",
        "--model",
        model.to_str().expect("path"),
        "--data",
        data,
        "--label-field",
        "bias",
        "--predictions",
        predictions.to_str().expect("path"),
    ]));
    assert!(
        report.contains("95% bootstrap intervals (1000 resamples of the 360 documents)"),
        "{report}"
    );
    let written = std::fs::read_to_string(&predictions).expect("predictions file");
    let lines: Vec<serde_json::Value> = written
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert_eq!(lines.len(), 360);
    assert_eq!(lines[0]["id"], "o0-0");
    assert_eq!(lines[0]["gold"], "left");
    let probabilities = lines[0]["probabilities"]
        .as_object()
        .expect("probabilities");
    let total: f64 = probabilities.values().filter_map(|p| p.as_f64()).sum();
    assert!((total - 1.0).abs() < 1e-3, "{probabilities:?}");

    let strong = dir.path().join("strong.model");
    let compared = succeeded(&docclass(&[
        "evaluate",
        "--model",
        strong.to_str().expect("path"),
        "--data",
        data,
        "--label-field",
        "bias",
        "--group-field",
        "source",
        "--compare",
        predictions.to_str().expect("path"),
    ]));
    assert!(compared.contains("of the 12 groups"), "{compared}");
    assert!(compared.contains("this model minus"), "{compared}");

    // Predictions of other test data are refused by name.
    let other = dir.path().join("other.jsonl");
    std::fs::write(&other, "{\"text\": \"outlet1 w1\", \"bias\": \"left\"}\n").expect("write");
    let refused = docclass(&[
        "evaluate",
        "--model",
        strong.to_str().expect("path"),
        "--data",
        other.to_str().expect("path"),
        "--label-field",
        "bias",
        "--compare",
        predictions.to_str().expect("path"),
    ]);
    assert!(!refused.status.success());
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(
        message
            .contains("not predictions for this test data: 360 predictions for 1 test documents"),
        "{message}"
    );
}

#[test]
fn identifier_labels_and_stance_without_targets_are_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("outlets.jsonl");
    write_outlet_corpus(&data);
    let data = data.to_str().expect("utf-8 path");
    let out = dir.path().join("out");
    let out = out.to_str().expect("utf-8 path");
    let by_id = docclass(&[
        "train",
        "--task",
        "topic",
        "--data",
        data,
        "--label-field",
        "id",
        "--name",
        "ids",
        "--out",
        out,
    ]);
    assert!(!by_id.status.success());
    let message = String::from_utf8_lossy(&by_id.stderr);
    assert!(
        message.contains("label field `id` has 360 distinct values in 360 records"),
        "{message}"
    );

    let stance = docclass(&[
        "train",
        "--task",
        "stance",
        "--data",
        data,
        "--label-field",
        "bias",
        "--name",
        "st",
        "--out",
        out,
    ]);
    assert!(!stance.status.success());
    let message = String::from_utf8_lossy(&stance.stderr);
    assert!(
        message.contains("--task stance, but no record has a target in field `target`"),
        "{message}"
    );
    assert!(!Path::new(out).join("ids.model").exists());
    assert!(!Path::new(out).join("st.model").exists());
}

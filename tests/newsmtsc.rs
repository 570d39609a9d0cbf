//! The shipped NewsMTSC model reads the target's mentions from the test files' offsets by
//! default and meets the bars on both test sets (F1m ≥ 66 on test_rw, ≥ 62 on
//! test_mt), through the same `evaluate` the CLI runs; and the mentions matter: the same rows
//! with the offsets left out score lower.

mod common;

use common::{models_dir, shared_dir};
use docclass::corpus::{self, FieldNames};
use docclass::evaluate;
use docclass::model::Task;

#[test]
fn newsmtsc_meets_its_bars_with_the_offsets_read_by_default() {
    let model = models_dir().join("newsmtsc.model");
    for (split, bar) in [("test_rw", 0.66), ("test_mt", 0.62)] {
        let path = shared_dir()
            .join("data/newsmtsc")
            .join(format!("{split}.jsonl"));
        let examples = corpus::load(&path, Task::Stance)
            .expect("test split")
            .examples;
        assert!(
            examples.iter().all(|e| !e.mentions.is_empty()),
            "{split}: every row has its mention"
        );
        let figures = evaluate::evaluate(&model, &path, &FieldNames::default()).expect("evaluate");
        assert!(figures.macro_f1 >= bar, "{split}: F1m {}", figures.macro_f1);

        // The same rows without offsets: the features then see no mention.
        let dir = tempfile::tempdir().expect("temp dir");
        let stripped = dir.path().join("stripped.jsonl");
        let content = std::fs::read_to_string(&path).expect("read");
        let lines: Vec<String> = content
            .lines()
            .map(|line| {
                let mut row: serde_json::Map<String, serde_json::Value> =
                    serde_json::from_str(line).expect("row");
                for field in ["target_start", "target_end", "further_mentions"] {
                    row.remove(field);
                }
                serde_json::Value::Object(row).to_string()
            })
            .collect();
        std::fs::write(&stripped, lines.join("\n")).expect("write");
        let without =
            evaluate::evaluate(&model, &stripped, &FieldNames::default()).expect("evaluate");
        assert!(
            without.macro_f1 < figures.macro_f1 - 0.02,
            "{split}: {} without mentions, {} with",
            without.macro_f1,
            figures.macro_f1
        );
    }
}

/// Training on rows that give the mention's offsets, with no `--target-features`, chooses
/// the mention features and says so, in memory and `--streaming`.
#[test]
fn training_on_mention_offsets_chooses_mention_features_by_itself() {
    let train = shared_dir().join("data/newsmtsc/train.jsonl");
    let dir = tempfile::tempdir().expect("temp dir");
    let sample = dir.path().join("sample.jsonl");
    let content = std::fs::read_to_string(&train).expect("read train");
    let rows: Vec<&str> = content.lines().take(1500).collect();
    std::fs::write(&sample, rows.join("\n")).expect("write sample");
    let out = dir.path().to_str().expect("utf-8 path");
    for streaming in [false, true] {
        let mut args = vec![
            "train",
            "--task",
            "stance",
            "--data",
            sample.to_str().expect("utf-8 path"),
            "--name",
            "auto",
            "--out",
            out,
            "--l2",
            "1e-4",
            "--word-ngrams",
            "1-2",
        ];
        if streaming {
            args.extend(["--streaming", "--cache-dir", out]);
        }
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_docclass"))
            .args(&args)
            .output()
            .expect("run docclass");
        let printed = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(output.status.success(), "{printed}");
        assert!(
            printed.contains(
                "target features: mention (the data says where the text mentions `target`"
            ),
            "streaming {streaming}: {printed}"
        );
        assert!(
            printed.contains("sublinear TF, mention features,"),
            "streaming {streaming}: {printed}"
        );
    }
}

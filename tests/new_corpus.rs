//! A new corpus is one training command away: data whose columns are named differently and
//! whose labels are numbers (as AG News ships them) trains and evaluates with `--*-field`
//! flags, no conversion step.

mod common;

use std::path::Path;
use std::process::Command;

use common::shared_dir;
use docclass::corpus;
use docclass::model::Task;

/// Writes `examples` as CSV with AG News-like columns: `class` (a number), `headline`,
/// `description`. Returns the label numbers in order of first use.
fn write_numbered_csv(path: &Path, examples: &[corpus::Example]) -> Vec<String> {
    let mut labels: Vec<String> = Vec::new();
    let mut writer = csv::Writer::from_path(path).expect("create csv");
    writer
        .write_record(["class", "headline", "description"])
        .expect("header");
    for example in examples {
        let number = match labels.iter().position(|l| *l == example.label) {
            Some(i) => i + 1,
            None => {
                labels.push(example.label.clone());
                labels.len()
            }
        };
        writer
            .write_record([&number.to_string(), &example.title, &example.text])
            .expect("row");
    }
    writer.flush().expect("flush");
    (1..=labels.len()).map(|n| n.to_string()).collect()
}

fn docclass(args: &[&str], paths: &[&Path]) -> std::process::Output {
    let output = Command::new(env!("CARGO_BIN_EXE_docclass"))
        .args(args)
        .args(paths)
        .output()
        .expect("run docclass");
    assert!(
        output.status.success(),
        "docclass {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

#[test]
fn renamed_columns_and_numeric_labels_train_and_evaluate_in_one_command() {
    let bbc = corpus::load(&shared_dir().join("data/bbc/train.jsonl"), Task::Topic)
        .expect("bbc train")
        .examples;
    // Every 8th article: ~220 documents of all five topics, held apart into train and test.
    let sample: Vec<_> = bbc.into_iter().step_by(8).collect();
    let (test, train): (Vec<_>, Vec<_>) = sample
        .into_iter()
        .enumerate()
        .partition(|(i, _)| i % 4 == 0);
    let strip =
        |v: Vec<(usize, corpus::Example)>| v.into_iter().map(|(_, e)| e).collect::<Vec<_>>();
    let (train, test) = (strip(train), strip(test));

    let dir = tempfile::tempdir().expect("tempdir");
    let train_csv = dir.path().join("train.csv");
    let test_csv = dir.path().join("test.csv");
    let labels = write_numbered_csv(&train_csv, &train);
    write_numbered_csv(&test_csv, &test);
    let fields = [
        "--text-field",
        "description",
        "--title-field",
        "headline",
        "--label-field",
        "class",
    ];

    let mut train_args = vec!["train", "--task", "topic", "--name", "news"];
    train_args.extend(fields);
    train_args.extend(["--word-ngrams", "1-1", "--l2", "1e-4", "--data"]);
    docclass(&train_args, &[&train_csv, Path::new("--out"), dir.path()]);

    let model = dir.path().join("news.model");
    let mut evaluate_args = vec!["evaluate", "--json"];
    evaluate_args.extend(fields);
    evaluate_args.extend(["--model"]);
    let output = docclass(&evaluate_args, &[&model, Path::new("--data"), &test_csv]);
    let figures: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("evaluate --json prints JSON");
    let mut served_labels: Vec<String> = figures["labels"]
        .as_array()
        .expect("labels in the figures")
        .iter()
        .map(|l| l.as_str().expect("label text").to_string())
        .collect();
    served_labels.sort();
    assert_eq!(served_labels, labels, "labels are the corpus' numbers");
    let accuracy = figures["accuracy"].as_f64().expect("accuracy");
    assert!(
        accuracy > 0.6,
        "a model trained on renamed fields must learn the topics (5 classes, chance 0.2): {accuracy}"
    );
}

//! `Classifier::predict` in a tight loop, timed in batches: for comparing two builds of the
//! prediction path on a shared, noisy machine. Criterion's mean drifts by ±10% here between
//! runs of the same binary; the fastest batch of a few thousand moves by less than 1%, so that
//! is the figure to compare (run the two builds' copies of this program in turn).
//!
//! ```text
//! cargo build --release --example predict_timing
//! target/release/examples/predict_timing [--model models/bbc.model] [--size 3000] [--seconds 3]
//! ```
//!
//! Each batch classifies the same 64 payloads of `--size` bytes, cut from the BBC test split
//! as the load generator cuts them (with a target, which topic models ignore). Prints the
//! fastest, the 25th-percentile and the median batch, per document.

use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use docclass::loadgen::payload;
use docclass::model::{Artifact, Classifier};
use docclass::text::Document;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("predict_timing: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let mut model = "models/bbc.model".to_string();
    let mut size = 3_000;
    let mut seconds = 3.0;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--model" => model = value()?,
            "--size" => size = value()?.parse().map_err(|e| format!("--size: {e}"))?,
            "--seconds" => seconds = value()?.parse().map_err(|e| format!("--seconds: {e}"))?,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    let classifier = load_classifier(Path::new(&model))?;
    let data = Path::new("../shared/data/bbc/test.jsonl");
    let payloads = payload::load(data, size, 64).map_err(|e| e.to_string())?;

    let mut batches = Vec::new();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs_f64(seconds) {
        let batch = Instant::now();
        for payload in &payloads {
            let document = Document {
                title: &payload.title,
                text: &payload.text,
                target: Some("the economy"),
            };
            std::hint::black_box(classifier.predict(std::hint::black_box(&document), 0));
        }
        batches.push(batch.elapsed().as_nanos() as f64 / payloads.len() as f64);
    }
    batches.sort_by(f64::total_cmp);
    println!(
        "{model}, {size} B: fastest batch {:.0} ns per document, p25 {:.0}, median {:.0} ({} batches of {})",
        batches[0],
        batches[batches.len() / 4],
        batches[batches.len() / 2],
        batches.len(),
        payloads.len()
    );
    Ok(())
}

fn load_classifier(path: &Path) -> Result<Classifier, String> {
    match Artifact::load(path).map_err(|e| e.to_string())?.artifact {
        Artifact::Classifier(classifier) => Ok(*classifier),
        _ => Err(format!("{} is not a classifier", path.display())),
    }
}

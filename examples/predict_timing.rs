//! `Classifier::predict` in a tight loop, timed in batches: for comparing two builds of the
//! prediction path on a shared, noisy machine. Criterion's mean drifts by ±10% here between
//! runs of the same binary; the fastest batch of a few thousand moves by less than 1%, so that
//! is the figure to compare (run the two builds' copies of this program in turn).
//!
//! ```text
//! cargo build --release --example predict_timing
//! target/release/examples/predict_timing [--model models/bbc.model] [--size 3000] [--seconds 3] \
//!     [--target "the economy"]
//! ```
//!
//! Each batch classifies the same 64 payloads of `--size` bytes, cut from the BBC test split
//! as the load generator cuts them, each with `--target` (which topic models ignore). Prints the
//! fastest, the 25th-percentile and the median batch, per document.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use clap::Parser;
use docclass::loadgen::payload;
use docclass::model::Classifier;
use docclass::text::Document;

/// Times `Classifier::predict` in batches of 64 payloads.
#[derive(Parser)]
struct Args {
    /// The classifier's model file.
    #[arg(long, default_value = "models/bbc.model")]
    model: PathBuf,
    /// Payload size in bytes.
    #[arg(long, default_value_t = 3_000)]
    size: usize,
    /// How long to run.
    #[arg(long, default_value_t = 3.0)]
    seconds: f64,
    /// The target or claim given with every document (topic models ignore it).
    #[arg(long, default_value = "the economy")]
    target: String,
}

fn main() -> Result<()> {
    let args = Args::parse();
    let classifier = Classifier::load(&args.model)?;
    let data = Path::new("../shared/data/bbc/test.jsonl");
    let payloads = payload::load(data, args.size, 64)
        .with_context(|| format!("reading {}", data.display()))?;

    let mut batches = Vec::new();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs_f64(args.seconds) {
        let batch = Instant::now();
        for payload in &payloads {
            let document = Document {
                title: &payload.title,
                text: &payload.text,
                target: Some(&args.target),
                mentions: &[],
            };
            std::hint::black_box(classifier.predict(std::hint::black_box(&document), 0));
        }
        batches.push(batch.elapsed().as_nanos() as f64 / payloads.len() as f64);
    }
    batches.sort_by(f64::total_cmp);
    println!(
        "{}, {} B: fastest batch {:.0} ns per document, p25 {:.0}, median {:.0} ({} batches of {})",
        args.model.display(),
        args.size,
        batches[0],
        batches[batches.len() / 4],
        batches[batches.len() / 2],
        batches.len(),
        payloads.len()
    );
    Ok(())
}

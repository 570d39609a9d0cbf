//! How well the document-level stance toward a named target (the mean of the mentioning
//! sentences' probabilities, `docclass::stance::aggregate`) is calibrated, measured on
//! NewsMTSC with its sentences grouped into documents.
//!
//! ```text
//! cargo run --release --example target_calibration -- \
//!     [--model models/newsmtsc.model] ../shared/data/newsmtsc/test_rw.jsonl [...]
//! ```
//!
//! A row's `id` is `ARTICLE_SENTENCE_ENTITY_START_END`: the rows that share an article and an
//! entity are that article's sentences about that target. Each sentence is classified as the
//! server classifies one (its mention located by `target_start`/`target_end`, code-point
//! offsets turned into bytes), the group's probabilities aggregated, and the group's truth
//! taken as the majority of its sentences' labels (groups with a tie are left out and
//! counted). Prints accuracy, macro-F1 and the expected calibration error (15 bins) over all
//! groups and over those of two or more sentences.

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::Parser;
use docclass::evaluate::Evaluation;
use docclass::model::Classifier;
use docclass::stance::{aggregate, SentenceStance};
use docclass::text::Document;

#[derive(Parser)]
struct Args {
    /// The sentence-level stance model.
    #[arg(long, default_value = "models/newsmtsc.model")]
    model: PathBuf,
    /// NewsMTSC JSON Lines files.
    files: Vec<PathBuf>,
}

#[derive(serde::Deserialize)]
struct Row {
    id: String,
    text: String,
    target: String,
    target_start: usize,
    target_end: usize,
    stance: String,
}

/// Byte offset of code point `chars` in `text` (its length when past the end).
fn byte_offset(text: &str, chars: usize) -> usize {
    text.char_indices()
        .nth(chars)
        .map_or(text.len(), |(at, _)| at)
}

fn main() -> Result<()> {
    let args = Args::parse();
    let model = Classifier::load(&args.model).with_context(|| args.model.display().to_string())?;
    let labels = model.metadata().labels.clone();
    for file in &args.files {
        let reader = std::io::BufReader::new(
            std::fs::File::open(file).with_context(|| file.display().to_string())?,
        );
        let mut groups: BTreeMap<(String, String), Vec<(usize, SentenceStance)>> = BTreeMap::new();
        for (line, text) in reader.lines().enumerate() {
            let row: Row = serde_json::from_str(&text?)
                .with_context(|| format!("{}:{}", file.display(), line + 1))?;
            let Some(truth) = labels.iter().position(|l| *l == row.stance) else {
                bail!(
                    "{}:{}: unknown label {}",
                    file.display(),
                    line + 1,
                    row.stance
                );
            };
            let parts: Vec<&str> = row.id.rsplitn(5, '_').collect();
            let [_, _, entity, _, article] = parts[..] else {
                bail!(
                    "{}:{}: id {} is not ARTICLE_S_E_S_E",
                    file.display(),
                    line + 1,
                    row.id
                );
            };
            let start = byte_offset(&row.text, row.target_start);
            let end = byte_offset(&row.text, row.target_end);
            let mentions: Vec<std::ops::Range<usize>> = std::iter::once(start..end).collect();
            let document = Document {
                title: "",
                text: &row.text,
                target: Some(&row.target),
                mentions: &mentions,
            };
            let probabilities = model.predict(&document, 0).probabilities;
            let sentence = SentenceStance {
                index: line,
                start,
                end,
                mentions: mentions.clone(),
                probabilities,
            };
            groups
                .entry((article.to_string(), entity.to_string()))
                .or_default()
                .push((truth, sentence));
        }
        let mut tied = 0;
        let mut all = (Vec::new(), Vec::new());
        let mut several = (Vec::new(), Vec::new());
        for members in groups.values() {
            let mut votes = vec![0usize; labels.len()];
            members.iter().for_each(|(truth, _)| votes[*truth] += 1);
            let top = votes.iter().max().copied().unwrap_or_default();
            if votes.iter().filter(|v| **v == top).count() > 1 {
                tied += 1;
                continue;
            }
            let truth = votes.iter().position(|v| *v == top).unwrap_or_default();
            let sentences: Vec<SentenceStance> = members.iter().map(|(_, s)| s.clone()).collect();
            let Some(mean) = aggregate(&sentences) else {
                continue;
            };
            if members.len() > 1 {
                several.0.push(truth);
                several.1.push(mean.clone());
            }
            all.0.push(truth);
            all.1.push(mean);
        }
        println!(
            "{} ({} groups, {tied} with a tied majority left out)",
            file.display(),
            groups.len()
        );
        for (name, (truth, probabilities)) in [("all groups", &all), ("2+ sentences", &several)] {
            let e = Evaluation::compute(&labels, truth, probabilities);
            println!(
                "  {name:<13} n {:>5}  accuracy {:.4}  macro-F1 {:.4}  ECE {:.4}",
                truth.len(),
                e.accuracy,
                e.macro_f1,
                e.expected_calibration_error
            );
        }
    }
    Ok(())
}

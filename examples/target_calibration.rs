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
//! groups and over those of two or more sentences, for the mean the server uses and, for
//! comparison, the normalised product of the sentences' probabilities (a sharper rule that
//! treats the sentences as independent evidence).

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

/// The sentences' probabilities multiplied label by label and normalised to sum to 1.
fn normalised_product(sentences: &[SentenceStance]) -> Vec<f32> {
    let labels = sentences.first().map_or(0, |s| s.probabilities.len());
    let mut log = vec![0.0f64; labels];
    for sentence in sentences {
        for (sum, p) in log.iter_mut().zip(&sentence.probabilities) {
            *sum += f64::from(p.max(1e-9)).ln();
        }
    }
    let max = log.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let exp: Vec<f64> = log.iter().map(|l| (l - max).exp()).collect();
    let total: f64 = exp.iter().sum();
    exp.iter().map(|e| (e / total) as f32).collect()
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
        let mut product_all = Vec::new();
        let mut product_several = Vec::new();
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
            let product = normalised_product(&sentences);
            if members.len() > 1 {
                several.0.push(truth);
                several.1.push(mean.clone());
                product_several.push(product.clone());
            }
            product_all.push(product);
            all.0.push(truth);
            all.1.push(mean);
        }
        println!(
            "{} ({} groups, {tied} with a tied majority left out)",
            file.display(),
            groups.len()
        );
        let rows = [
            ("mean, all groups", &all.0, &all.1),
            ("mean, 2+ sentences", &several.0, &several.1),
            ("product, all groups", &all.0, &product_all),
            ("product, 2+ sentences", &several.0, &product_several),
        ];
        for (name, truth, probabilities) in rows {
            let e = Evaluation::compute(&labels, truth, probabilities);
            println!(
                "  {name:<22} n {:>5}  accuracy {:.4}  macro-F1 {:.4}  ECE {:.4}",
                truth.len(),
                e.accuracy,
                e.macro_f1,
                e.expected_calibration_error
            );
        }
    }
    Ok(())
}

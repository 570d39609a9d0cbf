//! The mention feature strings of every row of a corpus file, for checking that the
//! scikit-learn peer sees the same features (`benches/peer/newsmtsc_parity.py` compares them
//! with `benches/peer/newsmtsc_features.py`).
//!
//! Usage: `mention_features FILE.jsonl`: one JSON list per row, in file order, each row's
//! feature strings sorted (repeats kept), with the mentions the corpus reader takes from
//! `target_start` / `target_end` / `further_mentions`.

use docclass::corpus;
use docclass::features::mention::{for_each_feature, MentionSettings};
use docclass::features::NgramRange;

fn main() -> anyhow::Result<()> {
    let Some(path) = std::env::args().nth(1) else {
        anyhow::bail!("usage: mention_features FILE.jsonl");
    };
    let data = corpus::load_unlabeled(std::path::Path::new(&path))?;
    let settings = MentionSettings::default();
    for example in &data.examples {
        let mut bag = Vec::new();
        for_each_feature(
            &settings,
            NgramRange { min: 1, max: 2 },
            &example.document(),
            &mut |feature| bag.push(feature.to_string()),
        );
        bag.sort();
        println!("{}", serde_json::to_string(&bag)?);
    }
    Ok(())
}

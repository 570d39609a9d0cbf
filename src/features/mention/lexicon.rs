//! The opinion-word lexicon: VADER's single-word entries with their mean valence (−4..4),
//! embedded from `scripts/lexicon/vader_words.tsv` (source, licence and the script that makes
//! it: `scripts/lexicon/README.md`).

use std::sync::LazyLock;

use rustc_hash::FxHashMap;

/// The lexicon file, `word TAB valence` per line.
const VADER_WORDS: &str = include_str!("../../../scripts/lexicon/vader_words.tsv");

/// Words whose valence is smaller than this in magnitude are not opinion words.
pub(super) const OPINION_THRESHOLD: f32 = 1.0;

static VALENCE: LazyLock<FxHashMap<&'static str, f32>> = LazyLock::new(|| parse(VADER_WORDS));

/// The lines of `file` that hold a word and a number; a test checks that every line does.
fn parse(file: &str) -> FxHashMap<&str, f32> {
    file.lines()
        .filter_map(|line| {
            let (word, valence) = line.split_once('\t')?;
            Some((word, valence.trim().parse::<f32>().ok()?))
        })
        .collect()
}

/// The valence of a lower-cased word, when it is an opinion word (|valence| ≥ 1).
pub(super) fn opinion_valence(word: &str) -> Option<f32> {
    VALENCE
        .get(word)
        .copied()
        .filter(|valence| valence.abs() >= OPINION_THRESHOLD)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_of_the_embedded_lexicon_is_read() {
        assert_eq!(VADER_WORDS.lines().count(), 7_217);
        assert_eq!(VALENCE.len(), 7_217, "a line without a word and a number");
        let opinion = VALENCE
            .values()
            .filter(|v| v.abs() >= OPINION_THRESHOLD)
            .count();
        assert_eq!(opinion, 5_586);
        assert!(opinion_valence("ugly").is_some_and(|v| v < 0.0));
        assert!(opinion_valence("good").is_some_and(|v| v > 0.0));
        assert_eq!(opinion_valence("president"), None);
        // "ok" is listed twice (1.6, then 1.2); the last one counts, as in the peer.
        assert_eq!(VALENCE.get("ok"), Some(&1.2));
    }
}

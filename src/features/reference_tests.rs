//! Tests only: the fast feature path against a plain reference. The terms of every
//! document, in emission order, must be exactly those of lower-casing character by
//! character, splitting with `unicode_words()` and joining n-gram windows into strings (the
//! original algorithm).

use unicode_segmentation::UnicodeSegmentation;
use xxhash_rust::xxh3::xxh3_64_with_seed;

use super::{FeatureSettings, NgramRange, Scratch, TargetFeatures};
use crate::text::Document;

/// Keys of the word and character n-grams of `doc`'s title and text, the slow way.
fn reference_keys(settings: &FeatureSettings, doc: &Document) -> Vec<u64> {
    let mut keys = Vec::new();
    for part in [doc.title, doc.text] {
        let lowered: String = part.chars().flat_map(char::to_lowercase).collect();
        let tokens: Vec<&str> = lowered.unicode_words().map(str::trim).collect();
        let NgramRange { min, max } = settings.word_ngrams;
        for n in min..=max {
            for window in tokens.windows(n) {
                keys.push(xxh3_64_with_seed(window.join(" ").as_bytes(), n as u64));
            }
        }
        if let Some(NgramRange { min, max }) = settings.char_ngrams {
            for token in &tokens {
                let padded: Vec<char> = format!(" {token} ").chars().collect();
                for n in min..=max.min(padded.len()) {
                    for gram in padded.windows(n) {
                        let gram: String = gram.iter().collect();
                        keys.push(xxh3_64_with_seed(gram.as_bytes(), 0x100 + n as u64));
                    }
                }
            }
        }
    }
    keys
}

fn settings() -> Vec<FeatureSettings> {
    let word = |min, max| NgramRange { min, max };
    [
        (1, 1, None),
        (1, 2, None),
        (2, 3, None),
        (1, 1, Some(word(2, 4))),
    ]
    .into_iter()
    .map(|(min, max, char_ngrams)| FeatureSettings {
        word_ngrams: word(min, max),
        char_ngrams,
        target_features: TargetFeatures::Ignore,
        ..Default::default()
    })
    .collect()
}

fn assert_same_terms(texts: &[String]) {
    let mut scratch = Scratch::default();
    for settings in settings() {
        for pair in texts.chunks(2) {
            let doc = Document {
                title: &pair[0],
                text: pair.get(1).map_or("", String::as_str),
                target: None,
                mentions: &[],
            };
            let mut fast = Vec::new();
            settings.for_each_term(&doc, &mut scratch, |term| fast.push(term.key));
            assert_eq!(
                fast,
                reference_keys(&settings, &doc),
                "{settings:?} {doc:?}"
            );
        }
    }
}

#[test]
fn terms_match_the_reference_on_random_text() {
    use rand::{Rng, SeedableRng};
    let alphabet: Vec<char> = "aB1_.:',;- \t\n\"éİ£ΩẞK\u{301}\u{93e}\u{a0}\u{2019}"
        .chars()
        .collect();
    let mut rng = rand::rngs::StdRng::seed_from_u64(11);
    let texts: Vec<String> = (0..6_000)
        .map(|_| {
            let length = rng.gen_range(0..40);
            (0..length)
                .map(|_| alphabet[rng.gen_range(0..alphabet.len())])
                .collect()
        })
        .collect();
    assert_same_terms(&texts);
}

#[test]
fn terms_match_the_reference_on_the_corpora() {
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
    for file in ["bbc/test.jsonl", "semeval2016-stance/test.jsonl"] {
        let Ok(content) = std::fs::read_to_string(data.join(file)) else {
            continue; // the shared data is not beside this checkout
        };
        let texts: Vec<String> = content.lines().map(str::to_string).collect();
        assert_same_terms(&texts);
    }
}

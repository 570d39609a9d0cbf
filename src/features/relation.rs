//! Claim–text relation features for stance toward an open claim (FNC-1 style: does this body
//! agree with, disagree with, discuss, or ignore the headline?). No per-claim weights can be
//! learned for claims never seen in training, so the model reads how the text relates to the
//! claim instead: word overlap, similarity, and refuting or hedging cue words, with their
//! binned values crossed so that a linear model can combine them.

use std::sync::OnceLock;

use rustc_hash::{FxHashMap, FxHashSet};

use crate::text::{self, sentences::first_sentences};

/// Upper edges of the bins of ratio features.
const BIN_EDGES: [f32; 11] = [0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

/// Words that deny or question a claim.
const REFUTING: &[&str] = &[
    "fake",
    "fraud",
    "hoax",
    "false",
    "deny",
    "denies",
    "denied",
    "not",
    "despite",
    "nope",
    "doubt",
    "doubts",
    "bogus",
    "debunk",
    "debunked",
    "debunks",
    "prank",
    "pranks",
    "retract",
    "retracted",
    "misleading",
    "untrue",
    "no",
    "never",
    "rumor",
    "rumour",
    "satire",
    "myth",
];

/// Words that report a claim without endorsing it.
const HEDGING: &[&str] = &[
    "reportedly",
    "allegedly",
    "alleged",
    "claim",
    "claims",
    "claimed",
    "according",
    "report",
    "reports",
    "rumored",
    "unconfirmed",
    "apparently",
    "purportedly",
    "suggests",
    "may",
    "might",
    "could",
    "possibly",
    "unverified",
    "sources",
    "appears",
    "believed",
];

/// Sentences of the text whose words count as its lead.
const LEAD_SENTENCES: usize = 3;

fn stop_words() -> &'static FxHashSet<&'static str> {
    static WORDS: OnceLock<FxHashSet<&'static str>> = OnceLock::new();
    WORDS.get_or_init(|| {
        stop_words::lookup("en")
            .unwrap_or(&[])
            .iter()
            .copied()
            .filter(|w| !REFUTING.contains(w) && !HEDGING.contains(w))
            .collect()
    })
}

fn bin(value: f32) -> usize {
    BIN_EDGES.iter().take_while(|edge| value >= **edge).count()
}

/// The content words (stop words dropped) of already lower-cased text.
fn content_words(lowered: &str) -> Vec<&str> {
    let stop = stop_words();
    text::words(lowered).filter(|w| !stop.contains(w)).collect()
}

/// The distinct pairs of adjacent words.
fn bigrams<'w>(words: &[&'w str]) -> FxHashSet<(&'w str, &'w str)> {
    words.windows(2).map(|pair| (pair[0], pair[1])).collect()
}

/// How many of the distinct pairs in `pairs` are adjacent somewhere in `words`: the size of
/// `pairs ∩ bigrams(words)`, without building the second set (a claim has a handful of
/// pairs, a body hundreds).
fn bigrams_found(pairs: &FxHashSet<(&str, &str)>, words: &[&str]) -> usize {
    if pairs.is_empty() {
        return 0;
    }
    let mut found = FxHashSet::default();
    for pair in words.windows(2) {
        let pair = (pair[0], pair[1]);
        if pairs.contains(&pair) {
            found.insert(pair);
            if found.len() == pairs.len() {
                break;
            }
        }
    }
    found.len()
}

/// `part` lower-cased.
fn lowercased(part: &str) -> String {
    let mut lowered = String::new();
    text::lowercase_into(part, &mut lowered);
    lowered
}

fn ratio(shared: usize, total: usize) -> f32 {
    if total == 0 {
        0.0
    } else {
        shared as f32 / total as f32
    }
}

/// The sublinear term frequency (1 + ln count) of each distinct word.
fn sublinear_counts<'w>(words: &[&'w str]) -> FxHashMap<&'w str, f32> {
    let mut map: FxHashMap<&str, f32> = FxHashMap::default();
    words
        .iter()
        .for_each(|w| *map.entry(*w).or_insert(0.0) += 1.0);
    map.values_mut().for_each(|c| *c = 1.0 + c.ln());
    map
}

/// Cosine similarity of two sublinear term-frequency vectors.
fn cosine(a: &FxHashMap<&str, f32>, b: &FxHashMap<&str, f32>) -> f32 {
    let dot: f32 = a.iter().filter_map(|(w, x)| b.get(w).map(|y| x * y)).sum();
    let norm = |m: &FxHashMap<&str, f32>| m.values().map(|v| v * v).sum::<f32>().sqrt();
    let denominator = norm(a) * norm(b);
    if denominator > 0.0 {
        dot / denominator
    } else {
        0.0
    }
}

/// Calls `emit(name, value)` for every relation feature of `claim` toward `body`.
pub fn relation_features(claim: &str, body: &str, emit: &mut dyn FnMut(&str, f32)) {
    let lead_end = first_sentences(body, LEAD_SENTENCES)
        .get(LEAD_SENTENCES - 1)
        .map_or(body.len(), |s| s.end);
    // The lead is lower-cased on its own: lower-casing may change byte lengths, so it is not
    // always a prefix of the lower-cased body.
    let (claim_lowered, body_lowered, lead_lowered) = (
        lowercased(claim),
        lowercased(body),
        lowercased(&body[..lead_end]),
    );
    let claim_words = content_words(&claim_lowered);
    let body_words = content_words(&body_lowered);
    let lead_words = content_words(&lead_lowered);

    let claim_set: FxHashSet<&str> = claim_words.iter().copied().collect();
    let lead_set: FxHashSet<&str> = lead_words.iter().copied().collect();
    let claim_bigrams = bigrams(&claim_words);
    // The body's distinct words are the keys of its term frequencies: one map serves as the
    // body's word set too.
    let body_counts = sublinear_counts(&body_words);
    let body_has = |word: &str| body_counts.contains_key(word);

    let overlap = ratio(
        claim_set.iter().filter(|w| body_has(w)).count(),
        claim_set.len(),
    );
    let lead_overlap = ratio(claim_set.intersection(&lead_set).count(), claim_set.len());
    let bigram_overlap = ratio(
        bigrams_found(&claim_bigrams, &body_words),
        claim_bigrams.len(),
    );
    let similarity = cosine(&sublinear_counts(&claim_words), &body_counts);
    let similarity_bin = bin(similarity);

    let mut name = String::new();
    let mut named = |emit: &mut dyn FnMut(&str, f32), args: std::fmt::Arguments, value: f32| {
        name.clear();
        let _ = std::fmt::Write::write_fmt(&mut name, args);
        emit(&name, value);
    };
    for (feature, value) in [
        ("cos", similarity),
        ("overlap", overlap),
        ("lead_overlap", lead_overlap),
        ("bigram_overlap", bigram_overlap),
    ] {
        named(emit, format_args!("rel:{feature}"), value);
        named(emit, format_args!("rel:{feature}_bin={}", bin(value)), 1.0);
    }
    named(
        emit,
        format_args!("rel:cos_bin={similarity_bin}|overlap_bin={}", bin(overlap)),
        1.0,
    );
    named(
        emit,
        format_args!(
            "rel:cos_bin={similarity_bin}|lead_overlap_bin={}",
            bin(lead_overlap)
        ),
        1.0,
    );
    for (kind, cues) in [("refute", REFUTING), ("hedge", HEDGING)] {
        let in_claim: Vec<&&str> = cues.iter().filter(|c| claim_set.contains(**c)).collect();
        let in_body: Vec<&&str> = cues.iter().filter(|c| body_has(c)).collect();
        for cue in &in_claim {
            named(emit, format_args!("rel:claim_{kind}={cue}"), 1.0);
            named(
                emit,
                format_args!("rel:claim_{kind}={cue}|cos_bin={similarity_bin}"),
                1.0,
            );
        }
        for cue in &in_body {
            named(emit, format_args!("rel:body_{kind}={cue}"), 1.0);
            named(
                emit,
                format_args!("rel:body_{kind}={cue}|cos_bin={similarity_bin}"),
                1.0,
            );
        }
        let lead_cues = cues
            .iter()
            .filter(|c| lead_set.contains(**c))
            .count()
            .min(4);
        named(
            emit,
            format_args!("rel:lead_{kind}_count={lead_cues}|cos_bin={similarity_bin}"),
            1.0,
        );
        named(
            emit,
            format_args!(
                "rel:body_{kind}_count={}|cos_bin={similarity_bin}",
                in_body.len().min(4)
            ),
            1.0,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn features(claim: &str, body: &str) -> FxHashMap<String, f32> {
        let mut out = FxHashMap::default();
        relation_features(claim, body, &mut |name, value| {
            out.insert(name.to_string(), value);
        });
        out
    }

    #[test]
    fn related_texts_overlap_and_unrelated_ones_do_not() {
        let claim = "Soldier shot at war memorial in Ottawa";
        let related = features(
            claim,
            "A soldier was shot at the war memorial in Ottawa today.",
        );
        let unrelated = features(claim, "A meteorite crashed near the airport in Managua.");
        assert!(related["rel:overlap"] > 0.8, "{related:?}");
        assert!(related["rel:cos"] > 0.5);
        assert_eq!(unrelated["rel:overlap"], 0.0);
        assert_eq!(unrelated["rel:cos"], 0.0);
        assert!(unrelated.contains_key("rel:cos_bin=0"));
    }

    #[test]
    fn cue_words_are_seen_in_claim_and_body() {
        let got = features(
            "Hoax: shark in the street",
            "Police deny the claims; the photo is fake.",
        );
        assert!(got.contains_key("rel:claim_refute=hoax"));
        assert!(got.contains_key("rel:body_refute=deny"));
        assert!(got.contains_key("rel:body_refute=fake"));
        assert!(got.contains_key("rel:body_hedge=claims"));
        assert!(
            features("", "").contains_key("rel:overlap_bin=0"),
            "empty input is fine"
        );
    }

    #[test]
    fn bigrams_found_counts_each_shared_pair_once() {
        let body: Vec<&str> = "police say the man was shot at the war memorial the war \
                               memorial was closed police say"
            .split_whitespace()
            .collect();
        let claims: [&[&str]; 6] = [
            &[],
            &["police"],
            &["police", "say"],
            &["the", "war", "memorial", "the", "war"],
            &["war", "police", "say", "closed"],
            &[
                "man", "was", "shot", "at", "the", "war", "memorial", "closed",
            ],
        ];
        let body_pairs = bigrams(&body);
        for claim in claims {
            let pairs = bigrams(claim);
            assert_eq!(
                bigrams_found(&pairs, &body),
                pairs.intersection(&body_pairs).count(),
                "{claim:?}"
            );
        }
        assert_eq!(bigrams_found(&body_pairs, &body), body_pairs.len());
    }

    #[test]
    fn bins_follow_the_edges() {
        assert_eq!(bin(0.0), 0);
        assert_eq!(bin(0.05), 1);
        assert_eq!(bin(0.95), BIN_EDGES.len());
    }
}

//! Unit tests of the mention feature templates: masking, windows, opinion words by side and
//! distance, several mentions, none, mentions at the start and end, multi-byte text.

use std::collections::BTreeSet;
use std::ops::Range;

use super::*;

/// The feature strings of `text` toward `target`, mentioned at each occurrence of `mention`.
fn features(text: &str, target: &str, mention: &str) -> BTreeSet<String> {
    let mentions: Vec<Range<usize>> = if mention.is_empty() {
        Vec::new()
    } else {
        text.match_indices(mention)
            .map(|(start, m)| start..start + m.len())
            .collect()
    };
    let doc = Document {
        title: "",
        text,
        target: Some(target),
        mentions: &mentions,
    };
    let mut out = BTreeSet::new();
    for_each_feature(
        &MentionSettings::default(),
        NgramRange { min: 1, max: 2 },
        &doc,
        &mut |f| {
            out.insert(f.to_string());
        },
    );
    out
}

fn has(features: &BTreeSet<String>, wanted: &[&str]) {
    for w in wanted {
        assert!(features.contains(*w), "missing {w:?} in {features:?}");
    }
}

#[test]
fn the_mention_is_masked_in_the_sentence_and_windows() {
    let got = features(
        "Critics said Trump lied again about the wall.",
        "Trump",
        "Trump",
    );
    has(
        &got,
        &[
            "s:<t>",
            "s:said <t>",
            "s:<t> lied",
            "l2:critics said",
            "l2:said",
            "r2:lied again",
            "r4:about the",
            "r8:wall",
            "t:trump",
        ],
    );
    assert!(!got
        .iter()
        .any(|f| f.contains("trump") && !f.starts_with("t:")));
    // Windows stop at the sentence's ends: two words on the left, whatever the window.
    assert!(!got.iter().any(|f| f.starts_with("l4:") && f.contains("x")));
    has(&got, &["l8:critics said", "l4:critics"]);
}

#[test]
fn opinion_words_carry_polarity_side_distance_and_the_words_between() {
    // "lied" (negative) follows the mention directly: side +, bucket 0; "great" (positive)
    // is 5 items before it: side -, bucket 3, with the words between.
    let got = features("A great and very fine day as Trump lied.", "Trump", "Trump");
    has(
        &got,
        &[
            "x:neg",
            "x:neg:+0",
            "x:neg:sc",
            "x:pos",
            "bpos:and",
            "bpos:very",
            "bpos:day",
        ],
    );
    assert!(got.iter().any(|f| f.starts_with("x:pos:-")), "{got:?}");
}

#[test]
fn negation_flips_polarity_and_marks_tokens() {
    let got = features("Obama is not good for us.", "Obama", "Obama");
    has(
        &got,
        &["x:neg", "x:neg:+2", "s:neg_good", "r4:not neg_good"],
    );
    assert!(!got.contains("x:pos"), "{got:?}");
}

#[test]
fn quotation_and_clause_are_seen() {
    let got = features(
        "He called Iran “an ugly regime”, but Iran said nothing.",
        "Iran",
        "Iran",
    );
    has(
        &got,
        &[
            "q:target_out",
            "qw:ugly",
            "qw:regime",
            "x:neg:q",
            "c:<t>",
            "c:called <t>",
        ],
    );
    let quoted = features(
        "They chanted “death to America” loudly.",
        "America",
        "America",
    );
    has(&quoted, &["q:target_in", "qw:death"]);
}

#[test]
fn several_mentions_each_get_windows() {
    let got = features("Iran warned Israel, and Iran struck.", "Iran", "Iran");
    has(
        &got,
        &["r2:warned israel", "l2:and", "r2:struck", "s:and <t>"],
    );
    // The first mention has nothing on its left; the second has "israel", "and", "israel and".
    assert_eq!(got.iter().filter(|f| f.starts_with("l2:")).count(), 3);
}

#[test]
fn no_mention_still_gives_sentence_target_and_opinion_features() {
    let got = features("The ugly war goes on.", "Iran", "");
    has(
        &got,
        &["s:ugly war", "t:iran", "q:target_out", "x:neg", "x:neg:oc"],
    );
    assert!(!got.iter().any(|f| f.starts_with('l') || f.starts_with('r')));
    assert!(!got
        .iter()
        .any(|f| f.starts_with("x:neg:+") || f.starts_with("x:neg:-")));
}

#[test]
fn mentions_at_start_and_end_and_multibyte_text() {
    let start = features("Téhéran dénonce «une attaque».", "Téhéran", "Téhéran");
    has(
        &start,
        &["s:<t> dénonce", "r2:dénonce une", "t:téhéran", "qw:attaque"],
    );
    assert!(!start.iter().any(|f| f.starts_with("l2:")));
    let end = features("Sanctions were lifted by Zürich’s Iran", "Iran", "Iran");
    has(&end, &["l2:by zürich’s", "s:<t>"]);
    assert!(!end.iter().any(|f| f.starts_with("r2:")));
}

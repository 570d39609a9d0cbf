//! Target-dependent features for stance toward a target mentioned in a sentence (NewsMTSC):
//! the sentence with each mention masked as one token, word windows left and right of each
//! mention, opinion words (VADER's lexicon) with their polarity, side and distance from the
//! nearest mention, the words between a mention and a near opinion word, the target's own
//! words, whether the mention is quoted, the words of the mention's clause, and negation
//! scope. A linear model cannot learn "whose" sentiment a sentence carries from a bag of the
//! sentence's words; these templates tell it where each word sits relative to the target.
//!
//! The specification, and the cross-validation on NewsMTSC's training split that chose each
//! template, is `benches/peer/NEWSMTSC_FEATURES.md`; the scikit-learn peer computes the same
//! strings (`benches/peer/newsmtsc_features.py`). Mentions come from
//! [`Document::mentions`](crate::text::Document::mentions): the corpus' offsets at training
//! time, the mention finder's at serving time. A text without a mention still gets its
//! sentence, target-word, quotation and opinion-word features (without sides or distances).

mod items;
mod lexicon;

use serde::{Deserialize, Serialize};

use super::NgramRange;
use crate::text::{self, Document};
use items::Item;

/// The settings of the mention features, stored in the model file (as the data of
/// [`TargetFeatures::Mention`](super::TargetFeatures::Mention): fields are never added,
/// removed or reordered, see [`FeatureSettings`](super::FeatureSettings)).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct MentionSettings {
    /// Lengths, in items, of the context windows taken left and right of each mention.
    pub windows: [u8; 3],
    /// An opinion word at most this many items from the nearest mention also emits the words
    /// between the two.
    pub between_reach: u8,
}

impl Default for MentionSettings {
    /// The settings chosen by cross-validation on NewsMTSC's training split.
    fn default() -> Self {
        Self {
            windows: [2, 4, 8],
            between_reach: 8,
        }
    }
}

/// Upper ends of the distance buckets (items between a mention and a word; 1 = adjacent).
const BUCKET_ENDS: [usize; 6] = [1, 2, 3, 5, 8, 12];
/// Word n-gram lengths of the windows and of the mention's clause.
const CONTEXT_NGRAMS: NgramRange = NgramRange { min: 1, max: 2 };

/// Calls `emit` with every feature string of `doc`'s text toward its target (each is its
/// template's prefix and a value, e.g. `l4:<t> said`); `sentence_ngrams` are the lengths of
/// the masked sentence's n-grams.
pub fn for_each_feature(
    settings: &MentionSettings,
    sentence_ngrams: NgramRange,
    doc: &Document,
    emit: &mut dyn FnMut(&str),
) {
    let items = items::analyse(doc.text, doc.mentions);
    let mut token = String::new();
    let surface: Vec<String> = items
        .iter()
        .map(|item| {
            item.surface_into(&mut token);
            token.clone()
        })
        .collect();
    let surface: Vec<&str> = surface.iter().map(String::as_str).collect();
    let mentions: Vec<usize> = (0..items.len()).filter(|i| items[*i].is_mention).collect();
    let mut feature = String::new();
    let mut emit_ngrams = |prefix: &str, tokens: &[&str], range: NgramRange| {
        for n in range.min..=range.max {
            for window in tokens.windows(n) {
                feature.clear();
                feature.push_str(prefix);
                for (i, token) in window.iter().enumerate() {
                    if i > 0 {
                        feature.push(' ');
                    }
                    feature.push_str(token);
                }
                emit(&feature);
            }
        }
    };
    emit_ngrams("s:", &surface, sentence_ngrams);
    for w in settings.windows.map(usize::from) {
        for i in mentions.iter().copied() {
            let left = &surface[i.saturating_sub(w)..i];
            let right = &surface[i + 1..(i + 1 + w).min(surface.len())];
            emit_ngrams(&format!("l{w}:"), left, CONTEXT_NGRAMS);
            emit_ngrams(&format!("r{w}:"), right, CONTEXT_NGRAMS);
        }
    }
    let in_target_clause = |item: &Item| mentions.iter().any(|i| items[*i].clause == item.clause);
    let clause: Vec<&str> = items
        .iter()
        .zip(&surface)
        .filter(|(item, _)| in_target_clause(item))
        .map(|(_, token)| *token)
        .collect();
    emit_ngrams("c:", &clause, CONTEXT_NGRAMS);
    if let Some(target) = doc.target {
        let mut lowered = String::new();
        text::lowercase_into(target, &mut lowered);
        for word in text::words(&lowered) {
            emit_ngrams("t:", &[word], NgramRange { min: 1, max: 1 });
        }
    }
    let mut named = |args: std::fmt::Arguments| {
        feature.clear();
        let _ = std::fmt::Write::write_fmt(&mut feature, args);
        emit(&feature);
    };
    let target_quoted = mentions.iter().any(|i| items[*i].quoted);
    named(format_args!(
        "q:{}",
        if target_quoted {
            "target_in"
        } else {
            "target_out"
        }
    ));
    for (item, token) in items.iter().zip(&surface) {
        if item.quoted && !item.is_mention {
            named(format_args!("qw:{token}"));
        }
    }
    for (j, item) in items.iter().enumerate() {
        let Some(valence) = (!item.is_mention)
            .then(|| lexicon::opinion_valence(&item.word))
            .flatten()
        else {
            continue;
        };
        let polarity = match (valence > 0.0) != item.negated {
            true => "pos",
            false => "neg",
        };
        named(format_args!("x:{polarity}"));
        let clause = if in_target_clause(item) { "sc" } else { "oc" };
        named(format_args!("x:{polarity}:{clause}"));
        if item.quoted {
            named(format_args!("x:{polarity}:q"));
        }
        // Signed distance to the nearest mention (a tie goes to the earlier mention).
        let Some(distance) = mentions
            .iter()
            .map(|i| j as isize - *i as isize)
            .min_by_key(|d| (d.unsigned_abs(), -d.signum()))
        else {
            continue;
        };
        let side = if distance > 0 { '+' } else { '-' };
        let reach = distance.unsigned_abs();
        let bucket = BUCKET_ENDS.iter().take_while(|end| reach > **end).count();
        named(format_args!("x:{polarity}:{side}{bucket}"));
        if reach <= usize::from(settings.between_reach) {
            let between = match distance > 0 {
                true => j + 1 - reach..j,
                false => j + 1..j + reach,
            };
            for between in &items[between] {
                if !between.is_mention {
                    named(format_args!("b{polarity}:{}", between.word));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;

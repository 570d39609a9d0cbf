//! A document's stance toward a named target (a person, a country, an organisation, a group),
//! read off the sentences that mention it, with those sentences as evidence.
//!
//! A sentence-level stance model answers one sentence about one target whose mentions it is
//! shown; a document takes many sentences, and only those that mention the target say
//! anything about it. So the text is split into sentences ([`crate::text::sentences`]), the
//! target's mentions are found ([`crate::mentions`]), every sentence holding one is
//! classified with its mentions located in it, and the sentences' answers are aggregated
//! ([`aggregate`]). A text that never mentions the target gets no stance at all.
//!
//! [`route`] holds the rule that sends a target to this path (a name) or to a document-level
//! stance model (a claim).

pub mod route;

use std::ops::Range;

use crate::mentions::MentionFinder;
use crate::model::Classifier;
use crate::text::sentences::split_sentences;
use crate::text::Document;

/// Evidence sentences returned when the caller asks for none in particular.
pub const DEFAULT_EVIDENCE: usize = 3;

/// Most evidence sentences a caller may ask for.
pub const MAX_EVIDENCE: usize = 50;

/// One sentence of the text that mentions the target, with the model's answer for it.
#[derive(Debug, Clone, PartialEq)]
pub struct SentenceStance {
    /// Position of the sentence among the text's sentences (0-based), as `Summarize` counts.
    pub index: usize,
    /// Byte offset of the sentence's first byte in the text.
    pub start: usize,
    /// Byte offset one past the sentence's last byte in the text.
    pub end: usize,
    /// The target's mentions in the sentence: byte ranges into the whole text.
    pub mentions: Vec<Range<usize>>,
    /// The model's calibrated probability of each label, in label order.
    pub probabilities: Vec<f32>,
}

impl SentenceStance {
    /// Index of the sentence's most probable label.
    pub fn best(&self) -> usize {
        argmax(&self.probabilities)
    }
}

/// What a text says about a named target.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetStance {
    /// Sentences in the text.
    pub sentences: usize,
    /// Mentions of the target in the text.
    pub mentions: usize,
    /// The sentences that mention the target, in text order.
    pub mentioning: Vec<SentenceStance>,
    /// The document's stance: label probabilities in label order ([`aggregate`] of the
    /// mentioning sentences); `None` when the text never mentions the target.
    pub probabilities: Option<Vec<f32>>,
}

impl TargetStance {
    /// Reads `text`'s stance toward `target` (found by `finder`) with the sentence-level
    /// `model`: every sentence that mentions the target is classified with its mentions
    /// located (offsets relative to the sentence), then the answers are aggregated.
    pub fn read(model: &Classifier, finder: &MentionFinder, target: &str, text: &str) -> Self {
        let spans = split_sentences(text);
        let found = finder.find(text);
        let mut mentioning = Vec::new();
        let mut next = 0;
        let mut local: Vec<Range<usize>> = Vec::new();
        for (index, span) in spans.iter().enumerate() {
            // Mentions are sorted; each belongs to the sentence holding its first byte (one
            // that runs past the sentence's end is cut there).
            while next < found.len() && found[next].start < span.start {
                next += 1;
            }
            let mut mentions = Vec::new();
            while next < found.len() && found[next].start < span.end {
                let m = found[next];
                mentions.push(m.start..m.end.min(span.end));
                next += 1;
            }
            if mentions.is_empty() {
                continue;
            }
            local.clear();
            local.extend(
                mentions
                    .iter()
                    .map(|m| m.start - span.start..m.end - span.start),
            );
            let document = Document {
                title: "",
                text: &text[span.start..span.end],
                target: Some(target),
                mentions: &local,
            };
            let probabilities = model.predict(&document, 0).probabilities;
            mentioning.push(SentenceStance {
                index,
                start: span.start,
                end: span.end,
                mentions,
                probabilities,
            });
        }
        Self {
            sentences: spans.len(),
            mentions: mentioning.iter().map(|s| s.mentions.len()).sum(),
            probabilities: aggregate(&mentioning),
            mentioning,
        }
    }

    /// Index of the document's most probable label, when the target is mentioned.
    pub fn best(&self) -> Option<usize> {
        self.probabilities.as_deref().map(argmax)
    }

    /// Up to `count` mentioning sentences, strongest evidence for the document's label first:
    /// by the probability each gives that label, ties in text order. Empty when the target
    /// is not mentioned.
    pub fn evidence(&self, count: usize) -> Vec<&SentenceStance> {
        let Some(label) = self.best() else {
            return Vec::new();
        };
        let mut ranked: Vec<&SentenceStance> = self.mentioning.iter().collect();
        ranked.sort_by(|a, b| {
            b.probabilities[label]
                .total_cmp(&a.probabilities[label])
                .then(a.index.cmp(&b.index))
        });
        ranked.truncate(count);
        ranked
    }
}

/// The document's label probabilities from its mentioning sentences': their mean, label by
/// label; `None` for no sentence.
///
/// The mean is the probability that a sentence drawn at random from those that mention the
/// target carries each label, so it stays a probability (it sums to 1) and is as well
/// calibrated for that question as the sentence model is for one sentence. A long article
/// with one hostile sentence among many neutral ones is mostly neutral toward the target,
/// and says so; its hostile sentence still leads the evidence for "negative" in its scores.
pub fn aggregate(sentences: &[SentenceStance]) -> Option<Vec<f32>> {
    let first = sentences.first()?;
    let mut mean = vec![0.0f32; first.probabilities.len()];
    for sentence in sentences {
        for (sum, p) in mean.iter_mut().zip(&sentence.probabilities) {
            *sum += p;
        }
    }
    let count = sentences.len() as f32;
    mean.iter_mut().for_each(|p| *p /= count);
    Some(mean)
}

/// Index of the largest of `values` (the first of equals).
fn argmax(values: &[f32]) -> usize {
    values
        .iter()
        .enumerate()
        .fold((0, f32::NEG_INFINITY), |(best, max), (i, v)| {
            if *v > max {
                (i, *v)
            } else {
                (best, max)
            }
        })
        .0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sentence(index: usize, probabilities: &[f32]) -> SentenceStance {
        SentenceStance {
            index,
            start: index * 10,
            end: index * 10 + 9,
            mentions: std::iter::once(index * 10..index * 10 + 3).collect(),
            probabilities: probabilities.to_vec(),
        }
    }

    #[test]
    fn the_aggregate_is_the_mean_and_sums_to_one() {
        let sentences = [sentence(0, &[0.8, 0.2, 0.0]), sentence(1, &[0.2, 0.4, 0.4])];
        let mean = aggregate(&sentences).unwrap_or_default();
        assert_eq!(mean.len(), 3);
        for (got, want) in mean.iter().zip([0.5, 0.3, 0.2]) {
            assert!((got - want).abs() < 1e-6, "{mean:?}");
        }
        assert!((mean.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        assert_eq!(aggregate(&[]), None);
    }

    #[test]
    fn evidence_ranks_by_support_for_the_document_label_and_is_bounded() {
        let stance = TargetStance {
            sentences: 5,
            mentions: 3,
            mentioning: vec![
                sentence(0, &[0.5, 0.5, 0.0]),
                sentence(2, &[0.9, 0.1, 0.0]),
                sentence(4, &[0.1, 0.1, 0.8]),
            ],
            probabilities: Some(vec![0.5, 0.23, 0.27]),
        };
        let order: Vec<usize> = stance.evidence(10).iter().map(|s| s.index).collect();
        assert_eq!(order, [2, 0, 4]);
        assert_eq!(stance.evidence(1).len(), 1);
        let unmentioned = TargetStance {
            sentences: 5,
            mentions: 0,
            mentioning: Vec::new(),
            probabilities: None,
        };
        assert!(unmentioned.evidence(3).is_empty());
    }
}

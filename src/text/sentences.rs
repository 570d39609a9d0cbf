//! Sentence splitting (interim: Unicode sentence boundaries, UAX #29).

use unicode_segmentation::UnicodeSegmentation;

/// Byte span of one sentence in the input text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SentenceSpan {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

/// The sentences of `text`, trimmed of surrounding whitespace.
pub fn split_sentences(text: &str) -> Vec<SentenceSpan> {
    text.split_sentence_bound_indices()
        .filter_map(|(start, s)| {
            let trimmed = s.trim();
            if trimmed.is_empty() {
                return None;
            }
            let offset = s.len() - s.trim_start().len();
            Some(SentenceSpan {
                start: start + offset,
                end: start + offset + trimmed.len(),
            })
        })
        .collect()
}

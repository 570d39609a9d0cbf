//! Terms as the summarizer sees them.
//!
//! The IDF table is built offline and the ranking runs per request; both must turn text into
//! exactly the same terms, so the one tokenizer lives here. It lower-cases, drops English stop
//! words and one-letter tokens, and strips a plural "s", without allocating for tokens that are
//! already lower case.

use std::sync::LazyLock;

/// English stop words, sorted so they can be binary-searched.
const STOP_WORDS: &[&str] = &[
    "about",
    "above",
    "after",
    "again",
    "against",
    "all",
    "also",
    "am",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "because",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "by",
    "can",
    "could",
    "did",
    "do",
    "does",
    "doing",
    "down",
    "during",
    "each",
    "few",
    "for",
    "from",
    "further",
    "had",
    "has",
    "have",
    "having",
    "he",
    "her",
    "here",
    "hers",
    "herself",
    "him",
    "himself",
    "his",
    "how",
    "if",
    "in",
    "into",
    "is",
    "it",
    "its",
    "itself",
    "just",
    "ll",
    "me",
    "more",
    "most",
    "mr",
    "mrs",
    "ms",
    "my",
    "myself",
    "no",
    "nor",
    "not",
    "now",
    "of",
    "off",
    "on",
    "once",
    "only",
    "or",
    "other",
    "our",
    "ours",
    "ourselves",
    "out",
    "over",
    "own",
    "re",
    "said",
    "same",
    "say",
    "says",
    "she",
    "should",
    "so",
    "some",
    "such",
    "than",
    "that",
    "the",
    "their",
    "theirs",
    "them",
    "themselves",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "through",
    "to",
    "too",
    "under",
    "until",
    "up",
    "us",
    "ve",
    "very",
    "was",
    "we",
    "were",
    "what",
    "when",
    "where",
    "which",
    "while",
    "who",
    "whom",
    "why",
    "will",
    "with",
    "would",
    "you",
    "your",
    "yours",
    "yourself",
    "yourselves",
];

/// Stop words packed into integers (see [`pack`]), sorted: a lookup is a binary search over
/// integers instead of string comparisons.
static STOP_WORD_KEYS: LazyLock<Vec<u128>> = LazyLock::new(|| {
    let mut keys: Vec<u128> = STOP_WORDS.iter().filter_map(|w| pack(w)).collect();
    keys.sort_unstable();
    keys
});

/// The bytes of `word` as one integer, or `None` if it is longer than 16 bytes.
fn pack(word: &str) -> Option<u128> {
    let bytes = word.as_bytes();
    if bytes.len() > 16 {
        return None;
    }
    let mut buf = [0u8; 16];
    buf[..bytes.len()].copy_from_slice(bytes);
    Some(u128::from_be_bytes(buf))
}

/// True if `word` (lower case) is an English stop word.
fn is_stop_word(word: &str) -> bool {
    pack(word).is_some_and(|key| STOP_WORD_KEYS.binary_search(&key).is_ok())
}

/// Calls `f` with every term of `text`, in order. `buf` is scratch space reused between calls.
pub(crate) fn for_each_term(text: &str, buf: &mut String, mut f: impl FnMut(&str)) {
    for word in text.split(|c: char| !c.is_alphanumeric()) {
        if word.is_empty() {
            continue;
        }
        let lower: &str = if word.chars().any(char::is_uppercase) {
            buf.clear();
            buf.extend(word.chars().flat_map(char::to_lowercase));
            buf.as_str()
        } else {
            word
        };
        if let Some(term) = normalize(lower) {
            f(term);
        }
    }
}

/// Drops stop words and one-character tokens and strips a plural "s"; `word` is lower case.
fn normalize(word: &str) -> Option<&str> {
    let mut chars = word.chars();
    if chars.next().is_none() || chars.next().is_none() {
        return None;
    }
    if is_stop_word(word) {
        return None;
    }
    let plural = word.len() > 3
        && word.ends_with('s')
        && !word.ends_with("ss")
        && !word.ends_with("us")
        && !word.ends_with("is");
    Some(if plural {
        &word[..word.len() - 1]
    } else {
        word
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut buf = String::new();
        for_each_term(text, &mut buf, |t| out.push(t.to_string()));
        out
    }

    #[test]
    fn stop_words_are_sorted_and_found() {
        assert!(STOP_WORDS.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(STOP_WORD_KEYS.len(), STOP_WORDS.len());
        assert!(STOP_WORDS.iter().all(|w| is_stop_word(w)));
        assert!(!is_stop_word("oil") && !is_stop_word("") && !is_stop_word("yourselvesx"));
    }

    #[test]
    fn lowercases_filters_and_stems() {
        assert_eq!(
            terms("The Shares of Ürün rose 3.2% in U.S. markets, said Mr Smith's analysts."),
            ["share", "ürün", "rose", "market", "smith", "analyst"]
        );
        assert_eq!(terms("bus crisis glass"), ["bus", "crisis", "glass"]);
        assert!(terms("").is_empty());
    }
}

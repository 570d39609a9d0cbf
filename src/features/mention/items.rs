//! The masked sentence: the words of a text in order, each mention of the target replaced by
//! one placeholder item, and per item whether it is quoted, which clause it sits in and
//! whether a negation cue's scope covers it (`benches/peer/NEWSMTSC_FEATURES.md` §2).

use std::ops::Range;

use unicode_segmentation::UnicodeSegmentation;

use crate::text;

/// The token a mention of the target becomes.
const TARGET: &str = "<t>";

/// Words that open a negation scope (so does every word ending in "n't" or "n’t").
const NEGATION_CUES: &[&str] = &[
    "not", "no", "never", "nor", "neither", "without", "none", "nobody", "nothing", "nowhere",
    "cannot",
];
/// Characters between two items that end a negation scope.
const SCOPE_END: &[char] = &[
    '.', ',', ';', ':', '!', '?', '(', ')', '[', ']', '"', '“', '”', '«', '»', '„',
];
/// Characters between two items that start a new clause.
const CLAUSE_PUNCTUATION: &[char] = &[',', ';', ':', '(', ')', '[', ']', '–', '—'];
/// Words that start a new clause.
const CLAUSE_WORDS: &[&str] = &[
    "but", "while", "although", "though", "whereas", "however", "because", "yet", "despite",
    "since", "unless",
];

/// One position of the masked sentence.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Item {
    /// The lower-cased word, or [`TARGET`] for a mention.
    pub(super) word: String,
    /// Whether the item is a mention of the target.
    pub(super) is_mention: bool,
    /// Whether its first character lies inside a quotation.
    pub(super) quoted: bool,
    /// Index of its clause (0 for the first).
    pub(super) clause: u32,
    /// Whether a negation cue before it covers it (never true of a mention).
    pub(super) negated: bool,
}

impl Item {
    /// The token the item contributes to n-grams: its word, `neg_`-prefixed when negated.
    pub(super) fn surface_into(&self, out: &mut String) {
        out.clear();
        if self.negated {
            out.push_str("neg_");
        }
        out.push_str(&self.word);
    }
}

/// The items of `text` with the target mentioned at the byte ranges `mentions`. A range that
/// is empty, out of bounds, not on character boundaries or overlapping an earlier one is
/// skipped, so any input gives an answer.
pub(super) fn analyse(text: &str, mentions: &[Range<usize>]) -> Vec<Item> {
    // (item, byte range in `text`) in text order.
    let mut spans: Vec<(Item, Range<usize>)> = Vec::new();
    let mut at = 0;
    let mut lowered = String::new();
    let usable = mentions
        .iter()
        .filter(|m| !m.is_empty() && text.get(m.start..m.end).is_some());
    for mention in usable.cloned().map(Some).chain(std::iter::once(None)) {
        let piece_end = mention.as_ref().map_or(text.len(), |m| m.start);
        if piece_end < at {
            continue; // overlaps the previous mention
        }
        for (offset, word) in text[at..piece_end].unicode_word_indices() {
            // A combining mark after a space makes a segment " \u{301}"; words() trims it.
            let trimmed = word.trim_start();
            let start = at + offset + (word.len() - trimmed.len());
            let trimmed = trimmed.trim_end();
            text::lowercase_into(trimmed, &mut lowered);
            spans.push((item(lowered.clone(), false), start..start + trimmed.len()));
        }
        if let Some(mention) = mention {
            at = mention.end;
            spans.push((item(TARGET.to_string(), true), mention));
        }
    }
    mark_scopes(text, &mut spans);
    spans.into_iter().map(|(item, _)| item).collect()
}

fn item(word: String, is_mention: bool) -> Item {
    Item {
        word,
        is_mention,
        quoted: false,
        clause: 0,
        negated: false,
    }
}

/// Sets the quotation, clause and negation marks of items in text order.
fn mark_scopes(text: &str, spans: &mut [(Item, Range<usize>)]) {
    let quoted = quotation_at(text, spans.iter().map(|(_, range)| range.start));
    let (mut clause, mut scope, mut previous_end) = (0, false, 0);
    for (index, ((item, range), quoted)) in spans.iter_mut().zip(quoted).enumerate() {
        let gap = text
            .get(previous_end..range.start)
            .unwrap_or("")
            .chars()
            .filter(|c| !c.is_whitespace());
        let (mut clause_break, mut scope_end) = (false, false);
        for c in gap {
            clause_break |= CLAUSE_PUNCTUATION.contains(&c);
            scope_end |= SCOPE_END.contains(&c);
        }
        if index > 0 && (clause_break || CLAUSE_WORDS.contains(&item.word.as_str())) {
            clause += 1;
        }
        item.clause = clause;
        item.quoted = quoted;
        if scope_end {
            scope = false;
        }
        item.negated = scope && !item.is_mention;
        if !item.is_mention && is_negation_cue(&item.word) {
            scope = true;
        }
        previous_end = range.end;
    }
}

fn is_negation_cue(word: &str) -> bool {
    NEGATION_CUES.contains(&word) || word.ends_with("n't") || word.ends_with("n’t")
}

/// For each of `starts` (byte offsets of characters, increasing), whether that character lies
/// inside a quotation: “ „ « open one (and count as inside), ” » close it (and count as
/// outside), a straight " toggles (and takes the new state). ' ‘ ’ are apostrophes here.
fn quotation_at(text: &str, starts: impl Iterator<Item = usize>) -> Vec<bool> {
    let mut starts = starts.peekable();
    let mut out = Vec::new();
    let mut inside = false;
    for (index, c) in text.char_indices() {
        let state = match c {
            '“' | '„' | '«' => {
                inside = true;
                true
            }
            '”' | '»' => {
                inside = false;
                false
            }
            '"' => {
                inside = !inside;
                inside
            }
            _ => inside,
        };
        while starts.next_if(|start| *start <= index).is_some() {
            out.push(state);
        }
    }
    out.extend(starts.map(|_| inside));
    out
}

// A list holding one mention is meant, not the range's numbers.
#[allow(clippy::single_range_in_vec_init)]
#[cfg(test)]
mod tests {
    use super::*;

    fn words(items: &[Item]) -> Vec<String> {
        let mut out = String::new();
        items
            .iter()
            .map(|item| {
                item.surface_into(&mut out);
                out.clone()
            })
            .collect()
    }

    #[test]
    fn mentions_become_one_placeholder_each() {
        let text = "President Trump met Iran's leader; Trump left.";
        let items = analyse(text, &[0..15, 35..40]);
        assert_eq!(
            words(&items),
            ["<t>", "met", "iran's", "leader", "<t>", "left"]
        );
        assert!(items[0].is_mention && items[4].is_mention && !items[1].is_mention);
        // The semicolon starts a new clause.
        let clauses: Vec<u32> = items.iter().map(|i| i.clause).collect();
        assert_eq!(clauses, [0, 0, 0, 0, 1, 1]);
    }

    #[test]
    fn no_mention_and_bad_ranges_leave_the_words() {
        let text = "Zürich is calm.";
        let plain = words(&analyse(text, &[]));
        assert_eq!(plain, ["zürich", "is", "calm"]);
        // Empty, past the end, inside a character (ü is bytes 1..3), overlapping.
        let bad = [0..0, 2..5, 10..40];
        assert_eq!(words(&analyse(text, &bad)), plain);
        assert_eq!(
            words(&analyse(text, &[0..7, 4..9])),
            ["<t>", "is", "calm"],
            "the overlapping second range is skipped"
        );
    }

    #[test]
    fn mention_at_the_end_and_multibyte_text() {
        let text = "Les critiques visent Téhéran";
        let items = analyse(text, &[text.find("Téhéran").expect("found")..text.len()]);
        assert_eq!(words(&items), ["les", "critiques", "visent", "<t>"]);
    }

    #[test]
    fn negation_scope_runs_to_punctuation_and_skips_mentions() {
        let text = "They did not praise Obama or his plan, and he won't stop.";
        let start = text.find("Obama").expect("found");
        let items = analyse(text, &[start..start + 5]);
        assert_eq!(
            words(&items),
            [
                "they",
                "did",
                "not",
                "neg_praise",
                "<t>",
                "neg_or",
                "neg_his",
                "neg_plan",
                "and",
                "he",
                "won't",
                "neg_stop"
            ]
        );
        assert!(!items[4].negated, "a mention is never negated");
    }

    #[test]
    fn quotation_marks_open_close_and_toggle() {
        let text = "He called it “ugly crime” and said \"never\" again";
        let items = analyse(text, &[]);
        let quoted: Vec<(&str, bool)> = items.iter().map(|i| (i.word.as_str(), i.quoted)).collect();
        assert_eq!(
            quoted,
            [
                ("he", false),
                ("called", false),
                ("it", false),
                ("ugly", true),
                ("crime", true),
                ("and", false),
                ("said", false),
                ("never", true),
                ("again", false)
            ]
        );
    }

    #[test]
    fn clause_words_start_clauses() {
        let items = analyse("Iran agreed but Israel refused because of it", &[0..4]);
        let clauses: Vec<u32> = items.iter().map(|i| i.clause).collect();
        assert_eq!(clauses, [0, 0, 1, 1, 1, 2, 2, 2]);
    }

    #[test]
    fn any_ranges_on_any_text_give_items_without_panicking() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(11);
        let text = "“Téhéran”, n’t «Zürich» — not 3.2bn \u{301}x İstanbul's \"ugly\" war.";
        for _ in 0..5_000 {
            let mut ranges: Vec<Range<usize>> = (0..rng.gen_range(0..4))
                .map(|_| {
                    let start = rng.gen_range(0..text.len() + 3);
                    start..start + rng.gen_range(0..12)
                })
                .collect();
            if rng.gen_bool(0.5) {
                ranges.sort_by_key(|r| r.start);
            }
            let items = analyse(text, &ranges);
            let mentions = items.iter().filter(|i| i.is_mention).count();
            assert!(mentions <= ranges.len(), "{ranges:?}");
            assert!(items.iter().all(|i| !(i.is_mention && i.negated)));
        }
    }
}

//! Text handling shared by every stage: the document a request carries, the checks its text
//! must pass (blank, control characters), normalisation and word tokenisation. Features and
//! the summarizer both read text through this module, so a document is tokenised the same
//! way at training time and at serving time.

mod ascii;
pub mod sentences;

use unicode_segmentation::UnicodeSegmentation;

use ascii::AsciiWords;

/// One document as the models see it: optional headline, body, optional stance target.
#[derive(Debug, Clone, Copy, Default)]
pub struct Document<'a> {
    /// Headline; may be empty.
    pub title: &'a str,
    /// Body text.
    pub text: &'a str,
    /// The target or claim a stance is taken toward, when there is one.
    pub target: Option<&'a str>,
    /// Where `text` mentions the target: byte ranges into `text`, sorted and not
    /// overlapping. Empty unless the caller located the target (a sentence-level stance model
    /// reads them; every other model ignores them).
    pub mentions: &'a [std::ops::Range<usize>],
}

impl<'a> Document<'a> {
    /// A document with a body only.
    pub fn new(text: &'a str) -> Self {
        Self {
            title: "",
            text,
            target: None,
            mentions: &[],
        }
    }
}

/// Whether `text` holds nothing but whitespace.
pub fn is_blank(text: &str) -> bool {
    text.chars().all(char::is_whitespace)
}

/// Whether `value` holds a control character that is not whitespace: U+0000–001F and U+007F
/// but for U+0009–000D, and U+0080–009F (0xC2 0x80–0x9F in UTF-8) but for U+0085. Each byte
/// is looked at together with the one after it, without a branch within a 64-byte block (the
/// loop vectorises), so text with "£" (0xC2 0xA3) is not looked at again.
pub fn holds_control(value: &str) -> bool {
    const BLOCK: usize = 64;
    let control = |byte: u8, next: u8| {
        let c0 = (byte < 0x20) & !(0x09..=0x0d).contains(&byte) | (byte == 0x7f);
        let c1 = (byte == 0xc2) & (next & 0xe0 == 0x80) & (next != 0x85);
        c0 | c1
    };
    let any_control = |bytes: &[u8], nexts: &[u8]| {
        bytes
            .iter()
            .zip(nexts)
            .fold(false, |seen, (byte, next)| seen | control(*byte, *next))
    };
    let Some((&last, _)) = value.as_bytes().split_last() else {
        return false;
    };
    // Every byte but the last, with the byte after it.
    let (bytes, nexts) = (&value.as_bytes()[..value.len() - 1], &value.as_bytes()[1..]);
    let blocks = bytes.chunks_exact(BLOCK);
    let rest = blocks.remainder();
    blocks
        .zip(nexts.chunks_exact(BLOCK))
        .any(|(bytes, nexts)| any_control(bytes, nexts))
        || any_control(rest, &nexts[nexts.len() - rest.len()..])
        || control(last, 0)
}

/// Lower-cases `text` into `out` (cleared first), so one buffer serves many documents.
///
/// Runs of ASCII are copied and lower-cased in bulk; other characters go through
/// `char::to_lowercase` one at a time.
pub fn lowercase_into(text: &str, out: &mut String) {
    out.clear();
    out.reserve(text.len());
    let mut rest = text;
    loop {
        let ascii = first_non_ascii(rest.as_bytes()).unwrap_or(rest.len());
        let start = out.len();
        out.push_str(&rest[..ascii]);
        out[start..].make_ascii_lowercase();
        let mut chars = rest[ascii..].chars();
        let Some(c) = chars.next() else {
            return;
        };
        out.extend(c.to_lowercase());
        rest = chars.as_str();
    }
}

/// The words of already lower-cased text (Unicode word boundaries, UAX #29): punctuation
/// and whitespace are dropped, numbers such as "3.2" and "1,000" stay whole.
///
/// Exactly `unicode_words()` with each word trimmed, faster: UAX #29 always breaks at ASCII
/// whitespace, so the text is cut there into runs. A run with a non-ASCII character goes to
/// `unicode_words()` together with the whitespace before it (a combining mark attaches to a
/// preceding space); everything between such runs is pure ASCII and is segmented 64 bytes at a
/// time by the `ascii` submodule (ASCII whitespace never joins a word, so run boundaries need
/// no special case there).
///
/// Trimmed because that space then belongs to the mark's segment (rule WB4), which counts as
/// a word when the mark is alphabetic: `unicode_words()` yields " \u{619}".
pub fn words(lowercased: &str) -> impl Iterator<Item = &str> {
    Words {
        text: lowercased,
        ascii: AsciiWords::new(lowercased, 0, 0),
        unicode: None,
    }
}

/// The iterator of [`words`]: pure-ASCII stretches are segmented in place by [`AsciiWords`],
/// runs holding other characters by `unicode_words()`.
struct Words<'a> {
    text: &'a str,
    /// Words left of the current ASCII stretch.
    ascii: AsciiWords<'a>,
    /// Words left of the current non-ASCII run.
    unicode: Option<unicode_segmentation::UnicodeWords<'a>>,
}

impl<'a> Iterator for Words<'a> {
    type Item = &'a str;

    // Always inlined into the feature extractor's loop, which LLVM otherwise leaves as a call
    // per word (`benches/callgrind.sh` counts the difference).
    #[inline(always)]
    fn next(&mut self) -> Option<&'a str> {
        if self.unicode.is_none() {
            if let Some(word) = self.ascii.next_word() {
                return Some(word);
            }
        }
        self.next_after_stretch()
    }
}

impl<'a> Words<'a> {
    /// [`Iterator::next`] once the current ASCII stretch is used up: the words of a
    /// non-ASCII run, or the next stretch.
    fn next_after_stretch(&mut self) -> Option<&'a str> {
        loop {
            if let Some(words) = &mut self.unicode {
                if let Some(word) = words.next() {
                    return Some(word.trim());
                }
                self.unicode = None;
            }
            if let Some(word) = self.ascii.next_word() {
                return Some(word);
            }
            let bytes = self.text.as_bytes();
            let cursor = self.ascii.position();
            if cursor == bytes.len() {
                return None;
            }
            let Some(found) = next_joining_non_ascii(bytes, cursor) else {
                self.ascii = AsciiWords::new(self.text, cursor, bytes.len());
                continue;
            };
            // The run holding the non-ASCII character, and the whitespace before it. ASCII
            // whitespace bytes never occur inside a multi-byte character, so every index
            // below is a character boundary.
            let run_start = bytes[cursor..found]
                .iter()
                .rposition(u8::is_ascii_whitespace)
                .map_or(cursor, |i| cursor + i + 1);
            let space = bytes[cursor..run_start]
                .iter()
                .rposition(|b| !b.is_ascii_whitespace())
                .map_or(cursor, |i| cursor + i + 1);
            if space > cursor {
                // Pure ASCII before the run: segment it first, come back for the run.
                self.ascii = AsciiWords::new(self.text, cursor, space);
                continue;
            }
            let end = bytes[found..]
                .iter()
                .position(u8::is_ascii_whitespace)
                .map_or(bytes.len(), |i| found + i);
            self.ascii = AsciiWords::new(self.text, end, end);
            self.unicode = Some(self.text[cursor..end].unicode_words());
        }
    }
}

/// Where the first non-ASCII character at or after `from` is that the ASCII segmenter
/// cannot treat as a separator (`None` when there is none).
///
/// A few frequent characters of news text (currency signs, typographic quotes and dashes)
/// have the word-break property Other, so UAX #29 breaks on both sides of them exactly as
/// it does around ASCII punctuation, unless an Extend, Format or ZWJ character follows
/// (rule WB4); followed by ASCII they are skipped here, and the segmenter, for which every
/// non-ASCII byte breaks, reads through them. Without this, each `£` of an article would
/// send its whole run through `unicode_words()`.
fn next_joining_non_ascii(bytes: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    loop {
        let at = i + first_non_ascii(&bytes[i..])?;
        let separator = match bytes[at..] {
            // £ U+00A3
            [0xc2, 0xa3, ..] => 2,
            // – U+2013, — U+2014, “ U+201C, ” U+201D, • U+2022, … U+2026
            [0xe2, 0x80, 0x93 | 0x94 | 0x9c | 0x9d | 0xa2 | 0xa6, ..] => 3,
            // € U+20AC
            [0xe2, 0x82, 0xac, ..] => 3,
            _ => return Some(at),
        };
        match bytes.get(at + separator) {
            Some(next) if !next.is_ascii() => return Some(at),
            _ => i = at + separator,
        }
    }
}

/// Index of the first byte of `bytes` that is not ASCII: whole blocks are checked at once
/// (`is_ascii` vectorises), only the block holding it byte by byte.
fn first_non_ascii(bytes: &[u8]) -> Option<usize> {
    const BLOCK: usize = 64;
    let block = bytes.chunks(BLOCK).position(|chunk| !chunk.is_ascii())?;
    let start = block * BLOCK;
    bytes[start..]
        .iter()
        .position(|b| !b.is_ascii())
        .map(|offset| start + offset)
}

/// Normalises a stance target so that "Hillary Clinton", " hillary  clinton " and
/// "HILLARY CLINTON" name the same target.
pub fn normalize_target(target: &str) -> String {
    let mut lowered = String::new();
    lowercase_into(target, &mut lowered);
    words(&lowered).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_lowercased_unicode_words() {
        let mut lowered = String::new();
        lowercase_into("Iran's IRGC said: €3.2bn, Zürich!", &mut lowered);
        let got: Vec<&str> = words(&lowered).collect();
        assert_eq!(got, ["iran's", "irgc", "said", "3.2bn", "zürich"]);
    }

    #[test]
    fn fast_words_match_unicode_words() {
        use rand::{Rng, SeedableRng};
        let alphabet: Vec<char> =
            "ab1_.:',;- Z\t\n\r\u{b}\"éİ£€–—“”•…’\u{301}\u{93e}\u{a0}\u{200d}"
                .chars()
                .collect();
        // The first 12 characters are ASCII: long strings drawn mostly from them have
        // ASCII stretches spanning several of the segmenter's 64-byte blocks.
        let ascii = 12;
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for round in 0..110_000 {
            let (length, pick_ascii) = if round % 11 == 0 {
                (400, 0.97)
            } else {
                (24, 0.0)
            };
            let length = rng.gen_range(0..length);
            let text: String = (0..length)
                .map(|_| match rng.gen_bool(pick_ascii) {
                    true => alphabet[rng.gen_range(0..ascii)],
                    false => alphabet[rng.gen_range(0..alphabet.len())],
                })
                .collect();
            let fast: Vec<&str> = words(&text).collect();
            let reference: Vec<&str> = text.unicode_words().map(str::trim).collect();
            assert_eq!(fast, reference, "{text:?}");
        }
    }

    #[test]
    fn fast_words_match_unicode_words_on_the_corpora() {
        let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
        let files = [
            "bbc/train.jsonl",
            "bbc/test.jsonl",
            "semeval2016-stance/train.jsonl",
        ];
        let mut lowered = String::new();
        for file in files {
            let Ok(content) = std::fs::read_to_string(data.join(file)) else {
                continue; // the shared data is not beside this checkout
            };
            for line in content.lines() {
                lowercase_into(line, &mut lowered);
                let fast: Vec<&str> = words(&lowered).collect();
                let reference: Vec<&str> = lowered.unicode_words().map(str::trim).collect();
                assert_eq!(fast, reference, "{file}");
            }
        }
        let examples = std::fs::read_dir(data.join("../examples"))
            .into_iter()
            .flatten();
        for entry in examples.flatten() {
            let Ok(content) = std::fs::read_to_string(entry.path()) else {
                continue;
            };
            lowercase_into(&content, &mut lowered);
            let fast: Vec<&str> = words(&lowered).collect();
            let reference: Vec<&str> = lowered.unicode_words().map(str::trim).collect();
            assert_eq!(fast, reference, "{}", entry.path().display());
        }
    }

    #[test]
    fn targets_normalise_case_and_spacing() {
        assert_eq!(normalize_target("  Hillary   CLINTON "), "hillary clinton");
        assert!(is_blank(" \n\t"));
        assert!(!is_blank(" a "));
    }

    #[test]
    fn byte_scan_finds_exactly_the_control_characters() {
        for c in (0..0x3000).filter_map(char::from_u32) {
            let expected = c.is_control() && !c.is_whitespace();
            // Alone, and at every offset of a text longer than two blocks (so also across
            // the boundary of two blocks, and as the last character).
            assert_eq!(
                holds_control(&c.to_string()),
                expected,
                "U+{:04X}",
                u32::from(c)
            );
            for offset in 0..150 {
                let text = format!("{}{c}{}", "a".repeat(offset), "£ b".repeat(50 - offset / 3));
                assert_eq!(
                    holds_control(&text),
                    expected,
                    "U+{:04X} at byte {offset}",
                    u32::from(c)
                );
            }
        }
        assert!(!holds_control(""));
    }
}

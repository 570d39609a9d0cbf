//! Text handling shared by every stage: the document a request carries, normalisation and
//! word tokenisation. Features and the summarizer both read text through this module, so a
//! document is tokenised the same way at training time and at serving time.

pub mod sentences;

use unicode_segmentation::UnicodeSegmentation;

/// One document as the models see it: optional headline, body, optional stance target.
#[derive(Debug, Clone, Copy, Default)]
pub struct Document<'a> {
    /// Headline; may be empty.
    pub title: &'a str,
    /// Body text.
    pub text: &'a str,
    /// The target or claim a stance is taken toward, when there is one.
    pub target: Option<&'a str>,
}

impl<'a> Document<'a> {
    /// A document with a body only.
    pub fn new(text: &'a str) -> Self {
        Self {
            title: "",
            text,
            target: None,
        }
    }
}

/// Whether `text` holds nothing but whitespace.
pub fn is_blank(text: &str) -> bool {
    text.chars().all(char::is_whitespace)
}

/// Lower-cases `text` into `out` (cleared first), so one buffer serves many documents.
pub fn lowercase_into(text: &str, out: &mut String) {
    out.clear();
    out.reserve(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else {
            out.extend(c.to_lowercase());
        }
    }
}

/// The words of already lower-cased text (Unicode word boundaries, UAX #29): punctuation
/// and whitespace are dropped, numbers such as "3.2" and "1,000" stay whole.
///
/// Exactly `unicode_words()` with each word trimmed, faster: UAX #29 always breaks at ASCII
/// whitespace, so the text is cut there and runs of pure ASCII (most of a news article) are
/// segmented by [`AsciiWords`]; a run with any other character goes to `unicode_words()`
/// together with the whitespace before it (a combining mark attaches to a preceding space).
///
/// Trimmed because that space then belongs to the mark's segment (rule WB4), which counts as
/// a word when the mark is alphabetic: `unicode_words()` yields " \u{619}".
pub fn words(lowercased: &str) -> impl Iterator<Item = &str> {
    Words {
        text: lowercased,
        position: 0,
        current: Run::Done,
    }
}

struct Words<'a> {
    text: &'a str,
    position: usize,
    current: Run<'a>,
}

enum Run<'a> {
    Ascii(AsciiWords<'a>),
    Unicode(unicode_segmentation::UnicodeWords<'a>),
    Done,
}

impl<'a> Iterator for Words<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        loop {
            let word = match &mut self.current {
                Run::Ascii(words) => words.next(),
                Run::Unicode(words) => words.next().map(str::trim),
                Run::Done => None,
            };
            if word.is_some() {
                return word;
            }
            // ASCII whitespace bytes never occur inside a multi-byte character, so every
            // index below is a character boundary.
            let bytes = self.text.as_bytes();
            let space = self.position;
            let mut start = space;
            while start < bytes.len() && bytes[start].is_ascii_whitespace() {
                start += 1;
            }
            if start == bytes.len() {
                self.position = start;
                self.current = Run::Done;
                return None;
            }
            let mut end = start;
            let mut ascii = true;
            while end < bytes.len() && !bytes[end].is_ascii_whitespace() {
                ascii &= bytes[end].is_ascii();
                end += 1;
            }
            self.position = end;
            self.current = if ascii {
                Run::Ascii(AsciiWords {
                    run: &self.text[start..end],
                    position: 0,
                })
            } else {
                Run::Unicode(self.text[space..end].unicode_words())
            };
        }
    }
}

/// UAX #29 words of ASCII text without whitespace: letters, digits and `_` join; `:` `.`
/// `'` join two letters (WB6/7); `.` `'` `,` `;` join two digits (WB11/12); segments
/// without a letter or digit are dropped, as `unicode_words()` does.
struct AsciiWords<'a> {
    run: &'a str,
    position: usize,
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

impl<'a> Iterator for AsciiWords<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let bytes = self.run.as_bytes();
        while self.position < bytes.len() {
            let start = self.position;
            if !is_word_byte(bytes[start]) {
                self.position += 1;
                continue;
            }
            let mut end = start + 1;
            let mut alphanumeric = bytes[start] != b'_';
            while end < bytes.len() {
                let (before, here) = (bytes[end - 1], bytes[end]);
                if is_word_byte(here) {
                    alphanumeric |= here != b'_';
                    end += 1;
                    continue;
                }
                let Some(&after) = bytes.get(end + 1) else {
                    break;
                };
                let letters = before.is_ascii_alphabetic()
                    && after.is_ascii_alphabetic()
                    && matches!(here, b':' | b'.' | b'\'');
                let digits = before.is_ascii_digit()
                    && after.is_ascii_digit()
                    && matches!(here, b',' | b';' | b'.' | b'\'');
                if !(letters || digits) {
                    break;
                }
                end += 2;
            }
            self.position = end;
            if alphanumeric {
                return Some(&self.run[start..end]);
            }
        }
        None
    }
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
        let alphabet: Vec<char> = "ab1_.:',;- \t\n\r\u{b}\"éİ£\u{301}\u{93e}\u{a0}"
            .chars()
            .collect();
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for _ in 0..20_000 {
            let length = rng.gen_range(0..24);
            let text: String = (0..length)
                .map(|_| alphabet[rng.gen_range(0..alphabet.len())])
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
    }

    #[test]
    fn targets_normalise_case_and_spacing() {
        assert_eq!(normalize_target("  Hillary   CLINTON "), "hillary clinton");
        assert!(is_blank(" \n\t"));
        assert!(!is_blank(" a "));
    }
}

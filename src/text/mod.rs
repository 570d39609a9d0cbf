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
///
/// Runs of ASCII are copied and lower-cased in bulk; other characters go through
/// `char::to_lowercase` one at a time.
pub fn lowercase_into(text: &str, out: &mut String) {
    out.clear();
    out.reserve(text.len());
    let mut rest = text;
    loop {
        let ascii = if rest.is_ascii() {
            rest.len()
        } else {
            rest.bytes()
                .position(|b| !b.is_ascii())
                .unwrap_or(rest.len())
        };
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
/// preceding space); everything between such runs is pure ASCII and is segmented in one pass
/// by [`AsciiWords`] (ASCII whitespace never joins a word, so run boundaries need no
/// special case there).
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
            let bytes = self.text.as_bytes();
            let cursor = self.position;
            if cursor == bytes.len() {
                self.current = Run::Done;
                return None;
            }
            let rest = &bytes[cursor..];
            let non_ascii = if rest.is_ascii() {
                None
            } else {
                rest.iter().position(|b| !b.is_ascii())
            };
            let Some(offset) = non_ascii else {
                self.position = bytes.len();
                self.current = Run::Ascii(AsciiWords::new(&self.text[cursor..]));
                continue;
            };
            // The run holding the non-ASCII byte, and the whitespace before it. ASCII
            // whitespace bytes never occur inside a multi-byte character, so every index
            // below is a character boundary.
            let found = cursor + offset;
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
                self.position = space;
                self.current = Run::Ascii(AsciiWords::new(&self.text[cursor..space]));
                continue;
            }
            let end = bytes[found..]
                .iter()
                .position(u8::is_ascii_whitespace)
                .map_or(bytes.len(), |i| found + i);
            self.position = end;
            self.current = Run::Unicode(self.text[cursor..end].unicode_words());
        }
    }
}

/// Byte classes of ASCII for [`AsciiWords`] (zero for every other byte).
const WORD: u8 = 1; // letter, digit or `_`
const LETTER: u8 = 4;
const DIGIT: u8 = 8;
const MID_LETTER: u8 = 16; // `:` `.` `'` join two letters (WB6/7)
const MID_NUMBER: u8 = 32; // `.` `'` `,` `;` join two digits (WB11/12)

const CLASSES: [u8; 256] = {
    let mut classes = [0u8; 256];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        classes[b] = if c.is_ascii_alphabetic() {
            WORD | LETTER
        } else if c.is_ascii_digit() {
            WORD | DIGIT
        } else {
            match c {
                b'_' => WORD,
                b':' => MID_LETTER,
                b'.' | b'\'' => MID_LETTER | MID_NUMBER,
                b',' | b';' => MID_NUMBER,
                _ => 0,
            }
        };
        b += 1;
    }
    classes
};

/// UAX #29 words of pure ASCII text: letters, digits and `_` join; `:` `.` `'` join two
/// letters (WB6/7); `.` `'` `,` `;` join two digits (WB11/12); segments without a letter or
/// digit are dropped, as `unicode_words()` does; every other byte breaks.
struct AsciiWords<'a> {
    text: &'a str,
    position: usize,
}

impl<'a> AsciiWords<'a> {
    fn new(text: &'a str) -> Self {
        Self { text, position: 0 }
    }
}

impl<'a> Iterator for AsciiWords<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let bytes = self.text.as_bytes();
        let class = |b: &u8| CLASSES[usize::from(*b)];
        loop {
            let rest = &bytes[self.position..];
            let Some(skipped) = rest.iter().position(|b| class(b) & WORD != 0) else {
                self.position = bytes.len();
                return None;
            };
            let start = self.position + skipped;
            let mut end = start + 1;
            loop {
                end += bytes[end..]
                    .iter()
                    .position(|b| class(b) & WORD == 0)
                    .unwrap_or(bytes.len() - end);
                let (Some(here), Some(after)) = (bytes.get(end), bytes.get(end + 1)) else {
                    break;
                };
                let (before, here, after) = (class(&bytes[end - 1]), class(here), class(after));
                let joins = (before & after & LETTER != 0 && here & MID_LETTER != 0)
                    || (before & after & DIGIT != 0 && here & MID_NUMBER != 0);
                if !joins {
                    break;
                }
                end += 2;
            }
            self.position = end;
            // Joiners only sit between letters or digits, so a segment without a letter or
            // digit is all `_`.
            let word = &self.text[start..end];
            if word.bytes().any(|b| b != b'_') {
                return Some(word);
            }
        }
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

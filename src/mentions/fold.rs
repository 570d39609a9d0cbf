//! Folding of diacritics and typographic variants, so that "Bogotá" and "Bogota", "Iran’s" and
//! "Iran's" look the same to the matcher, with a map from the folded text back to byte offsets
//! of the original.
//!
//! Folding keeps case (É → E, é → e) because the matching rules read it: the matcher compares
//! ASCII case-insensitively and checks capitals itself. ASCII is copied as it is, so a pure
//! ASCII text is searched in place, with no copy and no map.

use std::borrow::Cow;

use unicode_normalization::char::{decompose_canonical, is_combining_mark};

/// A text with its diacritics and typographic variants folded, and the way back to the
/// original's byte offsets.
pub(crate) struct Folded<'a> {
    folded: Cow<'a, str>,
    /// `(folded offset, original offset)` at every point where the difference between the
    /// two changes; an implicit `(0, 0)` comes first.
    breaks: Vec<(usize, usize)>,
}

impl<'a> Folded<'a> {
    /// Folds `text`; borrows it when it is pure ASCII.
    pub(crate) fn new(text: &'a str) -> Self {
        if text.is_ascii() {
            return Self {
                folded: Cow::Borrowed(text),
                breaks: Vec::new(),
            };
        }
        let mut folded = String::with_capacity(text.len());
        let mut breaks = Vec::new();
        let mut delta = 0usize; // original offset minus folded offset, as it stands
        let mut at = 0;
        while at < text.len() {
            // ASCII runs are copied whole; only the characters between them are folded.
            let run = text.as_bytes()[at..]
                .iter()
                .position(|b| !b.is_ascii())
                .unwrap_or(text.len() - at);
            folded.push_str(&text[at..at + run]);
            at += run;
            let Some(c) = text[at..].chars().next() else {
                break;
            };
            fold_char(c, &mut folded);
            at += c.len_utf8();
            if at - folded.len() != delta {
                delta = at - folded.len();
                breaks.push((folded.len(), at));
            }
        }
        Self {
            folded: Cow::Owned(folded),
            breaks,
        }
    }

    /// The folded text.
    pub(crate) fn text(&self) -> &str {
        &self.folded
    }

    /// The original byte offset of folded offset `at`: the start of the original character
    /// that produced the folded byte there (or the original's end). A folded offset inside
    /// the expansion of one character ("ß" → "ss") maps inside that character, which is not
    /// a character boundary; callers check.
    pub(crate) fn original(&self, at: usize) -> usize {
        let i = self.breaks.partition_point(|&(folded, _)| folded <= at);
        match i.checked_sub(1) {
            Some(i) => self.breaks[i].1 + (at - self.breaks[i].0),
            None => at,
        }
    }
}

/// Folds `text` whole, for forms and targets (no map kept).
pub(crate) fn fold(text: &str) -> Cow<'_, str> {
    if text.is_ascii() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            fold_char(c, &mut out);
        }
    }
    Cow::Owned(out)
}

/// Appends the folded form of one non-ASCII character: typographic quotes, dashes and spaces
/// become their ASCII forms, invisible characters (soft hyphen, zero-width ones) vanish,
/// Latin letters lose their diacritics (canonical decomposition, combining marks dropped), and
/// the few Latin letters that have no decomposition get their usual ASCII spelling (ß → ss,
/// ø → o, ł → l, æ → ae). Any other character (Arabic, Cyrillic, CJK…) is kept.
///
/// The folded form is never longer in bytes than the character, which [`Folded::new`]'s
/// offset arithmetic relies on.
fn fold_char(c: char, out: &mut String) {
    let ascii: &str = match c {
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '\u{02BC}' => "'",
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' => "\"",
        '\u{2010}'..='\u{2015}' | '\u{2212}' => "-",
        '\u{00A0}' | '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}' => " ",
        '\u{00AD}' | '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' => "",
        'ß' => "ss",
        'ẞ' => "SS",
        'æ' => "ae",
        'Æ' => "AE",
        'œ' => "oe",
        'Œ' => "OE",
        'ø' => "o",
        'Ø' => "O",
        'ł' => "l",
        'Ł' => "L",
        'đ' | 'ð' => "d",
        'Đ' | 'Ð' => "D",
        'þ' => "th",
        'Þ' => "Th",
        'ı' => "i",
        'ħ' => "h",
        'Ħ' => "H",
        _ if is_combining_mark(c) => "",
        _ => {
            // A Latin letter with marks decomposes to an ASCII letter and marks only; any
            // other decomposition (Hangul into jamo, Greek with tonos) keeps the character.
            let mut base = None;
            let mut latin = true;
            decompose_canonical(c, |d| match (base, d.is_ascii_alphabetic()) {
                (None, true) => base = Some(d),
                _ => latin &= is_combining_mark(d),
            });
            match base {
                Some(base) if latin => out.push(base),
                _ => out.push(c),
            }
            return;
        }
    };
    out.push_str(ascii);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diacritics_and_typography_fold_and_map_back() {
        let text = "Bogotá’s “São Tomé” – Straße\u{00AD}n e\u{301}x";
        let folded = Folded::new(text);
        assert_eq!(folded.text(), "Bogota's \"Sao Tome\" - Strassen ex");
        // Every folded word start maps to the start of the same word in the original.
        for word in ["Bogota", "Sao", "Tome", "Strassen", "ex"] {
            let at = folded.text().find(word).expect(word);
            let original = folded.original(at);
            assert!(text.is_char_boundary(original));
            assert_eq!(fold(&text[original..]).get(..word.len()), Some(word));
        }
        assert_eq!(folded.original(folded.text().len()), text.len());
        // "ex" folded from "e\u{301}x": the end of "e" maps past the dropped mark.
        let e = folded.text().rfind('e').expect("e");
        assert_eq!(
            &text[folded.original(e)..folded.original(e + 1)],
            "e\u{301}"
        );
    }

    #[test]
    fn ascii_is_borrowed_and_case_is_kept() {
        assert!(matches!(Folded::new("Iran's US").folded, Cow::Borrowed(_)));
        assert_eq!(fold("ÉLYSÉE Élysée"), "ELYSEE Elysee");
        assert_eq!(fold("Москва"), "Москва");
    }
}

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
/// A combining mark after a space joins the space's segment (rule WB4), and that segment
/// counts as a word when the mark is alphabetic (" \u{619}"), so words are trimmed.
pub fn words(lowercased: &str) -> impl Iterator<Item = &str> {
    lowercased.unicode_words().map(str::trim)
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
    fn targets_normalise_case_and_spacing() {
        assert_eq!(normalize_target("  Hillary   CLINTON "), "hillary clinton");
        assert!(is_blank(" \n\t"));
        assert!(!is_blank(" a "));
    }
}

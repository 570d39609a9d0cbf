//! Finding where a document mentions a named target (a person, a country, an organisation, a
//! group) the way a reader finds it, so that the document's stance toward the target can be
//! read off the sentences that mention it.
//!
//! What a country, organisation or group may be called comes from an alias file
//! (`models/aliases.jsonl`, built by `scripts/aliases/build.py`, documented in
//! `scripts/aliases/README.md`), loaded once into an [`AliasTable`]. A request builds a
//! [`MentionFinder`] for its target (a table look-up, or a few tokens for a name the table
//! lacks) and calls [`MentionFinder::find`] on its text.
//!
//! # Matching rules
//! - **The target** resolves to a table entry by its name or any alias, case-insensitively,
//!   with diacritics folded, dots dropped and a leading "the" ignored: "US", "U.S.",
//!   "America" and "the United States" all name the United States. A target the table does
//!   not list is matched by its own words (below).
//! - **Forms of an entry**: its name, aliases, demonyms, capitals and seats of government,
//!   exactly as the file lists them (demonyms and capitals only where the file lists them);
//!   an abbreviation in capitals matches dotted and undotted ("US" and "U.S.", "UAE" and
//!   "U.A.E.").
//! - **Whole words only**: a mention neither starts nor ends inside a word (letters and digits
//!   of any script): "Iran" is not found in "Tirana" or "Iranic", nor "Niger" in "Nigeria".
//!   Hyphens and apostrophes end words, so "Iran-backed", "pro-Iranian" and "U.S.-led" hold
//!   mentions.
//! - **Possessives**: "Iran's", "Iran’s", "Hamas'" and "Soleimani’s" are mentions; the span
//!   covers the name and not the `'s`.
//! - **Case**: a form written in capitals ("US", "UN", "IRGC") matches only in those capitals
//!   ("us" is a pronoun); a form written with a capital first letter matches in any case as
//!   long as that letter is a capital in the text ("Iran", "IRAN"; not "turkey" the bird nor
//!   "chad" for Chad); a form written in lower case ("al-Qaeda") matches in any case.
//! - **Folding**: diacritics and typographic variants are folded on both sides ("Bogotá" is
//!   "Bogota", "Côte d’Ivoire" is "Cote d'Ivoire", "ß" is "ss", soft hyphens vanish); offsets
//!   are always those of the original text, on character boundaries.
//! - **Longest match wins**: of overlapping mentions, the one starting first, and of those
//!   the longest, is kept. The forms of other entries take part, so that "South Sudan" is no
//!   mention of Sudan, "Papua New Guinea" none of Guinea and "American Samoa" none of the
//!   United States; so do the phrases an entry's `exclude` lists ("New Mexico" for Mexico,
//!   "Latin American" for the United States).
//! - **A name the table does not list** (a person, an unknown organisation): its words in
//!   order, separated by spaces or hyphens, after dropping titles at its front ("General")
//!   and suffixes at its end ("Jr."). A target typed all in lower case is matched as a
//!   capitalised name.
//!   - **Variant spellings** of its tokens of at least five letters, for a person-like name
//!     or a single word: one edit of the kind transliterations make, with the same first
//!     letter (a vowel for a vowel: "Suleimani"/"Soleimani"; a doubled letter:
//!     "Qassem"/"Qasem"; a vowel or `h` added or dropped inside the word, not at its end:
//!     "Browne" is no variant of "Brown"), never onto a word of the table
//!     ("Mali" is no variant of "Malia"). Tabled names never match variants: "Iran" never
//!     matches "Iraq", nor "Austria" "Australia".
//!   - **Partial names**: for a name of two or more words with no organisation word in it
//!     ("Force", "Party", "Council"…), the last name alone, where the text capitalises it,
//!     with or without a title before it ("Soleimani", "General Soleimani", "Gen.
//!     Soleimani"), unless a capitalised word other than a title, an initial, an acronym or
//!     a possible spelling of the first name stands right before it in mid-sentence ("Bill
//!     Clinton" is no mention of "Hillary Clinton").
//!
//! Out of scope: telling apart things with the same name (Georgia the US state from the
//! country, Jordan the person from the country); an abbreviation in all-caps headlines ("TELL
//! US" holds "US"); a capitalised word opening a sentence right before a last name ("Cherie
//! Blair said" is taken for "Tony Blair"); pronouns and other references ("he", "the
//! general", "the country").

mod finder;
mod fold;
mod lexicon;
mod names;
mod table;
#[cfg(test)]
mod tests;

use std::path::PathBuf;

pub use finder::MentionFinder;
pub use table::{AliasTable, Entry, EntryKind};

/// How a mention matched its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MentionKind {
    /// The entry's name, or the whole name of a target the table does not list.
    Name,
    /// One of the entry's aliases (other names, spellings, abbreviations).
    Alias,
    /// One of the entry's demonyms ("Iranian").
    Demonym,
    /// One of the entry's capitals ("Tehran").
    Capital,
    /// One of the entry's seats of government ("the Kremlin").
    Seat,
    /// The last name alone of a target the table does not list ("Soleimani").
    PartialName,
    /// The whole or last name of a target the table does not list, with a token spelt
    /// differently ("Qassem Soleimani", "Suleimani").
    Variant,
}

/// One mention of a target in a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mention {
    /// Byte offset of its first character.
    pub start: usize,
    /// Byte offset just past its last character.
    pub end: usize,
    /// How it matched.
    pub kind: MentionKind,
}

/// Why an alias file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum AliasError {
    /// The file could not be read.
    #[error("cannot read alias file {}: {source}", file.display())]
    Io {
        /// The file.
        file: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
    /// A line is not a JSON object of the alias schema.
    #[error("{}:{line}: not an alias entry: {source}", file.display())]
    Json {
        /// The file.
        file: PathBuf,
        /// The line (1-based).
        line: usize,
        /// What the JSON reader said.
        source: serde_json::Error,
    },
    /// A name or other form with no letter or digit in it.
    #[error("{}:{line}: empty {field} entry {form:?}", file.display())]
    EmptyForm {
        /// The file.
        file: PathBuf,
        /// The line (1-based).
        line: usize,
        /// The field holding it (`name`, `aliases`…).
        field: &'static str,
        /// The form, cut to 80 characters.
        form: String,
    },
    /// A name or alias that another entry already has.
    #[error(
        "{}:{line}: {form:?} already names {first_name:?} (line {first_line})",
        file.display()
    )]
    DuplicateName {
        /// The file.
        file: PathBuf,
        /// The line (1-based) of the second entry.
        line: usize,
        /// The name or alias, cut to 80 characters.
        form: String,
        /// The line of the entry that has it first.
        first_line: usize,
        /// That entry's name, cut to 80 characters.
        first_name: String,
    },
    /// The file holds no entry.
    #[error("alias file {} holds no entry", file.display())]
    NoEntries {
        /// The file.
        file: PathBuf,
    },
    /// An entry's forms could not be compiled into a matcher.
    #[error("{}:{line}: cannot compile the entry's forms: {source}", file.display())]
    Matcher {
        /// The file.
        file: PathBuf,
        /// The line (1-based).
        line: usize,
        /// What the compiler said.
        source: aho_corasick::BuildError,
    },
}

/// Whether `c` is part of a word: a letter or digit of any script.
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

/// `text` cut to 80 characters, for error messages.
fn bounded(text: &str) -> String {
    match text.char_indices().nth(80) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

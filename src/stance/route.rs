//! Which stance model answers a target when the caller names none: the rule that tells a name
//! (a person, a country, an organisation, a group) from a claim (a sentence), written once so
//! that the server, `GetModelInfo` and the README say the same thing.
//!
//! The rule reads only the target and the alias table, never the document, so a caller can
//! predict the route; naming a stance model overrides it.

use crate::mentions::AliasTable;
use crate::model::ModelSet;

/// The sentence-level stance model that answers named targets: it reads one sentence with the
/// target's mentions located in it (see [`crate::text::Document::mentions`]).
pub const NAMED_TARGET_MODEL: &str = "newsmtsc";

/// Most words a target of names may have (not counting the alias table's names).
pub const MAX_NAME_WORDS: usize = 6;

/// Most words a target typed all in lower case may have and still be read as a name.
pub const MAX_LOWERCASE_NAME_WORDS: usize = 4;

/// The rule, as `GetModelInfo` reports it and the README repeats it.
pub const ROUTING_RULE: &str = "With no stance_model named, a target that is a name goes to \
the sentence-level model newsmtsc (when loaded): the document's sentences that mention the \
target are classified and their probabilities averaged; any other target (a claim) goes to the \
default stance model. A target is a name when the alias table lists it, or else when it has at \
most 6 words, no sentence punctuation (? ! ; : or a final full stop after a word that is no \
abbreviation), no auxiliary, modal, copula, negation or subject pronoun (is, has, will, not, \
they...), and its words are all capitalised (bar particles such as of, the, al, bin) or all in \
lower case (then at most 4 words). Naming a stance model overrides the rule.";

/// What a stance target is, for the routing rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetKind {
    /// Someone or something named: a person, a country, an organisation, a group, a topic.
    Name,
    /// A statement: a headline or a claim with a verb.
    Claim,
}

impl TargetKind {
    /// What `target` is: [`TargetKind::Name`] when `aliases` lists it or its words look like a
    /// name (see [`ROUTING_RULE`]), else [`TargetKind::Claim`].
    pub fn of(target: &str, aliases: &AliasTable) -> Self {
        if aliases.resolve(target).is_some() || looks_like_name(target.trim()) {
            TargetKind::Name
        } else {
            TargetKind::Claim
        }
    }
}

/// The name of the stance model that answers `target` (blank = none) when the caller asked
/// for `requested` (empty = none): `requested` when given; else [`NAMED_TARGET_MODEL`] for a
/// [`TargetKind::Name`] when `models` has it; else `""`, the default stance model.
pub fn stance_model_name<'a>(
    models: &ModelSet,
    requested: &'a str,
    target: Option<&str>,
) -> &'a str {
    if !requested.is_empty() {
        return requested;
    }
    let named = target.is_some_and(|t| TargetKind::of(t, models.aliases()) == TargetKind::Name);
    if named && models.get(NAMED_TARGET_MODEL).is_some() {
        NAMED_TARGET_MODEL
    } else {
        ""
    }
}

/// Whether the stance model called `name` reads a document sentence by sentence, toward a
/// named target whose mentions it is shown.
pub fn is_sentence_level(name: &str) -> bool {
    name == NAMED_TARGET_MODEL
}

/// Words that make a phrase a sentence: auxiliaries, modals, copulas, negation and subject
/// pronouns (closed classes of English, so the list is complete for what it covers).
const SENTENCE_WORDS: &[&str] = &[
    "am",
    "is",
    "are",
    "was",
    "were",
    "be",
    "been",
    "being",
    "isn't",
    "aren't",
    "wasn't",
    "weren't",
    "has",
    "have",
    "had",
    "hasn't",
    "haven't",
    "hadn't",
    "do",
    "does",
    "did",
    "don't",
    "doesn't",
    "didn't",
    "will",
    "would",
    "shall",
    "should",
    "can",
    "could",
    "may",
    "might",
    "must",
    "won't",
    "wouldn't",
    "can't",
    "cannot",
    "couldn't",
    "shouldn't",
    "not",
    "never",
    "i",
    "we",
    "he",
    "she",
    "they",
    "it",
    "you",
    "there",
    "that",
    "this",
];

/// Lower-case words that names hold between capitalised words ("Council on Foreign
/// Relations", "Osama bin Laden", "the Islamic State").
const NAME_PARTICLES: &[&str] = &[
    "of", "the", "and", "for", "on", "in", "at", "to", "de", "del", "della", "der", "den", "di",
    "da", "du", "dos", "das", "la", "le", "van", "von", "bin", "ibn", "bint", "al", "el", "y", "&",
];

/// Whether `target` (trimmed) reads as a name by its words alone.
fn looks_like_name(target: &str) -> bool {
    if target.contains(['?', '!', ';', ':']) {
        return false;
    }
    let words: Vec<&str> = target.split_whitespace().collect();
    let Some(last) = words.last() else {
        return false;
    };
    if words.len() > MAX_NAME_WORDS || (last.ends_with('.') && !is_abbreviation(last)) {
        return false;
    }
    let mut capitalised = 0;
    let mut lowercase = 0;
    for word in &words {
        let bare = word.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'' && c != '’');
        let lower = bare.to_lowercase().replace('’', "'");
        if SENTENCE_WORDS.contains(&lower.as_str()) {
            return false;
        }
        if bare.chars().any(char::is_uppercase) {
            capitalised += 1;
        } else if bare.chars().any(char::is_alphabetic) && !NAME_PARTICLES.contains(&lower.as_str())
        {
            lowercase += 1;
        }
    }
    match (capitalised, lowercase) {
        (_, 0) => true,
        (0, n) => n <= MAX_LOWERCASE_NAME_WORDS,
        _ => false,
    }
}

/// Whether `word` (ending in a full stop) is an abbreviation: dotted inside ("U.S.") or of at
/// most four letters ("Jr.", "Inc.", "Corp.").
fn is_abbreviation(word: &str) -> bool {
    let stem = word.trim_end_matches('.');
    stem.contains('.') || stem.chars().filter(|c| c.is_alphabetic()).count() <= 4
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(target: &str) -> TargetKind {
        TargetKind::of(target, &AliasTable::empty())
    }

    #[test]
    fn names_of_people_organisations_and_topics_are_names() {
        for name in [
            "Qasem Soleimani",
            "soleimani",
            "Islamic Revolutionary Guard Corps",
            "Osama bin Laden",
            "Council on Foreign Relations",
            "al-Qaeda",
            "Hillary Clinton",
            "Martin Luther King Jr.",
            "U.S.",
            "Legalization of Abortion",
            "climate change",
            "Apollo 11",
        ] {
            assert_eq!(kind(name), TargetKind::Name, "{name}");
        }
    }

    #[test]
    fn sentences_and_headlines_are_claims() {
        for claim in [
            "The killing of Soleimani was a crime",
            "Climate Change is a Real Concern",
            "Apple Watch Will Be Available In April",
            "Robert Plant Ripped up $800M Led Zeppelin Reunion Contract",
            "Trump wins the election",
            "Iran vows revenge for the killing of Soleimani",
            "Did Iran attack?",
            "They lied",
            "soldiers were killed in the strike",
            "Soleimani dead.",
        ] {
            assert_eq!(kind(claim), TargetKind::Claim, "{claim}");
        }
    }

    #[test]
    fn the_alias_table_makes_a_name_of_what_it_lists() {
        let table = AliasTable::from_reader(
            r#"{"name": "United States", "kind": "country", "aliases": ["the US and A is here"]}"#
                .as_bytes(),
            std::path::Path::new("test.jsonl"),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            TargetKind::of("the US and A is here", &table),
            TargetKind::Name
        );
        assert_eq!(kind("the US and A is here"), TargetKind::Claim);
    }
}

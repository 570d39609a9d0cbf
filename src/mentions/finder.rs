//! Finding a target's mentions in a text: the target's entry's forms (compiled at load into
//! one Aho-Corasick automaton per entry) or, for a target the table does not list, its name
//! tokens ([`super::names`]); every candidate checked for word boundaries and case, then the
//! longest non-overlapping ones kept and mapped back to the text's byte offsets.

use std::cmp::Reverse;

use aho_corasick::{AhoCorasick, AhoCorasickKind, BuildError, MatchKind};

use super::fold::{fold, Folded};
use super::names::NameQuery;
use super::table::{AliasTable, Entry};
use super::{is_word_char, Mention, MentionKind};

/// How a form's case must be matched in the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CaseRule {
    /// Written in capitals ("US", "IRGC"): only in the same capitals.
    Exact,
    /// Written with a capital first letter ("Iran"): any case, that letter a capital.
    Capitalised,
    /// Written with a lower-case first letter ("al-Qaeda"): any case.
    Any,
}

impl CaseRule {
    /// The rule of a (folded) form, from the way it is written.
    pub(crate) fn of(form: &str) -> Self {
        let mut letters = form.chars().filter(|c| c.is_alphabetic());
        let Some(first) = letters.next() else {
            return Self::Any;
        };
        let rest_upper = letters.clone().all(char::is_uppercase);
        if first.is_uppercase() && rest_upper && letters.next().is_some() {
            Self::Exact
        } else if first.is_uppercase() {
            Self::Capitalised
        } else {
            Self::Any
        }
    }

    /// Whether `found` (the text's folded bytes where `form` matched, ASCII case aside) obeys
    /// the rule.
    pub(crate) fn accepts(self, form: &str, found: &str) -> bool {
        match self {
            Self::Exact => form == found,
            Self::Capitalised => {
                let first = form.char_indices().find(|(_, c)| c.is_alphabetic());
                first.is_some_and(|(at, _)| found[at..].starts_with(char::is_uppercase))
            }
            Self::Any => true,
        }
    }
}

/// One pattern of an entry's automaton.
#[derive(Debug, Clone)]
struct Pattern {
    /// The folded form.
    text: String,
    /// How it matched, or `None` for a phrase that blocks the forms inside it.
    kind: Option<MentionKind>,
    case: CaseRule,
}

/// An entry's forms compiled for searching.
#[derive(Debug, Clone)]
pub(crate) struct EntryMatcher {
    automaton: AhoCorasick,
    patterns: Vec<Pattern>,
}

impl EntryMatcher {
    /// Compiles `entry`'s forms, their dotted or undotted abbreviations, its excluded phrases
    /// and `blockers` (other entries' forms that contain one of its forms).
    pub(crate) fn new(entry: &Entry, blockers: &[String]) -> Result<Self, BuildError> {
        let mut patterns: Vec<Pattern> = Vec::new();
        let mut add = |form: &str, kind: Option<MentionKind>| {
            let text = fold(form).trim().to_string();
            let case = CaseRule::of(&text);
            if !patterns.iter().any(|p| p.text == text && p.case == case) {
                patterns.push(Pattern { text, kind, case });
            }
        };
        for (form, kind) in entry.forms() {
            add(form, Some(kind));
            if let Some(other) = other_abbreviation(form) {
                add(&other, Some(kind));
            }
        }
        for form in entry.exclude.iter().chain(blockers) {
            add(form, None);
        }
        let automaton = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            // A contiguous NFA: about a sixth of the memory DFAs take for the shipped table,
            // for a search a little slower and still far within budget (benches/mentions.rs).
            .kind(Some(AhoCorasickKind::ContiguousNFA))
            .build(patterns.iter().map(|p| &p.text))?;
        Ok(Self {
            automaton,
            patterns,
        })
    }

    /// Every match in `hay` (folded) at word boundaries obeying its case rule.
    fn candidates(&self, hay: &str, out: &mut Vec<Candidate>) {
        for found in self.automaton.find_overlapping_iter(hay) {
            let pattern = &self.patterns[found.pattern().as_usize()];
            let (start, end) = (found.start(), found.end());
            if at_word_boundaries(hay, start, end)
                && pattern.case.accepts(&pattern.text, &hay[start..end])
            {
                out.push(Candidate {
                    start,
                    end,
                    kind: pattern.kind,
                });
            }
        }
    }
}

/// The other spelling of an abbreviation in capitals: "US" ↔ "U.S.", "UAE" ↔ "U.A.E.".
fn other_abbreviation(form: &str) -> Option<String> {
    let bytes = form.as_bytes();
    let letters = 2..=5;
    if bytes.iter().all(u8::is_ascii_uppercase) && letters.contains(&bytes.len()) {
        return Some(bytes.iter().flat_map(|&b| [b as char, '.']).collect());
    }
    let dotted = bytes.len() % 2 == 0
        && bytes
            .chunks(2)
            .all(|p| p[0].is_ascii_uppercase() && p[1] == b'.');
    (dotted && letters.contains(&(bytes.len() / 2))).then(|| form.replace('.', ""))
}

/// Whether `hay[start..end]` neither starts nor ends inside a word.
pub(crate) fn at_word_boundaries(hay: &str, start: usize, end: usize) -> bool {
    let before = hay.get(..start).and_then(|s| s.chars().next_back());
    let after = hay.get(end..).and_then(|s| s.chars().next());
    !before.is_some_and(is_word_char) && !after.is_some_and(is_word_char)
}

/// A match in the folded text before the longest ones are chosen.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Candidate {
    pub(crate) start: usize,
    pub(crate) end: usize,
    /// `None` for a blocking phrase.
    pub(crate) kind: Option<MentionKind>,
}

/// What a target compiles to.
#[derive(Debug, Clone)]
enum Plan {
    /// The table's entry at this index.
    Entry(usize),
    /// A name the table does not list.
    Name(NameQuery),
    /// A target with no word in it: nothing can mention it.
    Nothing,
}

/// Finds one target's mentions; built once per request, used on any number of texts.
#[derive(Debug, Clone)]
pub struct MentionFinder<'t> {
    table: &'t AliasTable,
    plan: Plan,
}

impl<'t> MentionFinder<'t> {
    /// Compiles `target`: the table's entry it names, or else its own name tokens.
    pub fn new(target: &str, table: &'t AliasTable) -> Self {
        let plan = match table.resolve_index(target) {
            Some(index) => Plan::Entry(index),
            None => NameQuery::new(target).map_or(Plan::Nothing, Plan::Name),
        };
        Self { table, plan }
    }

    /// The table entry the target resolved to, if it is in the table.
    pub fn entry(&self) -> Option<&'t Entry> {
        match self.plan {
            Plan::Entry(index) => self.table.entries().get(index),
            _ => None,
        }
    }

    /// The target's mentions in `text`: byte offsets on character boundaries, sorted,
    /// non-overlapping; where two overlap, the one starting first wins, and of two starting
    /// together the longer.
    pub fn find(&self, text: &str) -> Vec<Mention> {
        let folded = Folded::new(text);
        let hay = folded.text();
        let mut candidates = Vec::new();
        match &self.plan {
            Plan::Entry(index) => self.table.matcher(*index).candidates(hay, &mut candidates),
            Plan::Name(query) => query.candidates(hay, self.table, &mut candidates),
            Plan::Nothing => return Vec::new(),
        }
        candidates.sort_unstable_by_key(|c| (c.start, Reverse(c.end), c.kind.is_none()));
        let mut mentions = Vec::new();
        let mut covered = 0;
        for candidate in candidates {
            if candidate.start < covered {
                continue;
            }
            covered = candidate.end;
            let Some(kind) = candidate.kind else {
                continue; // a blocking phrase: the forms inside it are not mentions
            };
            let (start, end) = (
                folded.original(candidate.start),
                folded.original(candidate.end),
            );
            if start < end && text.is_char_boundary(start) && text.is_char_boundary(end) {
                mentions.push(Mention { start, end, kind });
            }
        }
        mentions
    }
}

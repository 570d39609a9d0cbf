//! The alias table: one entry per country, territory, organisation, group or person, read
//! from a JSON-lines file (`models/aliases.jsonl`), validated, indexed by every name and alias
//! for resolving a target, and compiled into one matcher per entry at load time so that a
//! request only looks its target up.

use std::collections::{HashMap, HashSet};
use std::io::BufRead;
use std::path::Path;

use serde::Deserialize;

use super::finder::EntryMatcher;
use super::fold::fold;
use super::{is_word_char, AliasError};

/// What an entry names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EntryKind {
    /// A sovereign state.
    Country,
    /// A dependent territory, or a state with limited recognition.
    Territory,
    /// An international organisation, a government body or an agency.
    #[serde(alias = "organization")]
    Organisation,
    /// A non-state armed, political or militant group.
    Group,
    /// A person.
    Person,
}

/// One entry of the table, as its line in the file gives it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// The entry's name; a target resolves to it, and it is a mention.
    pub name: String,
    /// What the entry names.
    pub kind: EntryKind,
    /// Other names, spellings and abbreviations; a target resolves through them too.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Words for its people or things ("Iranian", "Iranians").
    #[serde(default)]
    pub demonyms: Vec<String>,
    /// Capital cities, named for the government as news does ("Tehran said").
    #[serde(default)]
    pub capitals: Vec<String>,
    /// Seats of government named for it ("the Kremlin", "the White House").
    #[serde(default)]
    pub seats: Vec<String>,
    /// Longer phrases that contain one of its forms and do not mention it ("New Mexico" for
    /// Mexico); found and dropped, so the shorter form inside does not match.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Where the entry comes from (e.g. `world-countries@5.1.0`, `overrides`).
    #[serde(default)]
    pub source: Option<String>,
    /// The line of the file the entry was read from (1-based).
    #[serde(skip)]
    pub line: usize,
}

impl Entry {
    /// The entry's forms that are mentions, with the way each matches.
    pub(crate) fn forms(&self) -> impl Iterator<Item = (&str, super::MentionKind)> {
        use super::MentionKind as K;
        let fields: [(&[String], K); 4] = [
            (&self.aliases, K::Alias),
            (&self.demonyms, K::Demonym),
            (&self.capitals, K::Capital),
            (&self.seats, K::Seat),
        ];
        std::iter::once((self.name.as_str(), K::Name)).chain(
            fields
                .into_iter()
                .flat_map(|(forms, kind)| forms.iter().map(move |f| (f.as_str(), kind))),
        )
    }
}

/// Every entry of an alias file, indexed and compiled.
#[derive(Debug, Clone)]
pub struct AliasTable {
    entries: Vec<Entry>,
    matchers: Vec<EntryMatcher>,
    /// [`key`] of every name and alias → the entry's index.
    keys: HashMap<String, usize>,
    /// Every word (folded, lower-cased) of every form: never a variant spelling of another
    /// name.
    words: HashSet<String>,
}

impl AliasTable {
    /// A table with no entry: every target is matched by its own words.
    pub fn empty() -> Self {
        Self {
            entries: Vec::new(),
            matchers: Vec::new(),
            keys: HashMap::new(),
            words: HashSet::new(),
        }
    }

    /// Reads and validates the alias file at `path`.
    pub fn load(path: &Path) -> Result<Self, AliasError> {
        let file = std::fs::File::open(path).map_err(|source| AliasError::Io {
            file: path.to_path_buf(),
            source,
        })?;
        Self::from_reader(std::io::BufReader::new(file), path)
    }

    /// Reads and validates alias lines from `reader`; `origin` names it in errors.
    ///
    /// One JSON object a line; blank lines and lines whose first non-blank character is `#`
    /// are skipped.
    pub fn from_reader(reader: impl BufRead, origin: &Path) -> Result<Self, AliasError> {
        let file = || origin.to_path_buf();
        let mut entries = Vec::new();
        for (index, line) in reader.lines().enumerate() {
            let line_no = index + 1;
            let text = line.map_err(|source| AliasError::Io {
                file: file(),
                source,
            })?;
            let text = text.trim();
            if text.is_empty() || text.starts_with('#') {
                continue;
            }
            let mut entry: Entry =
                serde_json::from_str(text).map_err(|source| AliasError::Json {
                    file: file(),
                    line: line_no,
                    source,
                })?;
            entry.line = line_no;
            validate(&entry, origin)?;
            entries.push(entry);
        }
        if entries.is_empty() {
            return Err(AliasError::NoEntries { file: file() });
        }
        let keys = index_keys(&entries, origin)?;
        let blockers = blockers(&entries);
        let matchers = entries
            .iter()
            .zip(&blockers)
            .map(|(entry, blockers)| {
                EntryMatcher::new(entry, blockers).map_err(|source| AliasError::Matcher {
                    file: file(),
                    line: entry.line,
                    source,
                })
            })
            .collect::<Result<_, _>>()?;
        let words = entries
            .iter()
            .flat_map(|e| {
                e.forms()
                    .map(|(form, _)| form)
                    .chain(e.exclude.iter().map(String::as_str))
            })
            .flat_map(lower_words)
            .collect();
        Ok(Self {
            entries,
            matchers,
            keys,
            words,
        })
    }

    /// The entry `target` names: its name or one of its aliases, compared case-insensitively
    /// with diacritics folded, dots dropped, spaces collapsed and a leading "the" ignored
    /// ("US", "U.S.", "the united states" and "America" all name the United States).
    pub fn resolve(&self, target: &str) -> Option<&Entry> {
        self.resolve_index(target).map(|i| &self.entries[i])
    }

    pub(crate) fn resolve_index(&self, target: &str) -> Option<usize> {
        self.keys.get(&key(target)).copied()
    }

    /// The entries, in file order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// How many entries the table holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the table holds no entry (never true of a loaded table, only of
    /// [`AliasTable::empty`]).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub(crate) fn matcher(&self, index: usize) -> &EntryMatcher {
        &self.matchers[index]
    }

    /// Whether `lower` (folded, lower-cased) is a word of some form of the table.
    pub(crate) fn has_word(&self, lower: &str) -> bool {
        self.words.contains(lower)
    }
}

/// Checks one entry: a name, and no form without a letter or digit.
fn validate(entry: &Entry, origin: &Path) -> Result<(), AliasError> {
    let fields: [(&str, &[String]); 5] = [
        ("aliases", &entry.aliases),
        ("demonyms", &entry.demonyms),
        ("capitals", &entry.capitals),
        ("seats", &entry.seats),
        ("exclude", &entry.exclude),
    ];
    let name = std::slice::from_ref(&entry.name);
    for (field, forms) in std::iter::once(("name", name)).chain(fields) {
        if let Some(bad) = forms.iter().find(|f| !fold(f).chars().any(is_word_char)) {
            return Err(AliasError::EmptyForm {
                file: origin.to_path_buf(),
                line: entry.line,
                field,
                form: super::bounded(bad),
            });
        }
    }
    Ok(())
}

/// The lookup key of a name or target: folded, lower-cased, dots dropped, whitespace
/// collapsed, a leading "the" dropped.
pub(crate) fn key(text: &str) -> String {
    let folded = fold(text).to_lowercase().replace('.', "");
    let mut words: Vec<&str> = folded.split_whitespace().collect();
    if words.len() > 1 && words[0] == "the" {
        words.remove(0);
    }
    words.join(" ")
}

/// Maps the key of every name and alias to its entry; a key two entries share is an error.
fn index_keys(entries: &[Entry], origin: &Path) -> Result<HashMap<String, usize>, AliasError> {
    let mut keys: HashMap<String, usize> = HashMap::new();
    for (index, entry) in entries.iter().enumerate() {
        let names = std::iter::once(&entry.name).chain(&entry.aliases);
        for form in names {
            let first = *keys.entry(key(form)).or_insert(index);
            if first != index {
                return Err(AliasError::DuplicateName {
                    file: origin.to_path_buf(),
                    line: entry.line,
                    form: super::bounded(form),
                    first_line: entries[first].line,
                    first_name: super::bounded(&entries[first].name),
                });
            }
        }
    }
    Ok(keys)
}

/// For each entry, the forms of other entries of the same family (places, bodies or people)
/// that contain one of its forms as whole words ("South Sudan" for Sudan, "American Samoa"
/// for the United States' "American", "Kata'ib Hezbollah" for Hezbollah): matched and
/// dropped, so that the longer name wins. A body named for a place ("US State Department")
/// belongs to it, so its name still mentions the place.
fn blockers(entries: &[Entry]) -> Vec<Vec<String>> {
    let all: Vec<(usize, &str, String)> = entries
        .iter()
        .enumerate()
        .flat_map(|(i, e)| e.forms().map(move |(form, _)| (i, form)))
        .map(|(i, form)| (i, form, fold(form).to_lowercase()))
        .collect();
    let mut by_word: HashMap<&str, Vec<usize>> = HashMap::new();
    for (at, (_, _, lower)) in all.iter().enumerate() {
        for word in lower
            .split(|c: char| !is_word_char(c))
            .filter(|w| !w.is_empty())
        {
            by_word.entry(word).or_default().push(at);
        }
    }
    let mut own: Vec<HashSet<&str>> = vec![HashSet::new(); entries.len()];
    for (owner, _, lower) in &all {
        own[*owner].insert(lower);
    }
    let mut out = vec![Vec::new(); entries.len()];
    for (owner, _, lower) in &all {
        let Some(longest) = lower
            .split(|c: char| !is_word_char(c))
            .max_by_key(|w| w.len())
        else {
            continue;
        };
        for &at in by_word.get(longest).into_iter().flatten() {
            let (other, form, other_lower) = &all[at];
            let list: &mut Vec<String> = &mut out[*owner];
            if other != owner
                && family(entries[*other].kind) == family(entries[*owner].kind)
                && !own[*owner].contains(other_lower.as_str())
                && contains_words(other_lower, lower)
                && !list.iter().any(|f| f == form)
            {
                list.push((*form).to_string());
            }
        }
    }
    out
}

/// Places, bodies and people: the families within which a longer name blocks a shorter.
fn family(kind: EntryKind) -> u8 {
    match kind {
        EntryKind::Country | EntryKind::Territory => 0,
        EntryKind::Organisation | EntryKind::Group => 1,
        EntryKind::Person => 2,
    }
}

/// Whether `haystack` contains `needle` starting and ending at word boundaries.
fn contains_words(haystack: &str, needle: &str) -> bool {
    haystack.match_indices(needle).any(|(at, _)| {
        let before = haystack[..at].chars().next_back();
        let after = haystack[at + needle.len()..].chars().next();
        !before.is_some_and(is_word_char) && !after.is_some_and(is_word_char)
    })
}

/// The words of `form`, folded and lower-cased.
fn lower_words(form: &str) -> Vec<String> {
    fold(form)
        .to_lowercase()
        .split(|c: char| !is_word_char(c))
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

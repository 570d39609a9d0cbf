//! Mentions of a target the alias table does not list (a person, an organisation it lacks):
//! its name tokens in sequence, each exact or a variant spelling, and for a person-like name
//! its last name alone where the text capitalises it.

use super::finder::{at_word_boundaries, Candidate, CaseRule};
use super::fold::fold;
use super::lexicon::{HONORIFICS, ORGANISATION_WORDS, PARTICLES, SUFFIXES};
use super::table::AliasTable;
use super::{is_word_char, MentionKind};

/// One token of a target's name.
#[derive(Debug, Clone)]
struct NameToken {
    /// Folded, as the target writes it.
    text: String,
    case: CaseRule,
    /// Whether variant spellings of it match.
    variants: bool,
}

/// A target's name tokens, compiled for [`NameQuery::candidates`].
#[derive(Debug, Clone)]
pub(crate) struct NameQuery {
    tokens: Vec<NameToken>,
    /// Whether the last token alone is a mention.
    partial: bool,
}

impl NameQuery {
    /// The tokens of `target` without leading titles or trailing suffixes; `None` when no
    /// token is left.
    pub(crate) fn new(target: &str) -> Option<Self> {
        let folded = fold(target);
        let mut words: Vec<&str> = words(&folded).map(|(s, e)| &folded[s..e]).collect();
        while words.len() > 1 && is_in(HONORIFICS, words[0]) {
            words.remove(0);
        }
        while words.len() > 1 && words.last().is_some_and(|w| is_in(SUFFIXES, w)) {
            words.pop();
        }
        let last = words.last()?;
        let lower_target = !folded.chars().any(char::is_uppercase);
        let person = words.len() >= 2
            && last.chars().count() >= 3
            && !words.iter().any(|w| is_in(ORGANISATION_WORDS, w));
        let tokens = words
            .iter()
            .map(|&word| NameToken {
                text: word.to_string(),
                case: match (lower_target, is_in(PARTICLES, word)) {
                    (_, true) => CaseRule::Any,
                    (true, false) => CaseRule::Capitalised,
                    (false, false) => CaseRule::of(word),
                },
                variants: (person || words.len() == 1)
                    && word.len() >= 5
                    && word.bytes().all(|b| b.is_ascii_alphabetic()),
            })
            .collect();
        Some(Self {
            tokens,
            partial: person,
        })
    }

    /// Every full-name and partial-name match in `hay` (folded).
    pub(crate) fn candidates(&self, hay: &str, table: &AliasTable, out: &mut Vec<Candidate>) {
        let n = self.tokens.len();
        let mut previous: Option<(usize, usize)> = None;
        for (start, end) in words(hay) {
            let word = &hay[start..end];
            if !(self.may_match(0, word) || self.partial && self.may_match(n - 1, word)) {
                previous = Some((start, end));
                continue;
            }
            if let Some(variant) = self.matches(0, word, table) {
                if let Some((last_end, any_variant)) = self.rest_of_name(hay, end, table) {
                    out.push(Candidate {
                        start,
                        end: last_end,
                        kind: Some(kind(variant || any_variant, MentionKind::Name)),
                    });
                }
            }
            if self.partial {
                let last = self.matches(n - 1, word, table);
                if let Some(variant) = last.filter(|_| self.last_name_alone(hay, start, previous)) {
                    out.push(Candidate {
                        start,
                        end,
                        kind: Some(kind(variant, MentionKind::PartialName)),
                    });
                }
            }
            previous = Some((start, end));
        }
    }

    /// Tokens 1.. of the name right after `from` (separated by spaces or hyphens only): the
    /// end of the last one and whether any was a variant spelling.
    fn rest_of_name(
        &self,
        hay: &str,
        mut from: usize,
        table: &AliasTable,
    ) -> Option<(usize, bool)> {
        let mut any_variant = false;
        for index in 1..self.tokens.len() {
            let gap = hay[from..].find(|c: char| !(c.is_whitespace() || c == '-'))?;
            let start = from + gap;
            if gap == 0 {
                return None;
            }
            let end = start
                + hay[start..]
                    .find(|c: char| !is_word_char(c))
                    .unwrap_or(hay.len() - start);
            any_variant |= self.matches(index, &hay[start..end], table)?;
            from = end;
        }
        Some((from, any_variant))
    }

    /// A quick filter before [`Self::matches`]: the same first byte (ASCII case aside) and a
    /// length a match or variant can have.
    fn may_match(&self, index: usize, word: &str) -> bool {
        let token = self.tokens[index].text.as_bytes();
        let slack = usize::from(self.tokens[index].variants);
        let (w, t) = (word.as_bytes(), token);
        w.len() + slack >= t.len() && w.len() <= t.len() + slack && w[0].eq_ignore_ascii_case(&t[0])
    }

    /// Whether `word` is token `index`: `Some(false)` exactly, `Some(true)` as a variant
    /// spelling, `None` not at all.
    fn matches(&self, index: usize, word: &str, table: &AliasTable) -> Option<bool> {
        let token = &self.tokens[index];
        let exact = word.eq_ignore_ascii_case(&token.text);
        let variant = !exact
            && token.variants
            && one_variant_edit(token.text.as_bytes(), word.as_bytes())
            && !table.has_word(&word.to_ascii_lowercase());
        let cased = match token.case {
            CaseRule::Exact if exact => word == token.text,
            CaseRule::Any => true,
            _ => word.starts_with(char::is_uppercase),
        };
        (cased && (exact || variant)).then_some(variant)
    }

    /// Whether a last name at `start` can stand for the whole name: unless the word before it
    /// is a capitalised word in the middle of a sentence that is not a title, an initial, an
    /// acronym or a possible spelling of the first name ("Bill Clinton" is no mention of
    /// "Hillary Clinton"; "President Clinton", "H. Clinton" and "Mrs Clinton" are).
    fn last_name_alone(&self, hay: &str, start: usize, previous: Option<(usize, usize)>) -> bool {
        let Some((p_start, p_end)) = previous else {
            return true;
        };
        let gap = &hay[p_end..start];
        let word = &hay[p_start..p_end];
        if gap.is_empty() || gap.contains(|c: char| c != ' ' && c != '\t') {
            return true;
        }
        let first = self.tokens[0].text.chars().next();
        let mut chars = word.chars();
        let initial = chars.next();
        !initial.is_some_and(char::is_uppercase)
            || chars.next().is_none()
            || word.chars().all(|c| !c.is_lowercase())
            || is_in(HONORIFICS, word)
            || initial.map(|c| c.to_ascii_lowercase()) == first.map(|c| c.to_ascii_lowercase())
            || starts_sentence(hay, p_start)
    }
}

/// The kind of a match, or [`MentionKind::Variant`] when a token was spelt differently.
fn kind(variant: bool, otherwise: MentionKind) -> MentionKind {
    if variant {
        MentionKind::Variant
    } else {
        otherwise
    }
}

/// Whether the word at `at` opens a sentence: only opening quotes or brackets and spaces
/// stand between it and the start of the text, a line break or `.` `!` `?` `:`.
fn starts_sentence(hay: &str, at: usize) -> bool {
    let before = hay[..at].trim_end_matches(|c: char| c.is_whitespace() && c != '\n');
    let before = before.trim_end_matches(['"', '\'', '(', '[']);
    before.is_empty() || before.ends_with(['.', '!', '?', ':', '\n'])
}

/// Whether `b` differs from `a` (both ASCII) by one edit of the kind transliterations make,
/// with the same first letter: a vowel for another vowel ("Suleimani"/"Soleimani"), a
/// doubled letter ("Qassem"/"Qasem"), or a vowel or `h` added or dropped inside the word
/// ("Mohamad"/"Mohammad" is a doubling; "Browne" is no variant of "Brown").
pub(crate) fn one_variant_edit(a: &[u8], b: &[u8]) -> bool {
    let vowel = |c: u8| b"aeiouy".contains(&c);
    let at = |x: &[u8], i: usize| x.get(i).map(u8::to_ascii_lowercase);
    if !b.is_ascii() || at(a, 0) != at(b, 0) {
        return false;
    }
    let same = |x: &[u8], y: &[u8]| x.eq_ignore_ascii_case(y);
    if a.len() == b.len() {
        let Some(i) = (0..a.len()).find(|&i| at(a, i) != at(b, i)) else {
            return false;
        };
        let (x, y) = (a[i].to_ascii_lowercase(), b[i].to_ascii_lowercase());
        return vowel(x) && vowel(y) && same(&a[i + 1..], &b[i + 1..]);
    }
    let (long, short) = if a.len() > b.len() { (a, b) } else { (b, a) };
    if long.len() != short.len() + 1 {
        return false;
    }
    let i = (0..short.len())
        .find(|&i| at(long, i) != at(short, i))
        .unwrap_or(short.len());
    let removed = long[i].to_ascii_lowercase();
    let doubled = at(long, i + 1) == Some(removed)
        || i.checked_sub(1).and_then(|j| at(long, j)) == Some(removed);
    let inner = i + 1 < long.len();
    same(&long[i + 1..], &short[i..]) && (doubled || (inner && (vowel(removed) || removed == b'h')))
}

/// Whether `word` is in `list` (lower case), ignoring ASCII case.
fn is_in(list: &[&str], word: &str) -> bool {
    list.iter().any(|w| w.eq_ignore_ascii_case(word))
}

/// The words of `text`: maximal runs of letters and digits, as byte ranges.
fn words(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let bytes = text.as_bytes();
    let mut at = 0;
    std::iter::from_fn(move || {
        let start =
            at + word_char_len(text, at).map_or_else(|| skip_to_word(text, at), |_| Some(0))?;
        let mut end = start;
        while let Some(len) = word_char_len(text, end) {
            end += len;
        }
        at = end;
        debug_assert!(start < end && end <= bytes.len());
        debug_assert!(at_word_boundaries(text, start, end));
        Some((start, end))
    })
}

/// How far from `at` the next word character is (`None` at the end of the text).
fn skip_to_word(text: &str, at: usize) -> Option<usize> {
    let mut offset = 0;
    loop {
        let c = text[at + offset..].chars().next()?;
        if is_word_char(c) {
            return Some(offset);
        }
        offset += c.len_utf8();
    }
}

/// The byte length of the character at `at` when it is a word character.
#[inline]
fn word_char_len(text: &str, at: usize) -> Option<usize> {
    let &b = text.as_bytes().get(at)?;
    if b.is_ascii() {
        return b.is_ascii_alphanumeric().then_some(1);
    }
    let c = text[at..].chars().next()?;
    is_word_char(c).then(|| c.len_utf8())
}

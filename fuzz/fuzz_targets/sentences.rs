//! Sentence splitter: any UTF-8 text gives non-empty, trimmed, ordered, non-overlapping spans
//! on char boundaries that cover every non-whitespace character.
#![no_main]

#[allow(dead_code)]
#[path = "../../tests/fuzz_regressions/invariants.rs"]
mod invariants;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    invariants::check_sentences(text);
});

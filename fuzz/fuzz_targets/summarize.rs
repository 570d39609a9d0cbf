//! Summarizer: any title, text and options give whole sentences of the text, in order, or an
//! error for blank text; never a panic.
#![no_main]

#[allow(dead_code)]
#[path = "../../tests/fuzz_regressions/invariants.rs"]
mod invariants;

use arbitrary::Arbitrary;
use docclass::summarize::SummarizeOptions;
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Input<'a> {
    max_sentences: Option<u16>,
    ratio: Option<f32>,
    title: &'a str,
    text: &'a str,
}

fuzz_target!(|input: Input| {
    let options = SummarizeOptions {
        max_sentences: input.max_sentences.map(usize::from),
        ratio: input.ratio,
    };
    invariants::check_summary(invariants::summarizer(), input.title, input.text, &options);
});

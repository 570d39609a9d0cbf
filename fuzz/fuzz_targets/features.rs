//! Tokenizer and feature extractor: any title, body and target give a sorted, in-range,
//! finite, L2-normalised sparse vector, independent of scratch-buffer reuse.
#![no_main]

#[allow(dead_code)]
#[path = "../../tests/fuzz_regressions/invariants.rs"]
mod invariants;

use arbitrary::Arbitrary;
use docclass::features::Scratch;
use docclass::text::Document;
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Input<'a> {
    title: &'a str,
    target: Option<&'a str>,
    text: &'a str,
}

fuzz_target!(|input: Input| {
    let doc = Document {
        title: input.title,
        text: input.text,
        target: input.target,
        mentions: &[],
    };
    // One scratch buffer for both extractors, as a server thread reuses it across models.
    let mut scratch = Scratch::default();
    for extractor in invariants::extractors() {
        invariants::check_features(extractor, &doc, &mut scratch);
    }
});

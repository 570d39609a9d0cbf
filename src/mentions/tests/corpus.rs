//! Invariants of every mention over the BBC corpus.

use super::super::fold::fold;
use super::*;

#[test]
fn mentions_in_the_bbc_corpus_are_sorted_disjoint_and_fold_to_a_form() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/bbc/train.jsonl");
    let Ok(corpus) = std::fs::read_to_string(&path) else {
        return; // the shared data is not beside this checkout
    };
    let table = shipped();
    let targets = [
        "United States",
        "United Kingdom",
        "Iran",
        "China",
        "European Union",
        "United Nations",
        "Tony Blair",
        "Gordon Brown",
        "Microsoft",
        "Russia",
        "Iraq",
    ];
    let finders: Vec<_> = targets
        .iter()
        .map(|t| (t, MentionFinder::new(t, table)))
        .collect();
    let mut total = 0;
    for line in corpus.lines() {
        let text: String = serde_json::from_str::<serde_json::Value>(line)
            .ok()
            .and_then(|v| v["text"].as_str().map(str::to_string))
            .unwrap_or_default();
        for (target, finder) in &finders {
            let forms: Vec<String> = match finder.entry() {
                Some(e) => e.forms().map(|(f, _)| fold(f).to_lowercase()).collect(),
                None => target.split(' ').map(str::to_lowercase).collect(),
            };
            let mut end = 0;
            for m in finder.find(&text) {
                assert!(
                    m.start >= end && m.start < m.end,
                    "{target}: {m:?} after {end}"
                );
                end = m.end;
                let span = text.get(m.start..m.end).expect("char boundaries");
                let key = fold(span).replace('\u{AD}', "").to_lowercase();
                let known = forms
                    .iter()
                    .any(|f| *f == key || f.replace('.', "") == key.replace('.', ""))
                    || m.kind == MentionKind::Variant
                    || (finder.entry().is_none()
                        && key.split(' ').all(|w| forms.contains(&w.to_string())));
                assert!(known, "{target}: {span:?} is not a form");
                total += 1;
            }
        }
    }
    assert!(
        total > 1000,
        "only {total} mentions: the finder found too little"
    );
}

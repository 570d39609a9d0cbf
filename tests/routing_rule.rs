//! The name-or-claim routing rule on real targets it was not written from: the FNC-1 test
//! headlines are claims, the mentions NewsMTSC annotates (people, organisations, countries)
//! are names, and so are SemEval's four named targets, while its one sentence is a claim.

mod common;

use std::collections::BTreeSet;
use std::io::{BufRead, Read};

use common::{models_dir, shared_dir};
use docclass::mentions::AliasTable;
use docclass::stance::route::TargetKind;

fn targets(file: &str) -> BTreeSet<String> {
    let path = shared_dir().join("data").join(file);
    let mut bytes = Vec::new();
    std::fs::File::open(&path)
        .and_then(|mut f| f.read_to_end(&mut bytes))
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let text = if file.ends_with(".gz") {
        let mut out = String::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_string(&mut out)
            .expect("gzip");
        out
    } else {
        String::from_utf8(bytes).expect("utf-8")
    };
    text.as_bytes()
        .lines()
        .map(|line| {
            let row: serde_json::Value = serde_json::from_str(&line.expect("line")).expect("json");
            row["target"].as_str().expect("target").to_string()
        })
        .collect()
}

fn share_of(targets: &BTreeSet<String>, kind: TargetKind, table: &AliasTable) -> f64 {
    let hits = targets
        .iter()
        .filter(|t| TargetKind::of(t, table) == kind)
        .count();
    hits as f64 / targets.len() as f64
}

#[test]
fn real_headlines_are_claims_and_real_mentions_are_names() {
    let table = AliasTable::load(&models_dir().join("aliases.jsonl")).expect("aliases");
    let headlines = targets("fnc1/test.jsonl.gz");
    let claims = share_of(&headlines, TargetKind::Claim, &table);
    println!(
        "claims: {claims:.4} of {} FNC-1 test headlines",
        headlines.len()
    );
    assert!(
        claims >= 0.95,
        "{claims:.3} of {} FNC-1 headlines",
        headlines.len()
    );

    // NewsMTSC's mentions as written, less pronouns and other lower-case references ("she",
    // "the president"), which name no one.
    let mentions: BTreeSet<String> = targets("newsmtsc/test_rw.jsonl")
        .into_iter()
        .filter(|t| t.chars().next().is_some_and(char::is_uppercase))
        .filter(|t| !["He", "She", "They", "It", "We", "I", "His", "Her"].contains(&t.as_str()))
        .collect();
    let names = share_of(&mentions, TargetKind::Name, &table);
    println!(
        "names: {names:.4} of {} NewsMTSC test_rw mentions",
        mentions.len()
    );
    assert!(
        names >= 0.9,
        "{names:.3} of {} NewsMTSC mentions",
        mentions.len()
    );

    for name in [
        "Atheism",
        "Feminist Movement",
        "Hillary Clinton",
        "Legalization of Abortion",
    ] {
        assert_eq!(TargetKind::of(name, &table), TargetKind::Name, "{name}");
    }
    let sentence = "Climate Change is a Real Concern";
    assert_eq!(TargetKind::of(sentence, &table), TargetKind::Claim);
}

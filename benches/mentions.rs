//! Mention finding on a 3 KB article: `MentionFinder::new` and `find` for a tabled country,
//! a tabled organisation and a person the table does not list, on ASCII text and on the same
//! text with typographic apostrophes and quotes (the folding path); and loading the shipped
//! alias table.
//!
//! The article is cut from real BBC test articles (`../shared/data/bbc/test.jsonl`).

use std::hint::black_box;
use std::path::Path;

use criterion::{BenchmarkId, Criterion, Throughput};
use docclass::mentions::{AliasTable, MentionFinder};

/// Input size in bytes.
const SIZE: usize = 3_000;

/// The politics articles of the test split joined and cut to `SIZE` bytes at a word boundary.
fn article() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/bbc/test.jsonl");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut out = String::new();
    for line in text.lines().filter(|l| l.contains("\"politics\"")) {
        let doc: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        out.push_str(doc["text"].as_str().unwrap_or_default());
        out.push_str("\n\n");
        if out.len() > SIZE {
            break;
        }
    }
    let mut cut = SIZE.min(out.len());
    while !out.is_char_boundary(cut) {
        cut -= 1;
    }
    let cut = out[..cut].rfind(' ').unwrap_or(cut);
    out.truncate(cut);
    out
}

fn bench(c: &mut Criterion) {
    let models = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/aliases.jsonl");
    let table = AliasTable::load(&models).unwrap_or_else(|e| panic!("{e}"));
    let ascii = article();
    let typographic = ascii.replace('\'', "\u{2019}").replacen('"', "\u{201C}", 8);
    let targets = ["United States", "United Kingdom", "Tony Blair"];

    let mut group = c.benchmark_group("mentions_3kb");
    group.throughput(Throughput::Bytes(ascii.len() as u64));
    for target in targets {
        let finder = MentionFinder::new(target, &table);
        for (label, text) in [("ascii", &ascii), ("typographic", &typographic)] {
            let id = BenchmarkId::new(format!("find/{label}"), target);
            group.bench_with_input(id, text, |b, text| b.iter(|| finder.find(black_box(text))));
        }
        let id = BenchmarkId::new("new+find/ascii", target);
        group.bench_with_input(id, &ascii, |b, text| {
            b.iter(|| MentionFinder::new(black_box(target), &table).find(black_box(text)))
        });
    }
    group.finish();

    let mut load = c.benchmark_group("alias_table");
    load.sample_size(10);
    load.bench_function("load", |b| {
        b.iter(|| AliasTable::load(black_box(&models)).map(|t| t.len()))
    });
    load.finish();
}

/// Runs the benchmarks with criterion's command-line options (what `criterion_group!` and
/// `criterion_main!` expand to, without their undocumented public function).
fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    bench(&mut criterion);
    criterion.final_summary();
}

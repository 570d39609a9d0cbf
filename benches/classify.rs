//! The classification hot path in-process: `Classifier::predict` of the shipped topic model
//! on real BBC text cut to 300 B, 3 KB and 30 KB (the load generator's payload sizes); and on
//! the five example articles (2.3–4.9 KB, 3.7 KB on average), the topic alone next to the
//! topic with a stance toward a named target (mention finding, the sentence model on every
//! mentioning sentence, aggregation and evidence ranking), as `Classify` computes them.

use std::path::Path;

use criterion::{black_box, BenchmarkId, Criterion, Throughput};
use docclass::loadgen::payload;
use docclass::mentions::{AliasTable, MentionFinder};
use docclass::model::Classifier;
use docclass::stance::{TargetStance, DEFAULT_EVIDENCE};
use docclass::text::Document;

fn predict(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/bbc.model");
    let classifier = Classifier::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/bbc/test.jsonl");
    let mut group = c.benchmark_group("predict");
    for (name, bytes) in [("300B", 300), ("3KB", 3_000), ("30KB", 30_000)] {
        let payloads = payload::load(&data, bytes, 16).unwrap_or_else(|e| panic!("{e}"));
        let mean = payloads.iter().map(|p| p.text.len()).sum::<usize>() / payloads.len();
        group.throughput(Throughput::Bytes(mean as u64));
        group.bench_with_input(
            BenchmarkId::from_parameter(name),
            &payloads,
            |b, payloads| {
                let mut i = 0;
                b.iter(|| {
                    let p = &payloads[i % payloads.len()];
                    i += 1;
                    let doc = Document {
                        title: &p.title,
                        text: &p.text,
                        target: None,
                        mentions: &[],
                    };
                    black_box(classifier.predict(black_box(&doc), 0))
                });
            },
        );
    }
    group.finish();
}

fn named_target(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let load = |name: &str| Classifier::load(&root.join(name)).unwrap_or_else(|e| panic!("{e}"));
    let (topic, sentence_model) = (load("models/bbc.model"), load("models/newsmtsc.model"));
    let aliases =
        AliasTable::load(&root.join("models/aliases.jsonl")).unwrap_or_else(|e| panic!("{e}"));
    let mut articles: Vec<(String, String)> = std::fs::read_dir(root.join("../shared/examples"))
        .unwrap_or_else(|e| panic!("{e}"))
        .map(|entry| entry.unwrap_or_else(|e| panic!("{e}")).path())
        .filter(|path| path.extension().is_some_and(|e| e == "txt"))
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
            (path.display().to_string(), text)
        })
        .collect();
    articles.sort();
    let mean = articles.iter().map(|(_, t)| t.len()).sum::<usize>() / articles.len();
    let mut group = c.benchmark_group("named_target");
    group.throughput(Throughput::Bytes(mean as u64));
    group.bench_function("topic_only", |b| {
        let mut i = 0;
        b.iter(|| {
            let text = &articles[i % articles.len()].1;
            i += 1;
            black_box(topic.predict(&Document::new(black_box(text)), 0))
        });
    });
    for target in ["Qasem Soleimani", "United States"] {
        group.bench_function(BenchmarkId::new("topic_and_stance", target), |b| {
            let mut i = 0;
            b.iter(|| {
                let text = &articles[i % articles.len()].1;
                i += 1;
                let topic = topic.predict(&Document::new(black_box(text)), 0);
                let finder = MentionFinder::new(target, &aliases);
                let read = TargetStance::read(&sentence_model, &finder, target, text);
                black_box((topic, read.evidence(DEFAULT_EVIDENCE).len()))
            });
        });
    }
    group.finish();
}

/// Runs the benchmarks with criterion's command-line options (what `criterion_group!` and
/// `criterion_main!` expand to, without their undocumented public function).
fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    predict(&mut criterion);
    named_target(&mut criterion);
    criterion.final_summary();
}

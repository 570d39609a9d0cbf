//! The classification hot path in-process: `Classifier::predict` of the shipped topic model
//! on real BBC text cut to 300 B, 3 KB and 30 KB (the load generator's payload sizes).

use std::path::Path;

use criterion::{black_box, BenchmarkId, Criterion, Throughput};
use docclass::loadgen::payload;
use docclass::model::Classifier;
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

/// Runs the benchmarks with criterion's command-line options (what `criterion_group!` and
/// `criterion_main!` expand to, without their undocumented public function).
fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    predict(&mut criterion);
    criterion.final_summary();
}

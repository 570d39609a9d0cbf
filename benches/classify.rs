//! The classification hot path in-process: `Classifier::predict` of the shipped topic model
//! on real BBC text cut to 300 B, 3 KB and 30 KB (the load generator's payload sizes).

use std::path::Path;

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use docclass::loadgen::payload;
use docclass::text::Document;
use docclass::train::load_classifier;

fn predict(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/bbc.model");
    let classifier = load_classifier(&path).unwrap_or_else(|e| panic!("{e}"));
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
                    };
                    black_box(classifier.predict(black_box(&doc), 0))
                });
            },
        );
    }
    group.finish();
}

criterion_group!(benches, predict);
criterion_main!(benches);

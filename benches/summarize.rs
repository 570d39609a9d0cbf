//! Summarizer latency on 1, 5, 20 and 100 KB inputs made of real BBC test articles.
//!
//! The articles come from `shared/data/bbc/test.jsonl`, found in the first ancestor of the crate
//! that has it (`../shared` in the repository), or from `$DOCCLASS_BBC_TEST` if set. The IDF
//! table is built from the train split next to it.

use std::path::{Path, PathBuf};

use criterion::{BenchmarkId, Criterion, Throughput};
use docclass::summarize::{IdfTable, SummarizeOptions, Summarizer};

/// Input sizes in bytes.
const SIZES: &[usize] = &[1_000, 5_000, 20_000, 100_000];

#[derive(serde::Deserialize)]
struct Doc {
    title: String,
    text: String,
}

fn test_split() -> PathBuf {
    if let Some(path) = std::env::var_os("DOCCLASS_BBC_TEST") {
        return PathBuf::from(path);
    }
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .map(|d| d.join("shared/data/bbc/test.jsonl"))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("no shared/data/bbc/test.jsonl above {}", manifest.display()))
}

fn read(path: &Path) -> Vec<Doc> {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
        .collect()
}

/// Concatenates articles (blank line between) until the text reaches `size` bytes, then cuts it
/// at the last paragraph break before `size` when there is one.
fn input_of_size(docs: &[Doc], size: usize) -> String {
    let mut text = String::new();
    for doc in docs.iter().cycle() {
        if text.len() >= size {
            break;
        }
        text.push_str(&doc.text);
        text.push_str("\n\n");
    }
    let mut cut = size.min(text.len());
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    if let Some(p) = text[..cut].rfind("\n\n").filter(|&p| p > size / 2) {
        cut = p;
    }
    text.truncate(cut);
    text
}

fn bench(c: &mut Criterion) {
    let test = test_split();
    let docs = read(&test);
    let train = read(&test.with_file_name("train.jsonl"));
    let corpus: Vec<String> = train
        .iter()
        .map(|d| format!("{}\n\n{}", d.title, d.text))
        .collect();
    let summarizer = Summarizer::new(IdfTable::from_documents(corpus.iter().map(String::as_str)));
    let options = SummarizeOptions::default();
    let title = docs.first().map(|d| d.title.as_str()).unwrap_or("");

    let mut group = c.benchmark_group("summarize");
    for &size in SIZES {
        let text = input_of_size(&docs, size);
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_with_input(
            BenchmarkId::from_parameter(format!("{}KB", size / 1000)),
            &text,
            |b, text| b.iter(|| summarizer.summarize(title, text, &options)),
        );
    }
    group.finish();
}

/// Runs the benchmarks with criterion's command-line options (what `criterion_group!` and
/// `criterion_main!` expand to, without their undocumented public function).
fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    bench(&mut criterion);
    criterion.final_summary();
}

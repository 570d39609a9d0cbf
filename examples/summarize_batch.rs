//! Batch summarization with explicit ranking weights, used by `benches/rouge/tune.py` to choose
//! the weights on the BBC training split (`docclass summarize --batch` uses the tuned defaults).
//!
//! Usage: `summarize_batch --idf-from TRAIN.jsonl --input FILE.jsonl|- [--weights C,V,P,T,L,SIM]`
//! builds the IDF table from the `title` and `text` of every line of TRAIN.jsonl, then prints
//! one JSON line per input record.

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter};

use docclass::summarize::{summarize_jsonl, IdfTable, RankWeights, Summarizer};

fn main() {
    if let Err(e) = run() {
        eprintln!("summarize_batch: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let mut idf_from = None;
    let mut input = None;
    let mut weights = RankWeights::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--idf-from" => idf_from = Some(value()?),
            "--input" => input = Some(value()?),
            "--weights" => weights = parse_weights(&value()?)?,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    let idf_from = idf_from.ok_or("missing --idf-from TRAIN.jsonl")?;
    let input = input.ok_or("missing --input FILE.jsonl (or -)")?;

    let docs = read_documents(&idf_from)?;
    let idf = IdfTable::from_documents(docs.iter().map(String::as_str));
    let summarizer = Summarizer::with_weights(idf, weights);

    let reader: Box<dyn BufRead> = if input == "-" {
        Box::new(io::stdin().lock())
    } else {
        Box::new(BufReader::new(
            File::open(&input).map_err(|e| format!("{input}: {e}"))?,
        ))
    };
    let out = BufWriter::new(io::stdout().lock());
    let n = summarize_jsonl(reader, out, &summarizer).map_err(|e| format!("{input}: {e}"))?;
    eprintln!("summarized {n} articles");
    Ok(())
}

/// "C,V,P,T,L,SIM" → weights for centrality, coverage, position, title, length and the
/// duplicate threshold.
fn parse_weights(s: &str) -> Result<RankWeights, String> {
    let v: Vec<f32> = s
        .split(',')
        .map(|x| {
            x.trim()
                .parse::<f32>()
                .map_err(|e| format!("--weights {s}: {e}"))
        })
        .collect::<Result<_, _>>()?;
    match v[..] {
        [centrality, coverage, position, title, length, max_similarity] => Ok(RankWeights {
            centrality,
            coverage,
            position,
            title,
            length,
            max_similarity,
        }),
        _ => Err(format!(
            "--weights needs 6 comma-separated numbers, got {s}"
        )),
    }
}

/// `title + "\n\n" + text` of every JSON line of `path`.
fn read_documents(path: &str) -> Result<Vec<String>, String> {
    #[derive(serde::Deserialize)]
    struct Doc {
        #[serde(default)]
        title: String,
        text: String,
    }
    let file = File::open(path).map_err(|e| format!("{path}: {e}"))?;
    let mut docs = Vec::new();
    for (i, line) in BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| format!("{path}: {e}"))?;
        if line.trim().is_empty() {
            continue;
        }
        let doc: Doc = serde_json::from_str(&line).map_err(|e| format!("{path}:{}: {e}", i + 1))?;
        docs.push(format!("{}\n\n{}", doc.title, doc.text));
    }
    Ok(docs)
}

//! A Rust client of docclass: classifies and summarizes one article with the generated tonic
//! client.
//!
//! ```text
//! cargo run --example client -- --addr 127.0.0.1:50051 [--target "Climate Change is a Real Concern"] [FILE]
//! ```

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Parser;
use docclass::pb::{self, document_service_client::DocumentServiceClient};

/// Classify and summarize one article on a running docclass server.
#[derive(Parser)]
struct Args {
    /// Server address, HOST:PORT.
    #[arg(long, default_value = "127.0.0.1:50051")]
    addr: String,
    /// Target or claim for the stance.
    #[arg(long, default_value = "")]
    target: String,
    /// The article (plain text).
    #[arg(default_value = "../shared/examples/000_318465e096284c62.txt")]
    file: PathBuf,
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("reading {}", args.file.display()))?;
    let mut client = DocumentServiceClient::connect(format!("http://{}", args.addr))
        .await
        .with_context(|| format!("connecting to {}", args.addr))?;

    let classified = client
        .classify(pb::ClassifyRequest {
            id: args.file.display().to_string(),
            text: text.clone(),
            target: args.target,
            top_k: 3,
            ..Default::default()
        })
        .await
        .context("Classify")?
        .into_inner();
    for (kind, prediction) in [("topic", &classified.topic), ("stance", &classified.stance)] {
        match prediction {
            Some(p) => println!(
                "{kind}: {} ({:.3}, model {})",
                p.label, p.confidence, p.model
            ),
            None => println!("{kind}: (none; the stance model needs --target)"),
        }
    }

    let summary = client
        .summarize(pb::SummarizeRequest {
            text,
            max_sentences: 3,
            ..Default::default()
        })
        .await
        .context("Summarize")?
        .into_inner();
    println!("summary ({} sentences):", summary.sentences.len());
    for sentence in &summary.sentences {
        println!("  [{}] {}", sentence.index, sentence.text);
    }
    Ok(())
}

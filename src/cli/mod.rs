//! The `docclass` command line: serve the models over gRPC, train and evaluate them, or
//! classify and summarize one file from the shell.
//!
//! It lives in the library so that `main.rs` stays a one-liner and the command line is built
//! from the same crate it drives. This is the one layer that reports errors with `anyhow`; the
//! modules it calls keep their own typed errors.

mod args;
mod commands;
mod serve;

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};

use crate::model::ReloadableModelSet;
use crate::telemetry::{self, LogFormat};
use args::{ClassifyArgs, EvaluateArgs, ServeArgs, SummarizeArgs, TrainArgs};

/// Topic, stance and extractive summaries for news documents, over gRPC.
#[derive(Parser)]
#[command(name = "docclass", version, about)]
struct Cli {
    /// Log line format (to standard error); the level follows RUST_LOG (default info).
    #[arg(
        long,
        global = true,
        value_enum,
        env = "DOCCLASS_LOG_FORMAT",
        default_value = "text"
    )]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the models in --models over gRPC (with health and reflection services).
    Serve(ServeArgs),
    /// Train a model from labeled data (JSONL, JSONL.gz or CSV) and write it atomically.
    Train(TrainArgs),
    /// Evaluate a model file on labeled data.
    Evaluate(EvaluateArgs),
    /// Classify one text file (topic, and stance toward --target) and print JSON.
    Classify(ClassifyArgs),
    /// Summarize one text file, or a JSONL batch with --batch, and print JSON.
    Summarize(SummarizeArgs),
}

/// Runs the `docclass` command: parses the process arguments (exiting with clap's usage
/// error and status 2 when they do not parse), starts logging in the chosen format and runs
/// the subcommand.
///
/// # Errors
///
/// Whatever stopped the subcommand, with context naming what failed (a file, an address,
/// the model directory); `main` prints it and exits with status 1.
pub fn run() -> Result<()> {
    let cli = Cli::parse();
    let _log_writer = telemetry::init_logging(cli.log_format);
    match cli.command {
        Command::Serve(args) => serve::serve(args),
        Command::Train(args) => commands::train_model(args),
        Command::Evaluate(args) => commands::evaluate(args),
        Command::Classify(args) => commands::classify(args),
        Command::Summarize(args) => commands::summarize(args),
    }
}

/// Opens the model directory, for the server and the one-off commands alike.
fn load_models(dir: &Path) -> Result<Arc<ReloadableModelSet>> {
    Ok(Arc::new(
        ReloadableModelSet::open(dir).context("loading models")?,
    ))
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, Parser};

    use super::{Cli, Command};
    use crate::features::NgramRange;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn char_ngrams_take_lengths_or_none() {
        let train = |extra: &[&str]| {
            let mut args = vec!["docclass", "train", "--task", "topic", "--data", "x.jsonl"];
            args.extend_from_slice(&["--name", "x"]);
            args.extend_from_slice(extra);
            match Cli::try_parse_from(args).expect("parses").command {
                Command::Train(train) => train.char_ngrams.map(|arg| arg.0),
                _ => panic!("not train"),
            }
        };
        assert_eq!(train(&[]), None);
        assert_eq!(
            train(&["--char-ngrams", "2-5"]),
            Some(Some(NgramRange { min: 2, max: 5 }))
        );
        assert_eq!(train(&["--char-ngrams", "none"]), Some(None));
        assert!(Cli::try_parse_from([
            "docclass",
            "train",
            "--task",
            "topic",
            "--data",
            "x",
            "--name",
            "x",
            "--char-ngrams",
            "two-five"
        ])
        .is_err());
    }
}

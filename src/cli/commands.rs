//! The commands that run once and print: `train` and `evaluate` on labeled data, `classify`
//! and `summarize` on one document (or a JSONL batch) from a file or standard input.

use std::path::Path;

use anyhow::{bail, Context, Result};

use super::args::{ClassifyArgs, EvaluateArgs, SummarizeArgs, TaskArg, TrainArgs};
use super::load_models;
use crate::features::FeatureSettings;
use crate::model::Task;
use crate::service::{DocumentService, ServerConfig};
use crate::{evaluate, pb, train};

/// Trains a model (or the summarizer's statistics), writes it and prints the chosen settings
/// and validation figures.
pub(super) fn train_model(args: TrainArgs) -> Result<()> {
    let command = std::env::args().collect::<Vec<_>>().join(" ");
    let task = match args.task {
        TaskArg::Topic => Task::Topic,
        TaskArg::Stance => Task::Stance,
        TaskArg::Summary => {
            let path = train::train_summarizer(&args.data, &args.name, &args.out)?;
            println!("wrote {}", path.display());
            return Ok(());
        }
    };
    let defaults = FeatureSettings::default();
    let streaming = args
        .streaming
        .streaming
        .then(|| train::streaming::StreamingOptions {
            epochs: args.streaming.epochs,
            learning_rate: args.streaming.learning_rate,
            cache_dir: args.streaming.cache_dir.unwrap_or_else(std::env::temp_dir),
        });
    let options = train::TrainOptions {
        task,
        data: args.data,
        fields: args.fields.into(),
        name: args.name,
        out_dir: args.out,
        validation: args.validation,
        seed: args.seed,
        search_features: args.word_ngrams.is_none()
            && args.char_ngrams.is_none()
            && args.min_df.is_none()
            && args.max_features.is_none()
            && !args.raw_tf,
        budget: args.budget,
        features: FeatureSettings {
            word_ngrams: args.word_ngrams.unwrap_or(defaults.word_ngrams),
            char_ngrams: args.char_ngrams.map_or(defaults.char_ngrams, |arg| arg.0),
            min_df: args.min_df.unwrap_or(defaults.min_df),
            max_features: args.max_features,
            sublinear_tf: !args.raw_tf,
            ..defaults
        },
        target_features: args.target_features.features(),
        l2_penalties: args.l2,
        folds: args.folds,
        class_weight_powers: match (args.balanced, args.class_weight_power.is_empty()) {
            (true, _) => vec![1.0],
            (false, true) => vec![0.0],
            (false, false) => args.class_weight_power,
        },
        select_by: args.select_by.into(),
        untargeted_copies: args.untargeted_copies,
        command,
    };
    let select_by = options.select_by;
    let outcome = match &streaming {
        Some(streaming) => train::streaming::train_streaming(&options, streaming)?,
        None => train::train(&options)?,
    };
    print_selection(&outcome, select_by);
    match &outcome.validation {
        Some(evaluation) => print!(
            "\nvalidation part\n{}",
            evaluate::render_evaluation(evaluation)
        ),
        None => println!("no validation part (--validation 0)"),
    }
    println!(
        "\nwrote {} in {:.1} s",
        outcome.path.display(),
        outcome.seconds
    );
    Ok(())
}

/// Prints what model selection tried and chose, and why.
fn print_selection(outcome: &train::TrainOutcome, select_by: train::SelectBy) {
    let selection = &outcome.selection;
    if selection.trials.len() > 1 || !selection.skipped.is_empty() {
        match selection.sample_records {
            Some(records) => println!(
                "feature settings tried on a random sample of {records} records (best candidate \
                 of each, by cross-validation on the sample):"
            ),
            None => {
                println!("feature settings tried (best candidate of each, by cross-validation):")
            }
        }
        for trial in &selection.trials {
            if let Some(best) = train::selection::best(&trial.scores, select_by) {
                println!(
                    "  {}: {:.3} at L2 {:e} ({:.1} s){}",
                    train::selection::describe(&trial.settings),
                    best.criterion(select_by),
                    best.candidate.l2,
                    trial.seconds,
                    if trial.settings == selection.settings {
                        "  <- chosen"
                    } else {
                        ""
                    }
                );
            }
        }
        for skipped in &selection.skipped {
            println!(
                "  {}: skipped, would end past the --budget",
                train::selection::describe(skipped)
            );
        }
    }
    for score in &outcome.cross_validation {
        println!(
            "cross-validation  L2 {:e} class-weight power {}: official {:.3}, macro-F1 {:.3}, accuracy {:.3}",
            score.candidate.l2,
            score.candidate.class_weight_power,
            score.official,
            score.macro_f1,
            score.accuracy
        );
    }
    println!(
        "chosen: {}, {} features, L2 penalty {:e}, class-weight power {}, calibration temperature {:.3}",
        train::selection::describe(&selection.settings),
        outcome.features,
        outcome.chosen.l2,
        outcome.chosen.class_weight_power,
        outcome.temperature
    );
    for warning in &outcome.edge_warnings {
        println!("warning: {warning}");
    }
}

/// Evaluates a model file on labeled data and prints the figures (text or JSON) with how
/// far they are from chance, writing the HTML report, the predictions file and the paired
/// comparison with another model's predictions when asked.
pub(super) fn evaluate(args: EvaluateArgs) -> Result<()> {
    let fields: crate::corpus::FieldNames = args.fields.into();
    let detailed = evaluate::predict_examples(&args.model, &args.data, &fields)?;
    if let Some(report) = &args.report {
        let page = evaluate::render_html(&detailed, &args.data)
            .map_err(|e| anyhow::anyhow!("drawing the report charts: {e}"))?;
        std::fs::write(report, page).with_context(|| format!("writing {}", report.display()))?;
        eprintln!("wrote {}", report.display());
    }
    if let Some(path) = &args.predictions {
        evaluate::comparison::write_predictions(path, &detailed)?;
        eprintln!("wrote {}", path.display());
    }
    let evaluation = &detailed.evaluation;
    let truth: Vec<usize> = detailed.examples.iter().map(|e| e.truth).collect();
    let predicted: Vec<usize> = detailed.examples.iter().map(|e| e.predicted).collect();
    let groups: Option<Vec<Option<String>>> = fields
        .group
        .as_ref()
        .map(|_| detailed.examples.iter().map(|e| e.group.clone()).collect());
    let classes = evaluation.labels.len();
    let spread = evaluate::significance::spread(classes, &truth, &predicted, groups.as_deref());
    let unit = if groups.is_some() {
        "groups"
    } else {
        "documents"
    };
    let mut notes = vec![format!(
        "95% bootstrap intervals ({} resamples of the {} {unit}): accuracy [{:.2}, {:.2}], macro-F1 [{:.2}, {:.2}];\n\
         two models' macro-F1 on this test set differ beyond chance only when more than {:.2} points apart\n\
         (compared pair by pair with --predictions and --compare, smaller differences can be)",
        evaluate::significance::RESAMPLES,
        spread.units,
        spread.accuracy.low,
        spread.accuracy.high,
        spread.macro_f1.low,
        spread.macro_f1.high,
        spread.macro_f1_difference_beyond_chance
    )];
    if let Some(other) = &args.compare {
        let second = evaluate::comparison::paired_predictions(other, &detailed)?;
        let difference =
            evaluate::significance::paired(classes, &truth, &predicted, &second, groups.as_deref());
        notes.push(format!(
            "this model minus {}: macro-F1 {:+.2} points (95% paired interval [{:+.2}, {:+.2}]: {}), accuracy {:+.2} ([{:+.2}, {:+.2}])",
            other.display(),
            difference.macro_f1,
            difference.macro_f1_interval.low,
            difference.macro_f1_interval.high,
            if difference.macro_f1_beyond_chance() { "beyond chance" } else { "within chance" },
            difference.accuracy,
            difference.accuracy_interval.low,
            difference.accuracy_interval.high,
        ));
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(evaluation)?);
        for note in notes {
            eprintln!("{note}");
        }
    } else {
        print!("{}", evaluate::render_evaluation(evaluation));
        for note in notes {
            println!("\n{note}");
        }
    }
    Ok(())
}

/// Classifies one document as the server would and prints the answer as JSON.
pub(super) fn classify(args: ClassifyArgs) -> Result<()> {
    let text = read_input(&args.file)?;
    let service = local_service(&args.models.models)?;
    let response = service.classify_one(&pb::ClassifyRequest {
        id: args.file.display().to_string(),
        title: args.title,
        text,
        target: args.target,
        topic_model: args.topic_model,
        stance_model: args.stance_model,
        top_k: 0,
        explain: args.explain,
        max_evidence: args.max_evidence,
    })?;
    println!("{}", serde_json::to_string_pretty(&response)?);
    Ok(())
}

/// Summarizes one document and prints the answer as JSON, or with `--batch` summarizes
/// JSON lines into JSON lines.
pub(super) fn summarize(args: SummarizeArgs) -> Result<()> {
    if args.batch {
        let input: Box<dyn std::io::BufRead> = if args.file.as_os_str() == "-" {
            Box::new(std::io::stdin().lock())
        } else {
            let file = std::fs::File::open(&args.file)
                .with_context(|| format!("opening {}", args.file.display()))?;
            Box::new(std::io::BufReader::new(file))
        };
        let store = load_models(&args.models.models)?;
        crate::summarize::summarize_jsonl(
            input,
            std::io::stdout().lock(),
            store.snapshot().summarizer(),
        )?;
        return Ok(());
    }
    let text = read_input(&args.file)?;
    if !(0.0..=1.0).contains(&args.ratio) {
        bail!("--ratio must be between 0 and 1, got {}", args.ratio);
    }
    let service = local_service(&args.models.models)?;
    let response = service.summarize_one(&pb::SummarizeRequest {
        title: args.title,
        text,
        max_sentences: args.max_sentences,
        ratio: args.ratio,
    })?;
    println!("{}", serde_json::to_string_pretty(&response)?);
    Ok(())
}

/// The text of `path`, or of standard input for `-`.
fn read_input(path: &Path) -> Result<String> {
    if path.as_os_str() == "-" {
        return std::io::read_to_string(std::io::stdin()).context("reading standard input");
    }
    std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}

/// The request handlers without a server, for one-off commands.
fn local_service(dir: &Path) -> Result<DocumentService> {
    let config = ServerConfig::default();
    Ok(DocumentService::new(
        load_models(dir)?,
        config.limits,
        config.admission()?,
    ))
}

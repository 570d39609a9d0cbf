//! The `docclass` command: serve the models over gRPC, train and evaluate them, or classify
//! and summarize one file from the shell. Argument parsing and error reporting only; the
//! work is done by the library.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use docclass::features::{FeatureSettings, NgramRange, TargetFeatures};
use docclass::model::{ModelStore, Task};
use docclass::service::{
    self, DocumentService, Limits, ServerConfig, TlsFiles, DEFAULT_INLINE_MAX_BYTES,
};
use docclass::telemetry::{self, LogFormat};
use docclass::{pb, train};

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

#[derive(Args)]
struct ModelsArg {
    /// Directory holding the model files.
    #[arg(long, env = "DOCCLASS_MODELS", default_value = "models")]
    models: PathBuf,
}

#[derive(Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "DOCCLASS_ADDR", default_value = "127.0.0.1:50051")]
    addr: String,
    #[command(flatten)]
    models: ModelsArg,
    /// Largest accepted gRPC message, in bytes.
    #[arg(long, env = "DOCCLASS_MAX_MESSAGE_BYTES", default_value_t = 8 << 20)]
    max_message_bytes: usize,
    /// Longest accepted document text, in bytes.
    #[arg(long, env = "DOCCLASS_MAX_DOCUMENT_BYTES", default_value_t = 1 << 20)]
    max_document_bytes: usize,
    /// Requests admitted at once; past it, requests fail fast with RESOURCE_EXHAUSTED.
    #[arg(long, env = "DOCCLASS_MAX_IN_FLIGHT", default_value_t = 256)]
    max_in_flight: usize,
    /// Worker threads computing answers (0 = one per core).
    #[arg(long, env = "DOCCLASS_WORKERS", default_value_t = 0)]
    workers: usize,
    /// Unary requests with at most this many bytes of text are computed on the thread that
    /// received them instead of a worker (0 = always on a worker).
    #[arg(long, env = "DOCCLASS_INLINE_MAX_BYTES", default_value_t = DEFAULT_INLINE_MAX_BYTES)]
    inline_max_bytes: usize,
    /// Require `authorization: Bearer <token>` on every RPC but the health check.
    #[arg(
        long,
        env = "DOCCLASS_AUTH_TOKEN",
        hide_env_values = true,
        conflicts_with = "auth_token_file"
    )]
    auth_token: Option<String>,
    /// Read the bearer token from this file.
    #[arg(long, env = "DOCCLASS_AUTH_TOKEN_FILE")]
    auth_token_file: Option<PathBuf>,
    /// TLS certificate chain (PEM); with --tls-key, serve TLS instead of plaintext.
    #[arg(long, env = "DOCCLASS_TLS_CERT", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// TLS private key (PEM).
    #[arg(long, env = "DOCCLASS_TLS_KEY", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Serve docclass.v1.AdminService (ReloadModels); requires the token when auth is on.
    #[arg(long, env = "DOCCLASS_ENABLE_ADMIN")]
    enable_admin: bool,
    /// Serve Prometheus metrics over HTTP at http://<this address>/metrics (off when unset).
    #[arg(long, env = "DOCCLASS_METRICS_ADDR")]
    metrics_addr: Option<String>,
    /// Write (the first 4 KiB of) each request's document text to the request log span.
    #[arg(long, env = "DOCCLASS_LOG_TEXT")]
    log_text: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum TaskArg {
    Topic,
    Stance,
    /// The summarizer's corpus statistics (document frequencies).
    Summary,
}

#[derive(Clone, Copy, ValueEnum)]
enum TargetArg {
    /// Per-target features when the data has targets.
    Auto,
    Ignore,
    PerTarget,
    /// The target is an open claim: claim words and claim–text relation features.
    Claim,
}

/// Names of the data's fields, for corpora whose columns are not named like ours.
#[derive(Args)]
struct DataFieldArgs {
    /// Field holding the document text.
    #[arg(long, default_value = "text")]
    text_field: String,
    /// Field holding the headline (optional in records).
    #[arg(long, default_value = "title")]
    title_field: String,
    /// Field holding the stance target or claim (optional in records).
    #[arg(long, default_value = "target")]
    target_field: String,
    /// Field holding the label, a string or a number [default: topic|stance, then label].
    #[arg(long)]
    label_field: Option<String>,
}

impl From<DataFieldArgs> for train::data::FieldNames {
    fn from(args: DataFieldArgs) -> Self {
        Self {
            text: args.text_field,
            title: args.title_field,
            target: args.target_field,
            label: args.label_field,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum SelectByArg {
    Official,
    MacroF1,
    Mean,
}

#[derive(Args)]
struct TrainArgs {
    /// What the model decides.
    #[arg(long, value_enum)]
    task: TaskArg,
    /// Labeled data: .jsonl, .jsonl.gz, .csv (fields text, title, target, topic|stance).
    #[arg(long)]
    data: PathBuf,
    #[command(flatten)]
    fields: DataFieldArgs,
    /// Model name; written to <out>/<name>.model.
    #[arg(long)]
    name: String,
    /// Output directory.
    #[arg(long, default_value = "models")]
    out: PathBuf,
    /// Fraction of the data held out for validation figures and calibration.
    #[arg(long, default_value_t = 0.1)]
    validation: f64,
    /// Seed for the validation split and cross-validation folds.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Word n-gram lengths, e.g. 1-2.
    #[arg(long, default_value = "1-2", value_parser = parse_range)]
    word_ngrams: NgramRange,
    /// Character n-gram lengths within words, e.g. 2-5 (none by default).
    #[arg(long, value_parser = parse_range)]
    char_ngrams: Option<NgramRange>,
    /// Keep features seen in at least this many training documents.
    #[arg(long, default_value_t = 2)]
    min_df: u32,
    /// Keep at most this many features (most frequent first).
    #[arg(long)]
    max_features: Option<usize>,
    /// How the stance target enters the features.
    #[arg(long, value_enum, default_value = "auto")]
    target_features: TargetArg,
    /// Candidate L2 penalties, comma-separated; several = chosen by cross-validation.
    #[arg(long, value_delimiter = ',', default_value = "1e-5,3e-5,1e-4,3e-4")]
    l2: Vec<f64>,
    /// Cross-validation folds.
    #[arg(long, default_value_t = 3)]
    folds: usize,
    /// Weigh classes by inverse frequency (the same as --class-weight-power 1).
    #[arg(long, conflicts_with = "class_weight_power")]
    balanced: bool,
    /// Candidate class-weight powers, comma-separated: classes are weighted by
    /// (inverse frequency)^power (0 = unweighted, 1 = balanced); several = chosen by
    /// cross-validation together with the L2 penalty.
    #[arg(long, value_delimiter = ',')]
    class_weight_power: Vec<f64>,
    /// Cross-validation figure that chooses the settings: the corpus' official metric
    /// (F_avg, FNC-1 relative score; macro-F1 when there is none), macro-F1, or the mean of
    /// the two (FNC-1 has bars on both).
    #[arg(long, value_enum, default_value = "official")]
    select_by: SelectByArg,
}

#[derive(Args)]
struct EvaluateArgs {
    /// Model file (e.g. models/bbc.model).
    #[arg(long)]
    model: PathBuf,
    /// Labeled test data.
    #[arg(long)]
    data: PathBuf,
    #[command(flatten)]
    fields: DataFieldArgs,
    /// Print the figures as JSON.
    #[arg(long)]
    json: bool,
    /// Also write a self-contained HTML report (charts and worst mistakes) to this file.
    #[arg(long)]
    report: Option<PathBuf>,
}

#[derive(Args)]
struct ClassifyArgs {
    /// Text file to classify ("-" = standard input).
    file: PathBuf,
    #[command(flatten)]
    models: ModelsArg,
    /// Headline of the document.
    #[arg(long, default_value = "")]
    title: String,
    /// Target or claim for the stance.
    #[arg(long, default_value = "")]
    target: String,
    /// Topic model name (default: the default topic model).
    #[arg(long, default_value = "")]
    topic_model: String,
    /// Stance model name (default: the default stance model).
    #[arg(long, default_value = "")]
    stance_model: String,
    /// Return the terms that pushed each decision most.
    #[arg(long)]
    explain: bool,
}

#[derive(Args)]
struct SummarizeArgs {
    /// Text file to summarize ("-" = standard input); with --batch, a JSONL file.
    file: PathBuf,
    #[command(flatten)]
    models: ModelsArg,
    /// Headline of the document.
    #[arg(long, default_value = "")]
    title: String,
    /// Number of sentences (default 3).
    #[arg(long, default_value_t = 0)]
    max_sentences: u32,
    /// Fraction of the sentences instead of a count.
    #[arg(long, default_value_t = 0.0)]
    ratio: f32,
    /// Read JSON lines {id, title, text, max_sentences} and write one JSON summary per line.
    #[arg(long)]
    batch: bool,
}

fn parse_range(value: &str) -> Result<NgramRange, String> {
    let (min, max) = value.split_once('-').unwrap_or((value, value));
    let parse = |s: &str| {
        s.trim()
            .parse::<usize>()
            .map_err(|e| format!("{value:?}: {e}"))
    };
    Ok(NgramRange {
        min: parse(min)?,
        max: parse(max)?,
    })
}

fn read_input(path: &Path) -> Result<String> {
    if path.as_os_str() == "-" {
        return std::io::read_to_string(std::io::stdin()).context("reading standard input");
    }
    std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}

fn load_models(dir: &Path) -> Result<Arc<ModelStore>> {
    Ok(Arc::new(ModelStore::open(dir).context("loading models")?))
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

fn main() -> Result<()> {
    let cli = Cli::parse();
    let _log_writer = telemetry::init_logging(cli.log_format);
    match cli.command {
        Command::Serve(args) => serve(args),
        Command::Train(args) => train_model(args),
        Command::Evaluate(args) => {
            let fields = args.fields.into();
            let evaluation = match &args.report {
                None => train::evaluate(&args.model, &args.data, &fields)?,
                Some(report) => {
                    let detailed = train::predict_examples(&args.model, &args.data, &fields)?;
                    let page = train::render_html(&detailed, &args.data)
                        .map_err(|e| anyhow::anyhow!("drawing the report charts: {e}"))?;
                    std::fs::write(report, page)
                        .with_context(|| format!("writing {}", report.display()))?;
                    eprintln!("wrote {}", report.display());
                    detailed.evaluation
                }
            };
            if args.json {
                println!("{}", serde_json::to_string_pretty(&evaluation)?);
            } else {
                print!("{}", train::render_evaluation(&evaluation));
            }
            Ok(())
        }
        Command::Classify(args) => {
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
            })?;
            println!("{}", serde_json::to_string_pretty(&response)?);
            Ok(())
        }
        Command::Summarize(args) => summarize(args),
    }
}

fn serve(args: ServeArgs) -> Result<()> {
    let started = Instant::now();
    let store = load_models(&args.models.models)?;
    let auth_token = match &args.auth_token_file {
        Some(path) => Some(
            std::fs::read_to_string(path)
                .with_context(|| format!("reading token file {}", path.display()))?,
        ),
        None => args.auth_token.clone(),
    };
    if auth_token.as_deref().is_some_and(|t| t.trim().is_empty()) {
        bail!("the bearer token is empty");
    }
    let names: Vec<String> = store
        .snapshot()
        .models()
        .map(|m| {
            format!(
                "{} ({})",
                m.classifier.metadata().name,
                m.classifier.metadata().task
            )
        })
        .collect();
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&args.addr)
            .await
            .with_context(|| format!("binding {}", args.addr))?;
        tracing::info!(
            addr = %listener.local_addr()?,
            models = %names.join(", "),
            startup_ms = started.elapsed().as_millis() as u64,
            "serving"
        );
        let config = ServerConfig {
            max_message_bytes: args.max_message_bytes,
            limits: Limits {
                max_document_bytes: args.max_document_bytes,
            },
            max_in_flight: args.max_in_flight,
            workers: args.workers,
            inline_max_bytes: args.inline_max_bytes,
            auth_token,
            tls: args
                .tls_cert
                .zip(args.tls_key)
                .map(|(cert, key)| TlsFiles { cert, key }),
            enable_admin: args.enable_admin,
            log_text: args.log_text,
        };
        if let Some(addr) = &args.metrics_addr {
            let metrics = tokio::net::TcpListener::bind(addr)
                .await
                .with_context(|| format!("binding the metrics address {addr}"))?;
            tracing::info!(addr = %metrics.local_addr()?, "serving metrics at /metrics");
            let handle = telemetry::install_recorder()?;
            tokio::spawn(telemetry::serve_metrics(
                metrics,
                handle,
                Arc::clone(&store),
                std::future::pending(),
            ));
        }
        service::serve(listener, store, config, shutdown_signal()).await?;
        tracing::info!("stopped");
        Ok(())
    })
}

/// Completes on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}

fn train_model(args: TrainArgs) -> Result<()> {
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
    let options = train::TrainOptions {
        task,
        data: args.data,
        fields: args.fields.into(),
        name: args.name,
        out_dir: args.out,
        validation: args.validation,
        seed: args.seed,
        features: FeatureSettings {
            word_ngrams: args.word_ngrams,
            char_ngrams: args.char_ngrams,
            min_df: args.min_df,
            max_features: args.max_features,
            ..FeatureSettings::default()
        },
        target_features: match args.target_features {
            TargetArg::Auto => None,
            TargetArg::Ignore => Some(TargetFeatures::Ignore),
            TargetArg::PerTarget => Some(TargetFeatures::PerTarget),
            TargetArg::Claim => Some(TargetFeatures::Claim),
        },
        l2_penalties: args.l2,
        folds: args.folds,
        class_weight_powers: match (args.balanced, args.class_weight_power.is_empty()) {
            (true, _) => vec![1.0],
            (false, true) => vec![0.0],
            (false, false) => args.class_weight_power,
        },
        select_by: match args.select_by {
            SelectByArg::Official => train::SelectBy::Official,
            SelectByArg::MacroF1 => train::SelectBy::MacroF1,
            SelectByArg::Mean => train::SelectBy::Mean,
        },
        command,
    };
    let outcome = train::train(&options)?;
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
        "L2 penalty {:e}, class-weight power {}, calibration temperature {:.3}",
        outcome.chosen.l2, outcome.chosen.class_weight_power, outcome.temperature
    );
    match &outcome.validation {
        Some(evaluation) => print!(
            "\nvalidation part\n{}",
            train::render_evaluation(evaluation)
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

fn summarize(args: SummarizeArgs) -> Result<()> {
    if args.batch {
        let input: Box<dyn std::io::BufRead> = if args.file.as_os_str() == "-" {
            Box::new(std::io::stdin().lock())
        } else {
            let file = std::fs::File::open(&args.file)
                .with_context(|| format!("opening {}", args.file.display()))?;
            Box::new(std::io::BufReader::new(file))
        };
        let store = load_models(&args.models.models)?;
        docclass::summarize::summarize_jsonl(
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

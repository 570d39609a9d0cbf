//! The subcommands' arguments, with their defaults, environment variables and help texts,
//! and their conversions into the library's option types.
//!
//! The doc comments on the fields and variants below are the `--help` text; change them only
//! to change what users read.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};

use crate::features::{MentionSettings, NgramRange, TargetFeatures};
use crate::service::DEFAULT_INLINE_MAX_BYTES;
use crate::train;

#[derive(Args)]
pub(super) struct ModelsArg {
    /// Directory holding the model files.
    #[arg(long, env = "DOCCLASS_MODELS", default_value = "models")]
    pub(super) models: PathBuf,
}

#[derive(Args)]
pub(super) struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "DOCCLASS_ADDR", default_value = "127.0.0.1:50051")]
    pub(super) addr: String,
    #[command(flatten)]
    pub(super) models: ModelsArg,
    /// Largest accepted gRPC message, in bytes.
    #[arg(long, env = "DOCCLASS_MAX_MESSAGE_BYTES", default_value_t = 8 << 20)]
    pub(super) max_message_bytes: usize,
    /// Longest accepted document text, in bytes.
    #[arg(long, env = "DOCCLASS_MAX_DOCUMENT_BYTES", default_value_t = 1 << 20)]
    pub(super) max_document_bytes: usize,
    /// Requests admitted at once; past it, requests fail fast with RESOURCE_EXHAUSTED.
    #[arg(long, env = "DOCCLASS_MAX_IN_FLIGHT", default_value_t = 256)]
    pub(super) max_in_flight: usize,
    /// Worker threads computing answers (0 = one per core).
    #[arg(long, env = "DOCCLASS_WORKERS", default_value_t = 0)]
    pub(super) workers: usize,
    /// Unary requests with at most this many bytes of text are computed on the thread that
    /// received them instead of a worker (0 = always on a worker).
    #[arg(long, env = "DOCCLASS_INLINE_MAX_BYTES", default_value_t = DEFAULT_INLINE_MAX_BYTES)]
    pub(super) inline_max_bytes: usize,
    /// Require `authorization: Bearer <token>` on every RPC but the health check.
    #[arg(
        long,
        env = "DOCCLASS_AUTH_TOKEN",
        hide_env_values = true,
        conflicts_with = "auth_token_file"
    )]
    pub(super) auth_token: Option<String>,
    /// Read the bearer token from this file.
    #[arg(long, env = "DOCCLASS_AUTH_TOKEN_FILE")]
    pub(super) auth_token_file: Option<PathBuf>,
    /// TLS certificate chain (PEM); with --tls-key, serve TLS instead of plaintext.
    #[arg(long, env = "DOCCLASS_TLS_CERT", requires = "tls_key")]
    pub(super) tls_cert: Option<PathBuf>,
    /// TLS private key (PEM).
    #[arg(long, env = "DOCCLASS_TLS_KEY", requires = "tls_cert")]
    pub(super) tls_key: Option<PathBuf>,
    /// Serve docclass.v1.AdminService (ReloadModels); requires the token when auth is on.
    #[arg(long, env = "DOCCLASS_ENABLE_ADMIN")]
    pub(super) enable_admin: bool,
    /// Serve Prometheus metrics over HTTP at http://METRICS_ADDR/metrics (off when unset).
    #[arg(long, env = "DOCCLASS_METRICS_ADDR")]
    pub(super) metrics_addr: Option<String>,
    /// Write (the first 4 KiB of) each request's document text to the request log span.
    #[arg(long, env = "DOCCLASS_LOG_TEXT")]
    pub(super) log_text: bool,
    /// After SIGTERM or Ctrl-C, how long in-flight requests may take to finish before the
    /// connections still open are closed (keep it below the orchestrator's kill timeout).
    #[arg(long, env = "DOCCLASS_SHUTDOWN_GRACE", default_value = "20s",
          value_parser = humantime::parse_duration)]
    pub(super) shutdown_grace: Duration,
    /// Close a connection that has not sent the HTTP/2 preface (over TLS: finished the TLS
    /// handshake) within this time.
    #[arg(long, env = "DOCCLASS_HANDSHAKE_TIMEOUT", default_value = "10s",
          value_parser = humantime::parse_duration)]
    pub(super) handshake_timeout: Duration,
}

#[derive(Clone, Copy, ValueEnum)]
pub(super) enum TaskArg {
    Topic,
    Stance,
    /// The summarizer's corpus statistics (document frequencies).
    Summary,
}

#[derive(Clone, Copy, ValueEnum)]
pub(super) enum TargetArg {
    /// Per-target features when the data has targets.
    Auto,
    Ignore,
    PerTarget,
    /// The target is an open claim: claim words and claim–text relation features.
    Claim,
    /// The target is named in the text, where the data's `target_start`/`target_end`
    /// (character offsets) and `further_mentions` say: the masked mention, word windows
    /// around it, opinion words by side and distance, quotation, clause and negation scope
    /// (for sentence-level stance toward a target, e.g. NewsMTSC).
    Mention,
}

impl TargetArg {
    /// The feature layout it asks for; `None` lets training decide from the data.
    pub(super) fn features(self) -> Option<TargetFeatures> {
        match self {
            TargetArg::Auto => None,
            TargetArg::Ignore => Some(TargetFeatures::Ignore),
            TargetArg::PerTarget => Some(TargetFeatures::PerTarget),
            TargetArg::Claim => Some(TargetFeatures::Claim),
            TargetArg::Mention => Some(TargetFeatures::Mention(MentionSettings::default())),
        }
    }
}

/// Names of the data's fields, for corpora whose columns are not named like ours.
#[derive(Args)]
pub(super) struct DataFieldArgs {
    /// Field holding the document text.
    #[arg(long, default_value = "text")]
    pub(super) text_field: String,
    /// Field holding the headline (optional in records).
    #[arg(long, default_value = "title")]
    pub(super) title_field: String,
    /// Field holding the stance target or claim (optional in records).
    #[arg(long, default_value = "target")]
    pub(super) target_field: String,
    /// Field holding the label, a string or a number [default: topic|stance, then label].
    #[arg(long)]
    pub(super) label_field: Option<String>,
    /// Field grouping related documents (outlet, author, event; a URL counts by its host):
    /// documents sharing a value stay on one side of every validation split and fold.
    #[arg(long)]
    pub(super) group_field: Option<String>,
}

impl From<DataFieldArgs> for crate::corpus::FieldNames {
    fn from(args: DataFieldArgs) -> Self {
        Self {
            text: args.text_field,
            title: args.title_field,
            target: args.target_field,
            label: args.label_field,
            group: args.group_field,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
pub(super) enum SelectByArg {
    Official,
    MacroF1,
    Mean,
}

impl From<SelectByArg> for train::SelectBy {
    fn from(arg: SelectByArg) -> Self {
        match arg {
            SelectByArg::Official => Self::Official,
            SelectByArg::MacroF1 => Self::MacroF1,
            SelectByArg::Mean => Self::Mean,
        }
    }
}

#[derive(Args)]
pub(super) struct TrainArgs {
    /// What the model decides.
    #[arg(long, value_enum)]
    pub(super) task: TaskArg,
    /// Labeled data: .jsonl, .jsonl.gz, .csv, .csv.gz, .parquet (fields text, title, target,
    /// topic|stance).
    #[arg(long)]
    pub(super) data: PathBuf,
    #[command(flatten)]
    pub(super) fields: DataFieldArgs,
    /// Model name; written to OUT/NAME.model (OUT and NAME as given).
    #[arg(long)]
    pub(super) name: String,
    /// Output directory.
    #[arg(long, default_value = "models")]
    pub(super) out: PathBuf,
    /// Fraction of the data held out for validation figures and calibration.
    #[arg(long, default_value_t = 0.1)]
    pub(super) validation: f64,
    /// Seed for the validation split and cross-validation folds.
    #[arg(long, default_value_t = 42)]
    pub(super) seed: u64,
    /// Word n-gram lengths, e.g. 1-2 [default: 1-2]. Without any of --word-ngrams,
    /// --char-ngrams, --min-df, --max-features and --raw-tf, cross-validation chooses the
    /// feature settings too (words 1-1/1-2, chars 3-6 on/off, min-df 2/5; sublinear TF)
    /// within --budget.
    #[arg(long, value_parser = parse_range)]
    pub(super) word_ngrams: Option<NgramRange>,
    /// Character n-gram lengths within words, e.g. 2-5, or "none" [default: none].
    #[arg(long, value_parser = parse_char_ngrams)]
    pub(super) char_ngrams: Option<CharNgramsArg>,
    /// Keep features seen in at least this many training documents [default: 2].
    #[arg(long)]
    pub(super) min_df: Option<u32>,
    /// Keep at most this many features (most frequent first).
    #[arg(long)]
    pub(super) max_features: Option<usize>,
    /// Use raw term counts instead of 1 + ln(count).
    #[arg(long)]
    pub(super) raw_tf: bool,
    /// Time the choice of feature settings may take (e.g. 90s, 10m); settings whose
    /// cross-validation would end later are skipped and named.
    #[arg(long, default_value = "10m", value_parser = humantime::parse_duration)]
    pub(super) budget: Duration,
    /// How the stance target enters the features.
    #[arg(long, value_enum, default_value = "auto")]
    pub(super) target_features: TargetArg,
    /// Candidate L2 penalties, comma-separated; several = chosen by cross-validation.
    #[arg(long, value_delimiter = ',', default_value = "1e-5,3e-5,1e-4,3e-4")]
    pub(super) l2: Vec<f64>,
    /// Cross-validation folds.
    #[arg(long, default_value_t = 3)]
    pub(super) folds: usize,
    /// Weigh classes by inverse frequency (the same as --class-weight-power 1).
    #[arg(long, conflicts_with = "class_weight_power")]
    pub(super) balanced: bool,
    /// Candidate class-weight powers, comma-separated: classes are weighted by
    /// (inverse frequency)^power (0 = unweighted, 1 = balanced); several = chosen by
    /// cross-validation together with the L2 penalty.
    #[arg(long, value_delimiter = ',')]
    pub(super) class_weight_power: Vec<f64>,
    /// Cross-validation figure that chooses the settings: the corpus' official metric
    /// (F_avg, FNC-1 relative score; macro-F1 when there is none), macro-F1, or the mean of
    /// the two (FNC-1 has bars on both).
    #[arg(long, value_enum, default_value = "official")]
    pub(super) select_by: SelectByArg,
    /// Per-target stance models: also train on a copy of every example without its target,
    /// weighing this much (0 = none), so that the shared weights answer well on their own,
    /// as they must for a target never seen in training.
    #[arg(long, default_value_t = 0.0)]
    pub(super) untargeted_copies: f32,
    #[command(flatten)]
    pub(super) streaming: StreamingArgs,
}

/// Training on corpora larger than memory.
#[derive(Args)]
pub(super) struct StreamingArgs {
    /// Read the data as a stream (twice; three times without feature flags, the first pass
    /// drawing the sample the feature settings are chosen on) and fit from a disk cache of
    /// the features by SGD, in memory that does not grow with the number of documents.
    #[arg(long)]
    pub(super) streaming: bool,
    /// With --streaming: passes of the optimiser over the feature cache, per fit.
    #[arg(long, default_value_t = 10, requires = "streaming")]
    pub(super) epochs: usize,
    /// With --streaming: the optimiser's starting learning rate [default: the one of
    /// 0.125, 0.25 … 16 whose pass over a sample of 10,000 rows reaches the lowest objective].
    #[arg(long, requires = "streaming")]
    pub(super) learning_rate: Option<f64>,
    /// With --streaming: directory of the temporary feature cache (default: the system's
    /// temporary directory).
    #[arg(long, requires = "streaming")]
    pub(super) cache_dir: Option<PathBuf>,
}

#[derive(Args)]
pub(super) struct EvaluateArgs {
    /// Model file (e.g. models/bbc.model).
    #[arg(long)]
    pub(super) model: PathBuf,
    /// Labeled test data.
    #[arg(long)]
    pub(super) data: PathBuf,
    #[command(flatten)]
    pub(super) fields: DataFieldArgs,
    /// Print the figures as JSON.
    #[arg(long)]
    pub(super) json: bool,
    /// Also write a self-contained HTML report (charts and worst mistakes) to this file.
    #[arg(long)]
    pub(super) report: Option<PathBuf>,
    /// Also write every document's prediction to this JSONL file (line, id, group, gold,
    /// predicted, probabilities), for comparing two models document by document.
    #[arg(long)]
    pub(super) predictions: Option<PathBuf>,
    /// Compare with another model's --predictions file on the same test data: the paired
    /// bootstrap interval of the difference in macro-F1 and accuracy.
    #[arg(long)]
    pub(super) compare: Option<PathBuf>,
}

#[derive(Args)]
pub(super) struct ClassifyArgs {
    /// Text file to classify ("-" = standard input).
    pub(super) file: PathBuf,
    #[command(flatten)]
    pub(super) models: ModelsArg,
    /// Headline of the document.
    #[arg(long, default_value = "")]
    pub(super) title: String,
    /// Target or claim for the stance.
    #[arg(long, default_value = "")]
    pub(super) target: String,
    /// Topic model name (default: the default topic model).
    #[arg(long, default_value = "")]
    pub(super) topic_model: String,
    /// Stance model name (default: newsmtsc for a named target, else the default stance
    /// model).
    #[arg(long, default_value = "")]
    pub(super) stance_model: String,
    /// Return the terms that pushed each decision most.
    #[arg(long)]
    pub(super) explain: bool,
    /// Evidence sentences for a named target (0 = default 3, at most 50).
    #[arg(long, default_value_t = 0)]
    pub(super) max_evidence: u32,
}

#[derive(Args)]
pub(super) struct SummarizeArgs {
    /// Text file to summarize ("-" = standard input); with --batch, a JSONL file.
    pub(super) file: PathBuf,
    #[command(flatten)]
    pub(super) models: ModelsArg,
    /// Headline of the document.
    #[arg(long, default_value = "")]
    pub(super) title: String,
    /// Number of sentences (default 3).
    #[arg(long, default_value_t = 0)]
    pub(super) max_sentences: u32,
    /// Fraction of the sentences instead of a count.
    #[arg(long, default_value_t = 0.0)]
    pub(super) ratio: f32,
    /// Read JSON lines {id, title, text, max_sentences} and write one JSON summary per line.
    #[arg(long)]
    pub(super) batch: bool,
}

/// Parses an n-gram length range or `none`.
/// The value of `--char-ngrams`: lengths, or `None` for "none". A type of its own, since
/// clap reads a field of type `Option<Option<T>>` as a flag whose value may be left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct CharNgramsArg(pub(super) Option<NgramRange>);

fn parse_char_ngrams(value: &str) -> Result<CharNgramsArg, String> {
    if value.eq_ignore_ascii_case("none") {
        return Ok(CharNgramsArg(None));
    }
    parse_range(value).map(|range| CharNgramsArg(Some(range)))
}

/// Parses an n-gram length range, `min-max` or a single length.
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

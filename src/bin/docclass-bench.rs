//! `docclass-bench`: the load generator (`run`), the no-op Echo server it measures the gRPC
//! limit with (`echo-server`), a start-up probe (`wait-serving`) and the evaluation figures of
//! a labeled split as the server answers them (`served-figures`). Argument parsing and
//! reporting only; the work is in `docclass::loadgen`.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use docclass::loadgen::{self, LoadConfig, Memory, Rpc};
use docclass::model::Task;
use docclass::pb::document_service_client::DocumentServiceClient;
use docclass::service::{self, ServerConfig};

/// Benchmarks for docclass over gRPC, on loopback.
#[derive(Parser)]
#[command(name = "docclass-bench", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Drive a running server and print throughput, latency, errors and its memory.
    Run(Box<RunArgs>),
    /// Serve the no-op Echo service (with health) under the production transport settings.
    EchoServer(EchoArgs),
    /// Wait until the server at --addr reports SERVING; print how long that took (ms).
    WaitServing(WaitArgs),
    /// Classify a labeled split through a running server (ClassifyStream) and print the
    /// figures as JSON, in the format of `docclass evaluate --json`.
    ServedFigures(FiguresArgs),
}

#[derive(Clone, Copy, ValueEnum)]
enum TaskArg {
    Topic,
    Stance,
}

#[derive(Args)]
struct FiguresArgs {
    /// Server address.
    #[arg(long, default_value = "127.0.0.1:50051")]
    addr: SocketAddr,
    /// Served model to ask (e.g. fnc1).
    #[arg(long)]
    model: String,
    /// The model's task.
    #[arg(long, value_enum)]
    task: TaskArg,
    /// Labeled data: .jsonl, .jsonl.gz or .csv, as for `docclass evaluate`.
    #[arg(long)]
    data: PathBuf,
}

#[derive(Clone, Copy, ValueEnum)]
enum RpcArg {
    Classify,
    Stream,
    Summarize,
    Echo,
    /// The Open Inference Protocol's ModelInfer (see --batch, --model).
    ModelInfer,
}

#[derive(Args)]
struct RunArgs {
    /// Server address (loopback only).
    #[arg(long, default_value = "127.0.0.1:50051")]
    addr: SocketAddr,
    /// RPC to call.
    #[arg(long, value_enum, default_value = "classify")]
    rpc: RpcArg,
    /// Text size per request in bytes (suffix k = 1000), cut from real articles.
    #[arg(long, default_value = "3k", value_parser = parse_size)]
    size: usize,
    /// Articles (JSON lines with title and text) to cut payloads from.
    #[arg(long, default_value = "../shared/data/bbc/test.jsonl")]
    data: PathBuf,
    /// Distinct payloads to rotate through.
    #[arg(long, default_value_t = 64)]
    payloads: usize,
    /// Requests in flight at once (streams: workers, each --window deep).
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// HTTP/2 connections the workers share (default: one per worker).
    #[arg(long)]
    connections: Option<usize>,
    /// Measured time (e.g. 10s).
    #[arg(long, default_value = "10s", value_parser = humantime::parse_duration)]
    duration: Duration,
    /// Unmeasured warm-up before it.
    #[arg(long, default_value = "1s", value_parser = humantime::parse_duration)]
    warmup: Duration,
    /// Stop after this many measured requests.
    #[arg(long)]
    requests: Option<u64>,
    /// Pace at this many requests per second in total (default: as fast as possible).
    #[arg(long)]
    rate: Option<f64>,
    /// Requests in flight per stream (--rpc stream).
    #[arg(long, default_value_t = 32)]
    window: usize,
    /// Target or claim sent with every Classify request, so the stance model's cost is
    /// measured too (an answer without a stance then counts as an error).
    #[arg(long)]
    target: Option<String>,
    /// Documents per ModelInfer call (--rpc model-infer).
    #[arg(long, default_value_t = 1)]
    batch: usize,
    /// Model ModelInfer calls (default: the server's default topic model).
    #[arg(long)]
    model: Option<String>,
    /// Server process id(s) whose memory to report (repeat for multi-process servers).
    #[arg(long = "server-pid")]
    server_pids: Vec<u32>,
    /// Client runtime threads.
    #[arg(long, default_value_t = 2)]
    client_threads: usize,
    /// Append the figures as one JSON line to this file.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Free-form label stored with the JSON figures (e.g. "ours", "python").
    #[arg(long, default_value = "")]
    label: String,
}

#[derive(Args)]
struct EchoArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:50052")]
    addr: SocketAddr,
}

#[derive(Args)]
struct WaitArgs {
    /// Server address (loopback only).
    #[arg(long, default_value = "127.0.0.1:50051")]
    addr: SocketAddr,
    /// Give up after this long.
    #[arg(long, default_value = "30s", value_parser = humantime::parse_duration)]
    timeout: Duration,
}

fn parse_size(value: &str) -> Result<usize, String> {
    let (digits, scale) = match value.strip_suffix(['k', 'K']) {
        Some(digits) => (digits, 1000),
        None => (value, 1),
    };
    digits
        .trim()
        .parse::<usize>()
        .map(|n| n * scale)
        .map_err(|e| format!("{value:?}: {e}"))
}

fn main() -> Result<()> {
    match Cli::parse().command {
        Command::Run(args) => run(*args),
        Command::EchoServer(args) => {
            let runtime = service::runtime().context("starting the runtime")?;
            runtime.block_on(async {
                let listener = tokio::net::TcpListener::bind(args.addr)
                    .await
                    .with_context(|| format!("binding {}", args.addr))?;
                eprintln!("echo server listening on {}", listener.local_addr()?);
                let shutdown = async {
                    let _ = tokio::signal::ctrl_c().await;
                };
                loadgen::echo::serve(listener, ServerConfig::default(), shutdown)
                    .await
                    .context("echo server failed")
            })
        }
        Command::WaitServing(args) => {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .context("starting the runtime")?;
            let waited = runtime.block_on(loadgen::wait_serving(args.addr, args.timeout))?;
            println!("{:.1}", waited.as_secs_f64() * 1000.0);
            Ok(())
        }
        Command::ServedFigures(args) => served_figures(args),
    }
}

fn served_figures(args: FiguresArgs) -> Result<()> {
    let task = match args.task {
        TaskArg::Topic => Task::Topic,
        TaskArg::Stance => Task::Stance,
    };
    let examples = docclass::corpus::load(&args.data, task)
        .with_context(|| format!("reading {}", args.data.display()))?
        .examples;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the runtime")?;
    let evaluation = runtime.block_on(async {
        let mut client = DocumentServiceClient::connect(format!("http://{}", args.addr))
            .await
            .with_context(|| format!("connecting to {}", args.addr))?;
        loadgen::served_evaluation::served_evaluation(&mut client, &args.model, task, &examples)
            .await
            .context("served figures")
    })?;
    println!("{}", serde_json::to_string_pretty(&evaluation)?);
    Ok(())
}

fn run(args: RunArgs) -> Result<()> {
    let payloads = loadgen::payload::load(&args.data, args.size, args.payloads)?;
    let config = LoadConfig {
        addr: args.addr,
        rpc: match args.rpc {
            RpcArg::Classify => Rpc::Classify,
            RpcArg::Stream => Rpc::Stream,
            RpcArg::Summarize => Rpc::Summarize,
            RpcArg::Echo => Rpc::Echo,
            RpcArg::ModelInfer => Rpc::ModelInfer,
        },
        payloads: Arc::new(payloads),
        concurrency: args.concurrency,
        connections: args.connections.unwrap_or(args.concurrency),
        duration: args.duration,
        warmup: args.warmup,
        max_requests: args.requests,
        rate: args.rate,
        stream_window: args.window,
        target: args.target.clone(),
        batch: args.batch,
        model: args.model.clone(),
        max_message_bytes: ServerConfig::default().max_message_bytes,
        server_pids: args.server_pids.clone(),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.client_threads.max(1))
        .enable_all()
        .build()
        .context("starting the runtime")?;
    let report = runtime.block_on(loadgen::run(&config))?;
    let memory = (!args.server_pids.is_empty())
        .then(|| Memory::total(&args.server_pids))
        .flatten();
    println!("{report}");
    if let Some(memory) = memory {
        println!(
            "  server RSS {:.1} MiB (peak {:.1} MiB)",
            memory.rss_kib as f64 / 1024.0,
            memory.peak_rss_kib as f64 / 1024.0
        );
    }
    if let Some(path) = &args.json {
        let mut line = serde_json::to_value(&report)?;
        line["label"] = args.label.clone().into();
        line["server_memory"] = serde_json::to_value(memory)?;
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .with_context(|| format!("opening {}", path.display()))?;
        writeln!(file, "{line}").with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

//! The load generator behind `docclass-bench`: drives a running server over gRPC with a
//! fixed number of concurrent requests (over a fixed number of HTTP/2 connections), for a
//! bounded time and request count, and reports throughput, latency percentiles, errors and
//! the server's memory. It talks to DocumentService (ours or the Python peer, which serve the
//! same proto) or to the no-op Echo service in [`echo`], with the same payloads, so their
//! figures can be divided by each other.
//!
//! Only loopback addresses are accepted: this is a benchmark, not a load-testing tool to
//! point at other people's machines.

pub mod echo;
pub mod payload;
pub mod served_evaluation;
pub mod stats;
mod worker;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use tonic::transport::{Channel, Endpoint};

pub use payload::Payload;
pub use stats::{MachineTime, Memory, Recorder};

/// Which RPC the load generator calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rpc {
    /// `DocumentService/Classify`, one request per call.
    Classify,
    /// `DocumentService/ClassifyStream`: one long stream per worker, `window` requests in
    /// flight on it.
    Stream,
    /// `DocumentService/Summarize`.
    Summarize,
    /// `bench.v1.Echo/Echo`, the no-op limit.
    Echo,
    /// `inference.GRPCInferenceService/ModelInfer` (the Open Inference Protocol), `batch`
    /// documents per call as raw BYTES tensors, as tritonclient sends them.
    ModelInfer,
}

/// What to run.
#[derive(Debug, Clone)]
pub struct LoadConfig {
    /// Server address (`host:port`, loopback).
    pub addr: SocketAddr,
    /// The RPC to call.
    pub rpc: Rpc,
    /// Request bodies, used in turn.
    pub payloads: Arc<Vec<Payload>>,
    /// Requests in flight at once (one worker each; for streams, workers × `window`).
    pub concurrency: usize,
    /// HTTP/2 connections the workers are spread over.
    pub connections: usize,
    /// Measured time, after the warm-up.
    pub duration: Duration,
    /// Time before measuring starts (requests sent then are not counted).
    pub warmup: Duration,
    /// Stop after this many measured requests, if reached before `duration`.
    pub max_requests: Option<u64>,
    /// Total requests per second to pace at (latency counted from the scheduled send time,
    /// so queueing is not hidden); `None` = as fast as the server answers.
    pub rate: Option<f64>,
    /// Requests in flight on each stream (`Rpc::Stream` only).
    pub stream_window: usize,
    /// The target or claim sent with every Classify request, so the stance model's cost is
    /// in the figures; `None` = no target (the topic model, and target-free stance models,
    /// only). With a target, an answer without a stance counts as an error, unless it says
    /// that the text never mentions the (named) target.
    pub target: Option<String>,
    /// Documents per `ModelInfer` call (`Rpc::ModelInfer` only).
    pub batch: usize,
    /// The v2 model `ModelInfer` calls (`None`: the server's default topic model, from
    /// `GetModelInfo`).
    pub model: Option<String>,
    /// Largest message accepted from the server.
    pub max_message_bytes: usize,
    /// Server process ids whose CPU time to measure over the measured window (may be empty).
    pub server_pids: Vec<u32>,
}

/// Why a run could not start.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The address is not a loopback address.
    #[error("{0} is not a loopback address: the load generator only drives local servers")]
    NotLoopback(SocketAddr),
    /// A setting is out of range.
    #[error("invalid setting: {0}")]
    Invalid(String),
    /// Connecting failed.
    #[error("cannot connect to {addr}: {source}")]
    Connect {
        /// The address.
        addr: SocketAddr,
        /// The transport error.
        source: tonic::transport::Error,
    },
    /// The server did not report SERVING in time.
    #[error("{addr} did not report SERVING within {timeout:?} (last: {last})")]
    NotServing {
        /// The address.
        addr: SocketAddr,
        /// How long we waited.
        timeout: Duration,
        /// The last answer or error.
        last: String,
    },
}

/// The figures of one run.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The RPC called.
    pub rpc: Rpc,
    /// Mean text size of the payloads, in bytes.
    pub payload_bytes: usize,
    /// Documents per call (1 but for `ModelInfer`).
    pub batch: usize,
    /// The model `ModelInfer` called.
    pub model: Option<String>,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// HTTP/2 connections.
    pub connections: usize,
    /// Pacing rate, when one was set.
    pub rate: Option<f64>,
    /// The target sent with every request, when one was set.
    pub target: Option<String>,
    /// Measured seconds.
    pub seconds: f64,
    /// Requests answered OK in the measured time.
    pub requests: u64,
    /// Requests that failed in the measured time.
    pub errors: u64,
    /// Answered requests per second.
    pub requests_per_second: f64,
    /// Documents answered per second (`requests_per_second` × `batch`).
    pub documents_per_second: f64,
    /// Latency percentiles and maximum, in milliseconds.
    pub p50_ms: f64,
    /// 90th percentile.
    pub p90_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// Maximum.
    pub max_ms: f64,
    /// CPU seconds the server processes used in the measured window (when pids were given).
    pub server_cpu_seconds: Option<f64>,
    /// Answered requests per server CPU-second: the cost measure that does not depend on
    /// how much of a shared machine the server got.
    pub requests_per_cpu_second: Option<f64>,
    /// Share of the machine's CPU time the hypervisor gave to other machines during the
    /// measured window, in percent (from `/proc/stat`; `None` where it cannot be read).
    pub machine_steal_percent: Option<f64>,
    /// The first error, if any.
    pub first_error: Option<String>,
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:?}{} {} B{} x{} ({} conn{}): {} ok, {} errors in {:.1} s = {:.0} req/s{}; \
             latency ms p50 {:.3} p90 {:.3} p99 {:.3} max {:.3}",
            self.rpc,
            match &self.model {
                Some(model) if self.batch > 1 => format!(" {model}, batch {}", self.batch),
                Some(model) => format!(" {model}"),
                None => String::new(),
            },
            self.payload_bytes,
            if self.target.is_some() {
                " with a target"
            } else {
                ""
            },
            self.concurrency,
            self.connections,
            self.rate
                .map(|r| format!(", paced at {r:.0}/s"))
                .unwrap_or_default(),
            self.requests,
            self.errors,
            self.seconds,
            self.requests_per_second,
            if self.batch > 1 {
                format!(" = {:.0} documents/s", self.documents_per_second)
            } else {
                String::new()
            },
            self.p50_ms,
            self.p90_ms,
            self.p99_ms,
            self.max_ms,
        )?;
        if let (Some(cpu), Some(per_cpu)) = (self.server_cpu_seconds, self.requests_per_cpu_second)
        {
            write!(
                f,
                "\n  server CPU {cpu:.2} s = {per_cpu:.0} req per CPU-second"
            )?;
        }
        if let Some(steal) = self.machine_steal_percent {
            write!(
                f,
                "\n  machine: {steal:.1}% of CPU time stolen by the hypervisor"
            )?;
        }
        if let Some(error) = &self.first_error {
            write!(f, "\n  first error: {error}")?;
        }
        Ok(())
    }
}

/// Shared stop condition: the measured window and the request budget.
struct Budget {
    measure_from: Instant,
    deadline: Instant,
    remaining: AtomicI64,
}

impl Budget {
    /// Whether another request may be sent, and whether it is measured (`Some(true)`) or
    /// part of the warm-up (`Some(false)`).
    fn take(&self) -> Option<bool> {
        let now = Instant::now();
        if now >= self.deadline {
            return None;
        }
        if now < self.measure_from {
            return Some(false);
        }
        (self.remaining.fetch_sub(1, Ordering::Relaxed) > 0).then_some(true)
    }
}

fn check(config: &LoadConfig) -> Result<(), LoadError> {
    if !config.addr.ip().is_loopback() {
        return Err(LoadError::NotLoopback(config.addr));
    }
    let invalid = |m: &str| Err(LoadError::Invalid(m.to_string()));
    if config.concurrency == 0 || config.connections == 0 || config.stream_window == 0 {
        return invalid("concurrency, connections and stream window must be at least 1");
    }
    if config.batch == 0 {
        return invalid("batch must be at least 1");
    }
    if config.rpc != Rpc::ModelInfer && (config.batch > 1 || config.model.is_some()) {
        return invalid("a batch and a model apply to model-infer only");
    }
    if config.payloads.is_empty() {
        return invalid("no payloads");
    }
    if config.duration.is_zero() {
        return invalid("duration must be positive");
    }
    if config.rate.is_some_and(|r| !(r.is_finite() && r > 0.0)) {
        return invalid("rate must be a positive number");
    }
    if let Some(target) = &config.target {
        if !matches!(config.rpc, Rpc::Classify | Rpc::Stream) {
            return invalid("a target applies to classify and stream only");
        }
        if target.trim().is_empty() {
            return invalid("the target is empty");
        }
    }
    Ok(())
}

/// Opens a channel (one HTTP/2 connection) to `addr`.
pub async fn connect(addr: SocketAddr) -> Result<Channel, LoadError> {
    let connect_error = |source| LoadError::Connect { addr, source };
    Endpoint::from_shared(format!("http://{addr}"))
        .map_err(connect_error)?
        .tcp_nodelay(true)
        .connect()
        .await
        .map_err(connect_error)
}

/// Runs the load described by `config` and reports what it measured.
pub async fn run(config: &LoadConfig) -> Result<Report, LoadError> {
    check(config)?;
    let mut channels = Vec::with_capacity(config.connections);
    for _ in 0..config.connections {
        channels.push(connect(config.addr).await?);
    }
    let mut config = config.clone();
    if config.rpc == Rpc::ModelInfer && config.model.is_none() {
        config.model = Some(default_topic_model(&channels[0]).await?);
    }
    let config = &config;
    let start = Instant::now();
    let measure_from = start + config.warmup;
    let budget = Arc::new(Budget {
        measure_from,
        deadline: measure_from + config.duration,
        remaining: AtomicI64::new(
            config
                .max_requests
                .map_or(i64::MAX, |n| i64::try_from(n).unwrap_or(i64::MAX)),
        ),
    });
    let workers: Vec<_> = (0..config.concurrency)
        .map(|i| {
            let worker = worker::Worker {
                channel: channels[i % channels.len()].clone(),
                config: config.clone(),
                budget: Arc::clone(&budget),
                index: i,
                start,
            };
            tokio::spawn(worker.run())
        })
        .collect();
    let cpu_at_start = {
        let pids = config.server_pids.clone();
        tokio::spawn(async move {
            tokio::time::sleep_until(measure_from.into()).await;
            (stats::cpu_seconds(&pids), MachineTime::now())
        })
    };
    let mut total = Recorder::default();
    for worker in workers {
        match worker.await {
            Ok(recorder) => total.merge(&recorder),
            Err(error) => total.failure(|| format!("worker failed: {error}")),
        }
    }
    let seconds = measure_from.elapsed().as_secs_f64().max(f64::MIN_POSITIVE);
    let (cpu_before, machine_before) = cpu_at_start.await.unwrap_or((None, None));
    let server_cpu_seconds = match (cpu_before, config.server_pids.is_empty()) {
        (Some(before), false) => {
            stats::cpu_seconds(&config.server_pids).map(|after| after - before)
        }
        _ => None,
    };
    let machine_steal_percent = machine_before
        .zip(MachineTime::now())
        .and_then(|(before, after)| after.steal_percent_since(&before));
    let payload_bytes =
        config.payloads.iter().map(|p| p.text.len()).sum::<usize>() / config.payloads.len();
    Ok(Report {
        rpc: config.rpc,
        batch: config.batch,
        model: config.model.clone(),
        payload_bytes,
        concurrency: config.concurrency,
        connections: config.connections,
        rate: config.rate,
        target: config.target.clone(),
        seconds,
        requests: total.ok,
        errors: total.errors,
        requests_per_second: total.ok as f64 / seconds,
        documents_per_second: (total.ok * config.batch as u64) as f64 / seconds,
        p50_ms: total.quantile_ms(0.50),
        p90_ms: total.quantile_ms(0.90),
        p99_ms: total.quantile_ms(0.99),
        max_ms: total.max_ms(),
        server_cpu_seconds,
        requests_per_cpu_second: server_cpu_seconds
            .filter(|cpu| *cpu > 0.0)
            .map(|cpu| total.ok as f64 / cpu),
        machine_steal_percent,
        first_error: total.first_error,
    })
}

/// The server's default topic model, from `GetModelInfo`.
async fn default_topic_model(channel: &Channel) -> Result<String, LoadError> {
    let mut client =
        crate::pb::document_service_client::DocumentServiceClient::new(channel.clone());
    let info = client
        .get_model_info(crate::pb::GetModelInfoRequest {})
        .await
        .map_err(|status| LoadError::Invalid(format!("GetModelInfo failed: {status}")))?;
    Ok(info.into_inner().default_topic_model)
}

/// Polls `grpc.health.v1.Health/Check` (overall server status) at `addr` until it answers
/// SERVING and returns how long that took, or fails after `timeout`. Each attempt is bounded
/// by the time left, so a listener that accepts connections but never answers (not a gRPC
/// server) cannot hold it past `timeout`.
pub async fn wait_serving(addr: SocketAddr, timeout: Duration) -> Result<Duration, LoadError> {
    use tonic_health::pb::{health_check_response::ServingStatus, health_client::HealthClient};
    let started = Instant::now();
    let deadline = started + timeout;
    let mut last = String::from("no answer");
    while Instant::now() < deadline {
        let attempt = async {
            let channel = connect(addr).await.map_err(|error| error.to_string())?;
            let request = tonic_health::pb::HealthCheckRequest::default();
            match HealthClient::new(channel).check(request).await {
                Ok(answer) if answer.get_ref().status == ServingStatus::Serving as i32 => Ok(()),
                Ok(answer) => Err(format!("status {}", answer.get_ref().status)),
                Err(status) => Err(status.to_string()),
            }
        };
        match tokio::time::timeout_at(deadline.into(), attempt).await {
            Ok(Ok(())) => return Ok(started.elapsed()),
            Ok(Err(error)) => last = error,
            Err(_) => last = String::from("no answer within the time left"),
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    Err(LoadError::NotServing {
        addr,
        timeout,
        last,
    })
}

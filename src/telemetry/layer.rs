//! The tower layer that accounts for every gRPC request: it opens a `request` span (RPC,
//! request id, model, status, latency), keeps the in-flight gauge, and when the answer's
//! `grpc-status` is known (in the response headers for a trailers-only answer, else in the
//! trailers at the end of the body) counts the request by code and records its latency.
//!
//! A request whose body is dropped before it ends (the client went away) counts as
//! CANCELLED.
//!
//! The `request finished` line is logged at DEBUG for a request that succeeded, INFO for one
//! that failed on the caller's side and WARN for a server error (as tower-http's trace layer
//! does): at thousands of requests a second, formatting and writing a line per success costs
//! about a tenth of a request's CPU time, and the metrics already count them.
//!
//! For the same reason the span of a unary request whose handler logs nothing itself (every
//! RPC of `DocumentService`, of the Open Inference Protocol's `GRPCInferenceService` and the
//! health check) is opened only when its line is written:
//! at the default level, a successful request then opens no span at all (opening, entering
//! and closing one is a visible share of a small Classify's instructions). Streaming RPCs,
//! the other services' RPCs (whose handlers log, e.g. model reloads), `--log-text` and any
//! DEBUG directive open the span when the request arrives, so that every line written
//! during the request is inside it.
//!
//! RPC names come from the served protos' descriptors, so a client sending arbitrary paths
//! cannot grow the label set: unknown paths are counted as `unknown`. Every series also
//! carries the RPC's `protocol` (`docclass`, `open_inference_v2`, or `grpc` for health and
//! reflection).

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::Instant;

use http::{HeaderMap, HeaderValue, Request, Response};
use http_body::{Body, Frame, SizeHint};
use prost::Message;
use tower::{Layer, Service};
use tracing::Instrument;

use super::{REQUESTS_IN_FLIGHT, REQUESTS_TOTAL, REQUEST_DURATION};

/// Per-request settings the layer hands to the handlers (in the request's extensions).
#[derive(Debug, Clone, Copy)]
pub struct RequestContext {
    /// Whether document text may be written to the logs (`--log-text`).
    pub log_text: bool,
}

/// Layer that wraps every gRPC service with [`Telemetry`].
#[derive(Debug, Clone)]
pub struct TelemetryLayer {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    /// The label of every served RPC by its path, `/package.Service/Method`.
    methods: HashMap<String, Arc<Rpc>>,
    /// The label of every other path.
    unknown: Arc<Rpc>,
    log_text: bool,
}

/// Services whose unary handlers write no log line of their own: the span of such a request
/// can wait until its `request finished` line (see the module documentation).
const QUIET_SERVICES: [&str; 3] = [
    "docclass.v1.DocumentService",
    "inference.GRPCInferenceService",
    "grpc.health.v1.Health",
];

/// The `protocol` label of a service's requests: docclass's own API, the Open Inference
/// Protocol (KServe v2), or the standard gRPC services (health, reflection).
fn protocol(service: &str) -> &'static str {
    if service.starts_with("docclass.") {
        "docclass"
    } else if service.starts_with("inference.") {
        "open_inference_v2"
    } else if service.starts_with("grpc.") {
        "grpc"
    } else {
        "unknown"
    }
}

/// How one RPC is labelled in metrics and logs, and its metric handles; built once per
/// server and shared by its requests.
#[derive(Debug)]
struct Rpc {
    protocol: &'static str,
    service: Arc<str>,
    method: Arc<str>,
    /// `service/method`, as logged.
    name: Arc<str>,
    /// Whether lines may be written while a request runs (streaming RPCs, and RPCs of
    /// services outside [`QUIET_SERVICES`]): its span is opened when it arrives.
    logs_while_running: bool,
    /// Registered on the RPC's first request, when the recorder (if any) is installed, so a
    /// request updates its series without building and looking up their keys.
    metrics: OnceLock<RpcMetrics>,
}

/// The series of one RPC that every request updates.
#[derive(Debug)]
struct RpcMetrics {
    in_flight: metrics::Gauge,
    duration: metrics::Histogram,
    /// Requests finished with `OK`; other codes are rarer and registered when they occur.
    finished_ok: metrics::Counter,
}

impl Rpc {
    fn new(service: &str, method: &str, streaming: bool) -> Self {
        Self {
            protocol: protocol(service),
            service: service.into(),
            method: method.into(),
            name: format!("{service}/{method}").into(),
            logs_while_running: streaming || !QUIET_SERVICES.contains(&service),
            metrics: OnceLock::new(),
        }
    }

    /// The span of one request to this RPC (`model` and `text` are recorded later).
    fn span(&self, request_id: &str) -> tracing::Span {
        tracing::info_span!(
            "request",
            rpc = %self.name,
            request_id = %request_id,
            model = tracing::field::Empty,
            text = tracing::field::Empty,
        )
    }

    fn metrics(&self) -> &RpcMetrics {
        self.metrics.get_or_init(|| RpcMetrics {
            in_flight: metrics::gauge!(REQUESTS_IN_FLIGHT, self.labels()),
            duration: metrics::histogram!(REQUEST_DURATION, self.labels()),
            finished_ok: self.finished(tonic::Code::Ok),
        })
    }

    /// The counter of this RPC's requests finished with `code`.
    fn finished(&self, code: tonic::Code) -> metrics::Counter {
        let mut labels = self.labels();
        labels.push(metrics::Label::new("code", code_name(code)));
        metrics::counter!(REQUESTS_TOTAL, labels)
    }

    fn labels(&self) -> Vec<metrics::Label> {
        vec![
            metrics::Label::new("protocol", self.protocol),
            metrics::Label::new(
                "service",
                metrics::SharedString::from(Arc::clone(&self.service)),
            ),
            metrics::Label::new(
                "method",
                metrics::SharedString::from(Arc::clone(&self.method)),
            ),
        ]
    }
}

impl TelemetryLayer {
    /// Accounting for the RPCs of docclass, health and reflection; `log_text` allows
    /// handlers to log document text.
    pub fn new(log_text: bool) -> Self {
        let sets: [&[u8]; 4] = [
            crate::pb::FILE_DESCRIPTOR_SET,
            tonic_health::pb::FILE_DESCRIPTOR_SET,
            tonic_reflection::pb::v1::FILE_DESCRIPTOR_SET,
            tonic_reflection::pb::v1alpha::FILE_DESCRIPTOR_SET,
        ];
        let mut methods = HashMap::new();
        for bytes in sets {
            // The sets are compiled in; one that does not decode only loses its names.
            let Ok(set) = prost_types::FileDescriptorSet::decode(bytes) else {
                continue;
            };
            for file in &set.file {
                for service in &file.service {
                    for method in &service.method {
                        let service = format!("{}.{}", file.package(), service.name());
                        let streaming = method.client_streaming() || method.server_streaming();
                        methods.insert(
                            format!("/{service}/{}", method.name()),
                            Arc::new(Rpc::new(&service, method.name(), streaming)),
                        );
                    }
                }
            }
        }
        Self {
            shared: Arc::new(Shared {
                methods,
                unknown: Arc::new(Rpc::new("unknown", "unknown", false)),
                log_text,
            }),
        }
    }
}

impl<S> Layer<S> for TelemetryLayer {
    type Service = Telemetry<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Telemetry {
            inner,
            shared: Arc::clone(&self.shared),
        }
    }
}

/// Counts, times and logs each request to the wrapped service.
#[derive(Debug, Clone)]
pub struct Telemetry<S> {
    inner: S,
    shared: Arc<Shared>,
}

impl<S, B> Service<Request<B>> for Telemetry<S>
where
    S: Service<Request<B>, Response = Response<tonic::body::Body>>,
    S::Future: Send + 'static,
{
    type Response = Response<tonic::body::Body>;
    type Error = S::Error;
    type Future = TelemetryFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<B>) -> Self::Future {
        let rpc = self
            .shared
            .methods
            .get(request.uri().path())
            .map_or_else(|| Arc::clone(&self.shared.unknown), Arc::clone);
        let request_id = request
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .filter(|id| !id.is_empty() && id.len() <= 128)
            .map_or_else(new_request_id, str::to_string);
        request.extensions_mut().insert(RequestContext {
            log_text: self.shared.log_text,
        });
        let open_now = rpc.logs_while_running
            || self.shared.log_text
            || tracing::level_filters::LevelFilter::current() >= tracing::Level::DEBUG;
        let span = if open_now {
            rpc.span(&request_id)
        } else {
            tracing::Span::none()
        };
        let outcome = Outcome::start(rpc, span.clone(), request_id);
        let inner = span.in_scope(|| self.inner.call(request));
        TelemetryFuture {
            inner: Box::pin(inner.instrument(span)),
            outcome: Some(outcome),
        }
    }
}

/// A request id for requests that bring none: process start time and a counter, in hex.
fn new_request_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    static EPOCH: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    let epoch = EPOCH.get_or_init(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    });
    format!("{epoch:x}-{:x}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// The response future of [`Telemetry`].
pub struct TelemetryFuture<F> {
    inner: Pin<Box<tracing::instrument::Instrumented<F>>>,
    outcome: Option<Outcome>,
}

impl<F, E> Future for TelemetryFuture<F>
where
    F: Future<Output = Result<Response<tonic::body::Body>, E>>,
{
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let result = std::task::ready!(self.inner.as_mut().poll(cx));
        let Some(outcome) = self.outcome.take() else {
            return Poll::Ready(result);
        };
        Poll::Ready(match result {
            Ok(response) => {
                let (mut parts, body) = response.into_parts();
                if let Ok(mut value) = HeaderValue::from_str(&outcome.request_id) {
                    // Unique per response: as "never indexed", HPACK sends it literally
                    // instead of churning the connection's header table with it.
                    value.set_sensitive(true);
                    parts.headers.insert("x-request-id", value);
                }
                let body = match grpc_status(&parts.headers) {
                    Some(code) => {
                        outcome.finish(code);
                        body
                    }
                    None => tonic::body::Body::new(TelemetryBody {
                        inner: body,
                        outcome: Some(outcome),
                    }),
                };
                Ok(Response::from_parts(parts, body))
            }
            Err(error) => {
                outcome.finish(tonic::Code::Unknown);
                Err(error)
            }
        })
    }
}

fn grpc_status(headers: &HeaderMap) -> Option<tonic::Code> {
    headers
        .get("grpc-status")
        .map(|v| tonic::Code::from_bytes(v.as_bytes()))
}

/// A response body that records the request's outcome when its trailers arrive.
struct TelemetryBody {
    inner: tonic::body::Body,
    outcome: Option<Outcome>,
}

impl Body for TelemetryBody {
    type Data = <tonic::body::Body as Body>::Data;
    type Error = <tonic::body::Body as Body>::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let span = self.outcome.as_ref().map(|o| o.span.clone());
        let _entered = span.as_ref().map(tracing::Span::enter);
        let frame = std::task::ready!(Pin::new(&mut self.inner).poll_frame(cx));
        let code = match &frame {
            Some(Ok(frame)) => frame.trailers_ref().map(grpc_status),
            Some(Err(_)) => Some(Some(tonic::Code::Unknown)),
            None => Some(None),
        };
        if let Some(code) = code {
            if let Some(outcome) = self.outcome.take() {
                outcome.finish(code.unwrap_or(tonic::Code::Unknown));
            }
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// One request being accounted for; finishing (or dropping) it records the outcome once.
struct Outcome {
    rpc: Arc<Rpc>,
    started: Instant,
    /// The request's span, or none while it has not been opened (see the module
    /// documentation).
    span: tracing::Span,
    request_id: String,
    done: bool,
}

impl Outcome {
    fn start(rpc: Arc<Rpc>, span: tracing::Span, request_id: String) -> Self {
        rpc.metrics().in_flight.increment(1.0);
        Self {
            rpc,
            started: Instant::now(),
            span,
            request_id,
            done: false,
        }
    }

    /// The request's span, opened now if it was not yet and a line of `level` would be
    /// written.
    fn span_for(&self, level: tracing::Level) -> tracing::Span {
        if !self.span.is_none() {
            return self.span.clone();
        }
        let enabled = match level {
            tracing::Level::WARN => tracing::enabled!(tracing::Level::WARN),
            tracing::Level::INFO => tracing::enabled!(tracing::Level::INFO),
            _ => tracing::enabled!(tracing::Level::DEBUG),
        };
        if enabled {
            self.rpc.span(&self.request_id)
        } else {
            tracing::Span::none()
        }
    }

    fn finish(mut self, code: tonic::Code) {
        self.record(code);
    }

    fn record(&mut self, code: tonic::Code) {
        if std::mem::replace(&mut self.done, true) {
            return;
        }
        let seconds = self.started.elapsed().as_secs_f64();
        let series = self.rpc.metrics();
        series.in_flight.decrement(1.0);
        series.duration.record(seconds);
        match code {
            tonic::Code::Ok => series.finished_ok.increment(1),
            _ => self.rpc.finished(code).increment(1),
        }
        let latency_ms = seconds * 1000.0;
        let status = code_name(code);
        let level = match code {
            tonic::Code::Unknown | tonic::Code::Internal | tonic::Code::DataLoss => {
                tracing::Level::WARN
            }
            tonic::Code::Ok => tracing::Level::DEBUG,
            _ => tracing::Level::INFO,
        };
        self.span_for(level).in_scope(|| match level {
            tracing::Level::WARN => tracing::warn!(status, latency_ms, "request finished"),
            tracing::Level::INFO => tracing::info!(status, latency_ms, "request finished"),
            _ => tracing::debug!(status, latency_ms, "request finished"),
        });
    }
}

impl Drop for Outcome {
    fn drop(&mut self) {
        self.record(tonic::Code::Cancelled);
    }
}

/// The canonical upper-case name of a gRPC status code.
pub fn code_name(code: tonic::Code) -> &'static str {
    use tonic::Code;
    match code {
        Code::Ok => "OK",
        Code::Cancelled => "CANCELLED",
        Code::Unknown => "UNKNOWN",
        Code::InvalidArgument => "INVALID_ARGUMENT",
        Code::DeadlineExceeded => "DEADLINE_EXCEEDED",
        Code::NotFound => "NOT_FOUND",
        Code::AlreadyExists => "ALREADY_EXISTS",
        Code::PermissionDenied => "PERMISSION_DENIED",
        Code::ResourceExhausted => "RESOURCE_EXHAUSTED",
        Code::FailedPrecondition => "FAILED_PRECONDITION",
        Code::Aborted => "ABORTED",
        Code::OutOfRange => "OUT_OF_RANGE",
        Code::Unimplemented => "UNIMPLEMENTED",
        Code::Internal => "INTERNAL",
        Code::Unavailable => "UNAVAILABLE",
        Code::DataLoss => "DATA_LOSS",
        Code::Unauthenticated => "UNAUTHENTICATED",
    }
}

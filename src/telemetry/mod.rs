//! What an operator sees of a running server: Prometheus metrics on a separate HTTP port,
//! and logs with one span per request (for quiet unary RPCs, opened only when a line is
//! written).
//!
//! The per-RPC accounting (request counts by code, latency, requests in flight, the request
//! span) is a tower layer around every gRPC service ([`layer`]), so handlers stay free of
//! it. Metrics go through the `metrics` facade: without an installed recorder (the binary
//! installs one only with `--metrics-addr`) every call is a no-op. The Prometheus text is
//! served by [`exporter`].

pub mod exporter;
pub mod layer;
mod logging;
mod predictions;

use std::borrow::Cow;

pub use exporter::{install_recorder, serve_metrics, ExporterError};
pub use layer::{RequestContext, TelemetryLayer};
pub use logging::{init_logging, LogFormat, LogGuard};
pub use predictions::PredictionCounters;

/// Counter: finished requests by `protocol` (`docclass`, `open_inference_v2`, `grpc`),
/// `service`, `method` and gRPC `code`.
pub const REQUESTS_TOTAL: &str = "docclass_requests_total";
/// Histogram: request latency in seconds by `protocol`, `service` and `method` (a stream's
/// whole life).
pub const REQUEST_DURATION: &str = "docclass_request_duration_seconds";
/// Gauge: requests started and not yet finished, by `protocol`, `service` and `method`.
pub const REQUESTS_IN_FLIGHT: &str = "docclass_requests_in_flight";
/// Counter: classifier answers by `model`, `task` and predicted `label`.
pub const PREDICTIONS_TOTAL: &str = "docclass_predictions_total";
/// Gauge (always 1): one series per loaded model with `name`, `version` and `task`.
pub const MODEL_INFO: &str = "docclass_model_info";
/// Counter: failed accepts by `kind` (`emfile`, `enfile`, `nomem`: out of a resource, the
/// accept loop pauses; `other`: one connection failed before it was accepted).
pub const ACCEPT_ERRORS_TOTAL: &str = "docclass_accept_errors_total";

/// Longest document text written to a log line with `--log-text`, in bytes.
const LOGGED_TEXT_BYTES: usize = 4096;

/// Records on the current request span which model(s) answered (`models` is only called
/// when the request has an open span).
pub fn record_model(models: impl FnOnce() -> String) {
    let span = tracing::Span::current();
    if !span.is_none() {
        span.record("model", models());
    }
}

/// Records the beginning of the document text on the current request span, only when the
/// server was started with `--log-text`.
pub fn record_text(context: Option<&RequestContext>, text: &str) {
    if context.is_some_and(|c| c.log_text) {
        tracing::Span::current().record("text", truncated(text, LOGGED_TEXT_BYTES).as_ref());
    }
}

fn truncated(text: &str, limit: usize) -> Cow<'_, str> {
    if text.len() <= limit {
        return Cow::Borrowed(text);
    }
    let mut end = limit;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    Cow::Owned(format!("{}…", &text[..end]))
}

#[cfg(test)]
mod tests {
    use super::truncated;

    #[test]
    fn truncation_keeps_whole_characters() {
        assert_eq!(truncated("héllo", 2), "h…");
        assert_eq!(truncated("héllo", 3), "hé…");
        assert_eq!(truncated("short", 10), "short");
    }
}

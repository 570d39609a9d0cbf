//! The Prometheus side: installs the process-wide `metrics` recorder and serves its text
//! format over plain HTTP (`GET /metrics`) on its own port, apart from the gRPC port, so
//! scrapers need neither HTTP/2 nor the service's credentials.
//!
//! `docclass_model_info` is written at scrape time from the model store, so it always shows
//! the models serving now, also after a reload.

use std::convert::Infallible;
use std::fmt::Write;
use std::future::Future;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tokio::net::TcpListener;

use super::{
    ACCEPT_ERRORS_TOTAL, MODEL_INFO, PREDICTIONS_TOTAL, REQUESTS_IN_FLIGHT, REQUESTS_TOTAL,
    REQUEST_DURATION,
};
use crate::model::ReloadableModelSet;

/// Latency histogram buckets, in seconds.
const LATENCY_BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Why the metrics recorder could not be installed.
#[derive(Debug, thiserror::Error)]
pub enum ExporterError {
    /// The Prometheus recorder rejected its settings.
    #[error("cannot build the Prometheus recorder: {0}")]
    Build(#[from] metrics_exporter_prometheus::BuildError),
    /// Another `metrics` recorder is installed in this process.
    #[error("another metrics recorder is already installed")]
    AlreadyInstalled,
}

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the Prometheus recorder for this process (once; later calls return the same
/// handle) and describes docclass' metrics.
pub fn install_recorder() -> Result<PrometheusHandle, ExporterError> {
    if let Some(handle) = HANDLE.get() {
        return Ok(handle.clone());
    }
    let recorder = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Full(REQUEST_DURATION.into()), &LATENCY_BUCKETS)?
        .build_recorder();
    let handle = recorder.handle();
    metrics::set_global_recorder(recorder).map_err(|_| ExporterError::AlreadyInstalled)?;
    metrics::describe_counter!(
        REQUESTS_TOTAL,
        "Finished gRPC requests by service, method and status code."
    );
    metrics::describe_histogram!(
        REQUEST_DURATION,
        metrics::Unit::Seconds,
        "gRPC request latency (a stream's whole life) by service and method."
    );
    metrics::describe_gauge!(REQUESTS_IN_FLIGHT, "gRPC requests started, not finished.");
    metrics::describe_counter!(
        PREDICTIONS_TOTAL,
        "Classifier answers by model, task and predicted label."
    );
    metrics::describe_counter!(
        ACCEPT_ERRORS_TOTAL,
        "Failed accepts of gRPC connections by kind (emfile, enfile, nomem: accepting paused)."
    );
    Ok(HANDLE.get_or_init(|| handle).clone())
}

/// Serves `GET /metrics` on `listener` until `shutdown` completes.
pub async fn serve_metrics(
    listener: TcpListener,
    handle: PrometheusHandle,
    store: Arc<ReloadableModelSet>,
    shutdown: impl Future<Output = ()> + Send,
) {
    let upkeep = {
        let handle = handle.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(5));
            loop {
                tick.tick().await;
                handle.run_upkeep();
            }
        })
    };
    let accept = async {
        loop {
            let (stream, _) = match listener.accept().await {
                Ok(accepted) => accepted,
                Err(error) => {
                    tracing::warn!(%error, "metrics endpoint: accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            let (handle, store) = (handle.clone(), Arc::clone(&store));
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |request| {
                    let answer = respond(&request, &handle, &store);
                    async move { Ok::<_, Infallible>(answer) }
                });
                if let Err(error) = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await
                {
                    tracing::debug!(%error, "metrics endpoint: connection failed");
                }
            });
        }
    };
    tokio::select! {
        () = accept => {},
        () = shutdown => {},
    }
    upkeep.abort();
}

fn respond<B>(
    request: &Request<B>,
    handle: &PrometheusHandle,
    store: &ReloadableModelSet,
) -> Response<Full<Bytes>> {
    let (status, content_type, body) = match (request.method(), request.uri().path()) {
        (&hyper::Method::GET, "/metrics") => {
            let mut text = handle.render();
            text.push_str(&model_info(store));
            (
                StatusCode::OK,
                "text/plain; version=0.0.4; charset=utf-8",
                text,
            )
        }
        (_, "/metrics") => (
            StatusCode::METHOD_NOT_ALLOWED,
            "text/plain",
            "use GET\n".to_string(),
        ),
        _ => (
            StatusCode::NOT_FOUND,
            "text/plain",
            "metrics are at /metrics\n".to_string(),
        ),
    };
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static(content_type),
    );
    response
}

/// `docclass_model_info` in the Prometheus text format, one series per loaded model.
fn model_info(store: &ReloadableModelSet) -> String {
    let mut out = format!(
        "# HELP {MODEL_INFO} Loaded models (value always 1) by name, version and task.\n\
         # TYPE {MODEL_INFO} gauge\n"
    );
    for model in store.snapshot().models() {
        let metadata = model.classifier.metadata();
        let _ = writeln!(
            out,
            "{MODEL_INFO}{{name=\"{}\",version=\"{}\",task=\"{}\"}} 1",
            escape(&metadata.name),
            escape(&model.version),
            metadata.task
        );
    }
    out
}

/// A label value escaped as the Prometheus text format requires.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}

//! The Prometheus endpoint: starts the real server with the shipped models and the metrics
//! endpoint on ephemeral ports, makes gRPC calls with the generated client, scrapes
//! `/metrics` over HTTP and checks that the counters moved, labelled by protocol.

mod common;

use std::sync::Arc;

use common::{example_articles, models_dir, TestServer};
use docclass::model::ReloadableModelSet;
use docclass::pb;
use docclass::telemetry;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// `GET path` over HTTP/1.1; returns (status line, body).
async fn http_get(addr: std::net::SocketAddr, path: &str) -> (String, String) {
    let mut stream = TcpStream::connect(addr).await.expect("connect to metrics");
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("send");
    let mut raw = String::new();
    stream.read_to_string(&mut raw).await.expect("read");
    let (head, body) = raw.split_once("\r\n\r\n").expect("HTTP response");
    (
        head.lines().next().unwrap_or("").to_string(),
        body.to_string(),
    )
}

/// The value of the series whose line starts with `series` (name and labels, exactly).
fn value(metrics: &str, series: &str) -> Option<f64> {
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(series)?.trim().parse().ok())
}

#[tokio::test]
async fn scraping_shows_requests_latency_models_and_predictions() {
    let handle = telemetry::install_recorder().expect("recorder");
    let store = Arc::new(ReloadableModelSet::open(&models_dir()).expect("models"));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let metrics_addr = listener.local_addr().expect("addr");
    tokio::spawn(telemetry::serve_metrics(
        listener,
        handle,
        Arc::clone(&store),
        std::future::pending(),
    ));
    let server = TestServer::start().await;
    let mut client = server.client().await;

    let (_, text) = &example_articles()[0];
    let ok = client
        .classify(pb::ClassifyRequest {
            text: text.clone(),
            ..Default::default()
        })
        .await
        .expect("classify");
    let topic = ok.get_ref().topic.clone().expect("topic");
    client
        .summarize(pb::SummarizeRequest {
            text: text.clone(),
            ..Default::default()
        })
        .await
        .expect("summarize");
    let mut v2 = common::v2::v2_client(&server).await;
    v2.model_infer(common::v2::infer(
        &topic.model,
        vec![common::v2::input("text", &[text.as_str()])],
    ))
    .await
    .expect("model infer");
    let empty = client
        .classify(pb::ClassifyRequest::default())
        .await
        .expect_err("empty text is rejected");
    assert_eq!(empty.code(), tonic::Code::InvalidArgument);
    assert!(
        ok.metadata().get("x-request-id").is_some(),
        "request id echoed"
    );

    let (status, body) = http_get(metrics_addr, "/metrics").await;
    assert!(status.contains("200"), "{status}");
    let classify = r#"protocol="docclass",service="docclass.v1.DocumentService",method="Classify""#;
    for (series, at_least) in [
        (format!("docclass_requests_total{{{classify},code=\"OK\"}}"), 1.0),
        (
            format!("docclass_requests_total{{{classify},code=\"INVALID_ARGUMENT\"}}"),
            1.0,
        ),
        (
            r#"docclass_requests_total{protocol="docclass",service="docclass.v1.DocumentService",method="Summarize",code="OK"}"#
                .to_string(),
            1.0,
        ),
        (format!("docclass_request_duration_seconds_count{{{classify}}}"), 2.0),
        (
            r#"docclass_requests_total{protocol="open_inference_v2",service="inference.GRPCInferenceService",method="ModelInfer",code="OK"}"#
                .to_string(),
            1.0,
        ),
        (
            format!(
                "docclass_predictions_total{{model=\"{}\",task=\"topic\",label=\"{}\"}}",
                topic.model, topic.label
            ),
            1.0,
        ),
    ] {
        let found = value(&body, &series).unwrap_or_else(|| panic!("{series} in\n{body}"));
        assert!(found >= at_least, "{series} = {found}, expected >= {at_least}");
    }
    assert_eq!(
        value(&body, &format!("docclass_requests_in_flight{{{classify}}}")),
        Some(0.0),
        "no request in flight after the calls returned"
    );
    assert!(body.contains("# TYPE docclass_request_duration_seconds histogram"));
    for model in store.snapshot().models() {
        let metadata = model.classifier.metadata();
        let series = format!(
            "docclass_model_info{{name=\"{}\",version=\"{}\",task=\"{}\"}}",
            metadata.name, model.version, metadata.task
        );
        assert_eq!(value(&body, &series), Some(1.0), "{series} in\n{body}");
    }

    let (status, _) = http_get(metrics_addr, "/nothing").await;
    assert!(status.contains("404"), "{status}");
    server.stop().await;
}

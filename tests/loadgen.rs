//! The load generator against the real server: it answers the bounded request count it was
//! asked for, with no errors, and a claim given with `target` reaches the stance model (an
//! answer without a stance would count as an error); waiting for SERVING ends at its timeout.

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use common::{shared_dir, TestServer};
use docclass::loadgen::{self, payload, LoadConfig, LoadError, Rpc};
use docclass::service::ServerConfig;

fn config(addr: SocketAddr, rpc: Rpc, target: Option<&str>) -> LoadConfig {
    let articles = shared_dir().join("data").join("bbc").join("test.jsonl");
    LoadConfig {
        addr,
        rpc,
        payloads: Arc::new(payload::load(&articles, 3_000, 8).expect("payloads")),
        concurrency: 2,
        connections: 1,
        duration: Duration::from_secs(60),
        warmup: Duration::ZERO,
        max_requests: Some(24),
        rate: None,
        stream_window: 4,
        target: target.map(str::to_string),
        batch: 1,
        model: None,
        max_message_bytes: ServerConfig::default().max_message_bytes,
        server_pids: Vec::new(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_reaches_the_stance_model_in_unary_and_stream_calls() {
    let server = TestServer::start().await;
    let claim = Some("The government will raise taxes to pay for public services");
    for rpc in [Rpc::Classify, Rpc::Stream] {
        let report = loadgen::run(&config(server.addr, rpc, claim))
            .await
            .expect("run");
        assert_eq!(report.errors, 0, "{rpc:?}: {:?}", report.first_error);
        assert_eq!(report.requests, 24, "{rpc:?}");
        assert_eq!(report.target.as_deref(), claim);
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn model_infer_answers_every_document_of_each_batch() {
    let server = TestServer::start().await;
    for batch in [1, 4] {
        let report = loadgen::run(&LoadConfig {
            batch,
            ..config(server.addr, Rpc::ModelInfer, None)
        })
        .await
        .expect("run");
        assert_eq!(report.errors, 0, "batch {batch}: {:?}", report.first_error);
        assert_eq!(report.requests, 24, "batch {batch}");
        assert_eq!(report.batch, batch);
        assert!(
            report.model.is_some(),
            "the default topic model was looked up"
        );
        assert!(report.documents_per_second > 0.0);
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_is_refused_for_rpcs_without_a_stance() {
    // Refused before connecting: nothing listens here, so a run that got past the check
    // would fail with a connection error instead.
    let nowhere = SocketAddr::from(([127, 0, 0, 1], 1));
    for (rpc, target) in [
        (Rpc::Summarize, "a claim"),
        (Rpc::Echo, "a claim"),
        (Rpc::Classify, "  "),
    ] {
        match loadgen::run(&config(nowhere, rpc, Some(target))).await {
            Err(LoadError::Invalid(message)) => assert!(message.contains("target"), "{message}"),
            other => panic!("{rpc:?} with target {target:?}: {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waiting_for_a_listener_that_never_answers_ends_at_the_timeout() {
    // Accepts connections (the kernel does, from the backlog) but never speaks HTTP/2.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = silent.local_addr().expect("addr");
    let waited = tokio::time::timeout(
        Duration::from_secs(60),
        loadgen::wait_serving(addr, Duration::from_millis(300)),
    )
    .await
    .expect("wait_serving returned instead of hanging");
    match waited {
        Err(LoadError::NotServing { .. }) => {}
        other => panic!("expected NotServing, got {other:?}"),
    }
    drop(silent);
}

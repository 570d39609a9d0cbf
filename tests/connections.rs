//! Connections that never become useful, and the end of the server: a connection that never
//! sends the HTTP/2 preface is closed after the handshake timeout, a shutdown lets in-flight
//! requests finish and then closes what is left within the grace period (in-process and
//! for the binary on SIGTERM), and the accept loop at the file-descriptor limit backs off,
//! logs once per interval, counts the failures and recovers.

mod common;

use std::time::{Duration, Instant};

use common::raw_h2::RawConnection;
use common::{example_articles, ServedBinary, TestServer};
use docclass::pb;
use docclass::service::{ServerConfig, ACCEPT_BACKOFF_MIN};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Reads `stream` until the server closes it; `false` if it is still open after `limit`.
async fn closed_within(stream: &mut TcpStream, limit: Duration) -> bool {
    let mut buffer = [0u8; 1024];
    tokio::time::timeout(limit, async {
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await
    .is_ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_without_the_preface_is_closed_after_the_handshake_timeout() {
    let server = TestServer::start_with(ServerConfig {
        handshake_timeout: Duration::from_millis(300),
        ..ServerConfig::default()
    })
    .await;
    let mut silent = TcpStream::connect(server.addr).await.expect("connect");
    let mut partial = TcpStream::connect(server.addr).await.expect("connect");
    partial.write_all(b"PRI * HTTP/2.0").await.expect("part");
    let mut client = RawConnection::connect(server.addr, 1 << 20).await;
    assert!(
        closed_within(&mut silent, Duration::from_secs(10)).await,
        "a silent connection is closed"
    );
    assert!(
        closed_within(&mut partial, Duration::from_secs(10)).await,
        "a connection with part of the preface is closed"
    );
    // A connection that completed its handshake stays open, idle, past the timeout.
    tokio::time::sleep(Duration::from_millis(600)).await;
    client
        .round_trip()
        .await
        .expect("the handshaken connection is open");
    assert!(!client.done.is_finished());
}

/// A server with a short grace period, a request in flight on it when the shutdown signal
/// comes, a stream held open and a silent connection: the request is answered, and the
/// server stops soon after the grace period however long the others would wait.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_finishes_in_flight_requests_then_closes_the_rest_within_the_grace() {
    let grace = Duration::from_secs(1);
    let server = TestServer::start_with(ServerConfig {
        shutdown_grace: grace,
        workers: 1,
        inline_max_bytes: 0,
        ..ServerConfig::default()
    })
    .await;
    let _silent = TcpStream::connect(server.addr).await.expect("connect");
    let mut held = server.client().await;
    let (_keep_open, requests) = tokio::sync::mpsc::channel::<pb::ClassifyRequest>(1);
    let _stream = held
        .classify_stream(tokio_stream::wrappers::ReceiverStream::new(requests))
        .await
        .expect("stream opened");
    let mut client = server.client().await;
    let article = example_articles()[0].1.repeat(10);
    let in_flight = tokio::spawn(async move {
        client
            .classify(pb::ClassifyRequest {
                text: article,
                ..Default::default()
            })
            .await
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    let stopping = Instant::now();
    tokio::time::timeout(Duration::from_secs(15), server.stop())
        .await
        .expect("the server stops although a stream is held open and a connection is silent");
    let took = stopping.elapsed();
    assert!(
        took >= grace,
        "stopped after {took:?}, before the grace period ended"
    );
    in_flight
        .await
        .expect("task")
        .expect("the request in flight is answered");
}

/// The binary on SIGTERM, with a silent connection and a held stream: it exits cleanly after
/// `--shutdown-grace`, not when the clients let go.
#[test]
fn the_binary_exits_on_sigterm_within_the_grace_period() {
    let mut served = ServedBinary::start(&["--shutdown-grace", "1s"], None);
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let addr = served.addr;
    let (_silent, _held, _keep_open) = runtime.block_on(async move {
        let silent = TcpStream::connect(addr).await.expect("connect");
        let mut client =
            pb::document_service_client::DocumentServiceClient::connect(format!("http://{addr}"))
                .await
                .expect("connect");
        let (keep_open, requests) = tokio::sync::mpsc::channel::<pb::ClassifyRequest>(1);
        let held = client
            .classify_stream(tokio_stream::wrappers::ReceiverStream::new(requests))
            .await
            .expect("stream opened");
        (silent, held, keep_open)
    });
    served.terminate();
    let status = served
        .wait_exit(Duration::from_secs(15))
        .expect("exits although a connection is silent and a stream is held");
    assert!(status.success(), "exit status {status}");
    let closing = served.logged().into_iter().any(|line| {
        line["fields"]["message"]
            == "shutdown grace period over: closing the connections still open"
    });
    assert!(closing, "the forced close is logged");
}

/// Sends `GET /metrics` and returns the body.
async fn scrape(addr: std::net::SocketAddr) -> String {
    let mut stream = TcpStream::connect(addr).await.expect("connect to metrics");
    let request = format!("GET /metrics HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("send");
    let mut raw = String::new();
    stream.read_to_string(&mut raw).await.expect("read");
    raw.split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default()
}

/// The sum of every series of `name` in Prometheus text.
fn total(metrics: &str, name: &str) -> f64 {
    metrics
        .lines()
        .filter(|l| l.starts_with(name) && !l.starts_with('#'))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// The case: under `ulimit -n 64`, 80 idle connections fill the descriptor table.
/// With the back-off, the failed accepts over the observed window are bounded by the
/// back-off schedule (a spinning loop fails millions of times), they are logged at most once
/// per 10 s, and once the connections close the server accepts and answers again.
#[test]
fn the_accept_loop_backs_off_at_the_descriptor_limit_and_recovers() {
    let metrics_port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port");
    let metrics_flag = metrics_port.to_string();
    let served = ServedBinary::start(&["--metrics-addr", &metrics_flag], Some(64));
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let addr = served.addr;
    let watched = Duration::from_secs(3);
    runtime.block_on(async move {
        let mut idle = Vec::new();
        for _ in 0..80 {
            idle.push(
                TcpStream::connect(addr)
                    .await
                    .expect("connect (queued by the kernel)"),
            );
        }
        tokio::time::sleep(watched).await;
        drop(idle);
        tokio::time::sleep(Duration::from_millis(500)).await;
    });
    let metrics = runtime.block_on(scrape(metrics_port));
    let failures = total(&metrics, "docclass_accept_errors_total{kind=\"emfile\"}");
    // Doubling pauses from ACCEPT_BACKOFF_MIN: at most log2(window / min) + a few attempts
    // before they reach the cap, then one per second.
    let bound = (watched.as_millis() / ACCEPT_BACKOFF_MIN.as_millis()) as f64;
    assert!(
        failures >= 1.0,
        "the descriptor limit was reached:\n{metrics}"
    );
    assert!(
        failures <= bound,
        "{failures} failed accepts in {watched:?}: the loop spins"
    );
    let logged = served
        .logged()
        .into_iter()
        .filter(|line| {
            line["fields"]["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("cannot accept connections"))
        })
        .count();
    assert!(
        (1..=2).contains(&logged),
        "{logged} log lines about failed accepts"
    );
    runtime.block_on(async move {
        let mut client =
            pb::document_service_client::DocumentServiceClient::connect(format!("http://{addr}"))
                .await
                .expect("accepts again");
        client
            .classify(pb::ClassifyRequest {
                text: "rates rise".into(),
                ..Default::default()
            })
            .await
            .expect("answers again");
    });
}

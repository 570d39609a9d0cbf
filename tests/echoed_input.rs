//! Client-supplied names and ids in errors: over the contract's limits they are refused with
//! INVALID_ARGUMENT, and wherever an error repeats one it repeats a bounded prefix, so an
//! error's `grpc-message` stays small however large the request.

mod common;

use common::TestServer;
use docclass::pb;
use docclass::service::{ECHO_MAX_BYTES, MAX_ID_BYTES, MAX_MODEL_NAME_BYTES};
use futures::StreamExt;
use tonic::Code;

/// Longest error message any case below may produce.
const MESSAGE_BOUND: usize = 400;

fn request(text: &str) -> pb::ClassifyRequest {
    pb::ClassifyRequest {
        text: text.into(),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_and_ids_are_bounded_and_echoed_as_a_short_prefix() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    let huge = "m".repeat(1_000_000);
    let over = "n".repeat(MAX_MODEL_NAME_BYTES + 1);
    let unknown = "u".repeat(MAX_MODEL_NAME_BYTES);
    let cases = [
        (
            "1,000,000-byte stance_model",
            pb::ClassifyRequest {
                stance_model: huge.clone(),
                ..request("rates rise")
            },
            Code::InvalidArgument,
            "stance_model is 1000000 bytes, over the limit of 255 bytes".to_string(),
        ),
        (
            "topic_model one byte over",
            pb::ClassifyRequest {
                topic_model: over,
                ..request("rates rise")
            },
            Code::InvalidArgument,
            "topic_model is 256 bytes".to_string(),
        ),
        (
            "unknown name at the limit",
            pb::ClassifyRequest {
                topic_model: unknown.clone(),
                ..request("rates rise")
            },
            Code::NotFound,
            format!("{:?}… (255 bytes)", &unknown[..ECHO_MAX_BYTES]),
        ),
        (
            "id over the limit",
            pb::ClassifyRequest {
                id: "i".repeat(MAX_ID_BYTES + 1),
                ..request("rates rise")
            },
            Code::InvalidArgument,
            "id is 1025 bytes, over the limit of 1024 bytes".to_string(),
        ),
    ];
    for (name, request, code, fragment) in cases {
        let status = client.classify(request).await.expect_err(name);
        assert_eq!(status.code(), code, "{name}: {status:?}");
        assert!(
            status.message().contains(&fragment),
            "{name}: {}",
            status.message()
        );
        assert!(
            status.message().len() < MESSAGE_BOUND,
            "{name}: {} bytes",
            status.message().len()
        );
    }

    // A bad request in a stream names its position and a prefix of its id.
    for id in ["d".repeat(MAX_ID_BYTES), "e".repeat(500_000)] {
        let requests = vec![
            request("fine"),
            pb::ClassifyRequest {
                id: id.clone(),
                ..request("\u{0}")
            },
        ];
        let mut answers = client
            .classify_stream(futures::stream::iter(requests))
            .await
            .expect("stream")
            .into_inner();
        assert!(answers.next().await.expect("first").is_ok());
        let status = answers.next().await.expect("second").expect_err("bad");
        assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
        let prefix = format!(
            "request 1 (id {:?}… ({} bytes))",
            &id[..ECHO_MAX_BYTES],
            id.len()
        );
        assert!(
            status.message().starts_with(&prefix),
            "{}",
            status.message()
        );
        assert!(
            status.message().len() < MESSAGE_BOUND,
            "{} bytes",
            status.message().len()
        );
    }
}

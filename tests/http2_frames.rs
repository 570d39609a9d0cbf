//! The server at the HTTP/2 frame level, with a raw client: a bulk stream of the smallest
//! requests, each in its own DATA frame, is answered in full even while the server cannot
//! send (so its requests pile up unread), a flood of 1-byte DATA frames is cut off with
//! GOAWAY ENHANCE_YOUR_CALM, framing faults of the client's are never INTERNAL (a unary call
//! without exactly one message is UNIMPLEMENTED), and a malformed `grpc-timeout` is refused.

mod common;

use common::raw_h2::{grpc_frame, read_answer, RawConnection};
use common::TestServer;
use docclass::pb;
use docclass::service::STREAM_WINDOW_BYTES;
use hyper::body::Bytes;
use prost::Message;
use std::time::Duration;

const CLASSIFY: &str = "/docclass.v1.DocumentService/Classify";
const CLASSIFY_STREAM: &str = "/docclass.v1.DocumentService/ClassifyStream";
/// gRPC codes.
const OK: i32 = 0;
const INVALID_ARGUMENT: i32 = 3;
const UNIMPLEMENTED: i32 = 12;

/// The smallest request the server answers: `text = "a"` (8 bytes with the gRPC prefix).
fn smallest_request() -> Vec<u8> {
    let request = pb::ClassifyRequest {
        text: "a".into(),
        ..Default::default()
    };
    grpc_frame(&request.encode_to_vec())
}

/// Bounds a step that must not hang.
async fn bounded<T>(what: &str, step: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(120), step)
        .await
        .unwrap_or_else(|_| panic!("{what} did not finish within 120 s"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_bulk_stream_of_the_smallest_requests_is_answered_in_full() {
    let server = TestServer::start().await;
    // The response window is shut: the server cannot answer, so after the first few it
    // stops reading, and every request after them waits unread in h2's buffer.
    let mut connection = RawConnection::connect(server.addr, 0).await;
    let (response, mut requests) = connection.call(CLASSIFY_STREAM, &[], false).await;
    let frame = smallest_request();
    let count = STREAM_WINDOW_BYTES as usize / frame.len();
    for _ in 0..count {
        requests
            .send_data(Bytes::from(frame.clone()), false)
            .expect("queue a request");
    }
    requests.send_data(Bytes::new(), true).expect("end");
    bounded("the PING after the requests", connection.round_trip())
        .await
        .expect("the server read all the frames and kept the connection");
    connection.open_windows();
    let answer = bounded("the answers", read_answer(response))
        .await
        .expect("the stream is answered, not cut off");
    assert_eq!(answer.code, OK, "{}", answer.message);
    assert_eq!(answer.messages.len(), count, "one answer per request");
    for message in &answer.messages {
        let response = pb::ClassifyResponse::decode(message.as_ref()).expect("a response");
        assert!(response.topic.is_some());
    }
    assert!(!connection.done.is_finished(), "the connection is open");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_one_byte_data_frames_is_cut_off() {
    let server = TestServer::start().await;
    let mut connection = RawConnection::connect(server.addr, 0).await;
    let (_response, mut requests) = connection.call(CLASSIFY_STREAM, &[], false).await;
    // One request, whose answer the server cannot send: from then on it reads no more.
    requests
        .send_data(Bytes::from(smallest_request()), false)
        .expect("a request");
    connection.round_trip().await.expect("read");
    tokio::time::sleep(Duration::from_millis(300)).await;
    // The flood: a prefix announcing a 1 MiB message, then its bytes, one per DATA frame,
    // a stream window's worth (all within flow control), in batches, each followed by a
    // PING, so that the client is reading, not writing, when the server closes the
    // connection, and reads its GOAWAY.
    let prefix = [0u8, 0, 0x10, 0, 0];
    let mut bytes = prefix.into_iter().chain(std::iter::repeat(0));
    'flood: for _ in 0..STREAM_WINDOW_BYTES / 1024 {
        for byte in bytes.by_ref().take(1024) {
            if requests.send_data(Bytes::from(vec![byte]), false).is_err() {
                break 'flood;
            }
        }
        if bounded("a PING", connection.round_trip()).await.is_err() {
            break;
        }
    }
    let ended = bounded("the connection's end", connection.done)
        .await
        .expect("connection task");
    let error = ended.expect_err("the server closes the connection");
    // The GOAWAY is read when the client is between batches; when the close meets the
    // client mid-write, the client sees the socket's end (broken pipe or reset) instead.
    let cut = error.get_io().is_some_and(|io| {
        matches!(
            io.kind(),
            std::io::ErrorKind::BrokenPipe | std::io::ErrorKind::ConnectionReset
        )
    });
    assert!(
        error.reason() == Some(h2::Reason::ENHANCE_YOUR_CALM) || cut,
        "closed for the flood: {error}"
    );
    // The server serves other connections as before.
    let mut client = server.client().await;
    client
        .classify(pb::ClassifyRequest {
            text: "rates rise".into(),
            ..Default::default()
        })
        .await
        .expect("served after the flood");
}

/// One unary or stream call with `body` as its whole request body; returns its answer.
async fn call_with_body(
    server: &TestServer,
    method: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> common::raw_h2::GrpcAnswer {
    let mut connection = RawConnection::connect(server.addr, 1 << 20).await;
    let (response, mut stream) = connection.call(method, headers, body.is_empty()).await;
    if !body.is_empty() {
        stream
            .send_data(Bytes::copy_from_slice(body), true)
            .expect("send body");
    }
    bounded("the answer", read_answer(response))
        .await
        .expect("an answer")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn framing_faults_of_the_client_are_never_internal() {
    let server = TestServer::start().await;
    let valid = smallest_request();
    let mut truncated = valid.clone();
    truncated[4] = 40; // the prefix announces 40 bytes, 3 follow
    let undecodable = grpc_frame(&[0xff, 0xff]);
    let stream_with = |bad: &[u8]| [valid.clone(), bad.to_vec()].concat();
    let cases: Vec<(&str, &str, Vec<u8>, i32, &str)> = vec![
        (
            "truncated message",
            CLASSIFY,
            truncated.clone(),
            INVALID_ARGUMENT,
            "truncated request",
        ),
        (
            "3-byte body",
            CLASSIFY,
            vec![0, 0, 0],
            INVALID_ARGUMENT,
            "truncated request",
        ),
        (
            "unary call without a message",
            CLASSIFY,
            Vec::new(),
            UNIMPLEMENTED,
            "exactly one request message",
        ),
        (
            "unary call with two messages",
            CLASSIFY,
            [valid.clone(), valid.clone()].concat(),
            UNIMPLEMENTED,
            "exactly one request message; this one has more",
        ),
        (
            "stream: truncated second message",
            CLASSIFY_STREAM,
            stream_with(&truncated),
            INVALID_ARGUMENT,
            "request 1: truncated request",
        ),
        (
            "stream: undecodable second message",
            CLASSIFY_STREAM,
            stream_with(&undecodable),
            INVALID_ARGUMENT,
            "request 1: failed to decode Protobuf message",
        ),
    ];
    for (name, method, body, code, fragment) in cases {
        let answer = call_with_body(&server, method, &[], &body).await;
        assert_eq!(answer.code, code, "{name}: {}", answer.message);
        assert!(
            answer.message.contains(fragment),
            "{name}: {:?} lacks {fragment:?}",
            answer.message
        );
        if method == CLASSIFY_STREAM {
            assert_eq!(
                answer.messages.len(),
                1,
                "{name}: the first request is answered"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_grpc_timeout_is_refused_and_a_valid_one_is_kept() {
    let server = TestServer::start().await;
    let body = smallest_request();
    for timeout in ["abc", "-5m", "1Z", "123456789S", "S", ""] {
        let answer = call_with_body(&server, CLASSIFY, &[("grpc-timeout", timeout)], &body).await;
        assert_eq!(
            answer.code, INVALID_ARGUMENT,
            "{timeout:?}: {}",
            answer.message
        );
        assert!(
            answer.message.contains("malformed grpc-timeout"),
            "{timeout:?}: {}",
            answer.message
        );
    }
    let answer = call_with_body(&server, CLASSIFY, &[("grpc-timeout", "5S")], &body).await;
    assert_eq!(answer.code, OK, "{}", answer.message);
    assert_eq!(answer.messages.len(), 1);
}

//! Bad input, limits, deadlines and overload against the real server, table-driven: every case
//! gets the right status code and a message naming the problem, and the server stays healthy.

mod common;

use std::time::Duration;

use common::{example_articles, TestServer};
use docclass::pb;
use docclass::service::{Limits, ServerConfig};
use futures::StreamExt;
use tonic::{Code, Request};

const MAX_DOCUMENT: usize = 64 * 1024;
const MAX_MESSAGE: usize = 1 << 20;

fn config() -> ServerConfig {
    ServerConfig {
        max_message_bytes: MAX_MESSAGE,
        limits: Limits {
            max_document_bytes: MAX_DOCUMENT,
        },
        ..ServerConfig::default()
    }
}

fn classify(text: &str) -> pb::ClassifyRequest {
    pb::ClassifyRequest {
        text: text.into(),
        ..Default::default()
    }
}

fn summarize(text: &str) -> pb::SummarizeRequest {
    pb::SummarizeRequest {
        text: text.into(),
        ..Default::default()
    }
}

/// What a case must produce: an error code with a message fragment, or a check on success.
enum Expect<T> {
    Error(Code, &'static str),
    Ok(fn(&T) -> bool),
}

fn check<T: std::fmt::Debug>(
    name: &str,
    result: Result<tonic::Response<T>, tonic::Status>,
    expect: Expect<T>,
) {
    match (result, expect) {
        (Err(status), Expect::Error(code, fragment)) => {
            assert_eq!(status.code(), code, "{name}: {status:?}");
            assert!(
                status.message().contains(fragment),
                "{name}: message {:?} lacks {fragment:?}",
                status.message()
            );
        }
        (Ok(response), Expect::Ok(accept)) => {
            assert!(
                accept(response.get_ref()),
                "{name}: unexpected answer {:?}",
                response.get_ref()
            )
        }
        (Ok(response), Expect::Error(code, _)) => {
            panic!("{name}: expected {code:?}, got {:?}", response.get_ref())
        }
        (Err(status), Expect::Ok(_)) => panic!("{name}: expected success, got {status:?}"),
    }
}

fn with_timeout<T>(message: T, timeout: &str) -> Request<T> {
    let mut request = Request::new(message);
    request
        .metadata_mut()
        .insert("grpc-timeout", timeout.parse().expect("ascii"));
    request
}

fn sentences(n: usize) -> String {
    const TOPICS: [&str; 10] = [
        "The central bank raised interest rates by half a point on Tuesday.",
        "Striker Wayne Rooney scored twice as United beat Arsenal at home.",
        "The new phone ships with a faster chip and a larger battery.",
        "Parliament voted to delay the election until the spring.",
        "The film took forty million dollars at the box office in its first week.",
        "Floods closed three motorways and cut power to thousands of homes.",
        "Oil prices fell after producers agreed to pump more crude.",
        "The museum will reopen next month after a two-year renovation.",
        "Doctors warned that the flu season could be the worst in a decade.",
        "Engineers finished testing the bridge ahead of schedule.",
    ];
    TOPICS
        .iter()
        .cycle()
        .take(n)
        .copied()
        .collect::<Vec<_>>()
        .join(" ")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn classify_cases() {
    let server = TestServer::start_with(config()).await;
    let mut client = server.client().await;
    let long = "word ".repeat(MAX_DOCUMENT / 5 + 1);
    let huge = "x".repeat(MAX_MESSAGE + 1);
    let article = example_articles()[0].1.clone();
    let cases: Vec<(
        &str,
        Request<pb::ClassifyRequest>,
        Expect<pb::ClassifyResponse>,
    )> = vec![
        (
            "empty text",
            Request::new(classify("")),
            Expect::Error(Code::InvalidArgument, "text is empty"),
        ),
        (
            "whitespace only",
            Request::new(classify(" \n\t\r ")),
            Expect::Error(Code::InvalidArgument, "text is empty"),
        ),
        (
            "NUL byte",
            Request::new(classify("abc\0def")),
            Expect::Error(Code::InvalidArgument, "U+0000"),
        ),
        (
            "bell control char",
            Request::new(classify("abc\u{7}def")),
            Expect::Error(Code::InvalidArgument, "U+0007"),
        ),
        (
            "escape control char",
            Request::new(classify("\u{1b}[31mred")),
            Expect::Error(Code::InvalidArgument, "control character"),
        ),
        (
            "text over the document limit",
            Request::new(classify(&long)),
            Expect::Error(Code::InvalidArgument, "over the limit of 65536 bytes"),
        ),
        (
            "title over the document limit",
            Request::new(pb::ClassifyRequest {
                title: long.clone(),
                ..classify("ok")
            }),
            Expect::Error(Code::InvalidArgument, "title is"),
        ),
        (
            "target over the document limit",
            Request::new(pb::ClassifyRequest {
                target: long.clone(),
                ..classify("ok")
            }),
            Expect::Error(Code::InvalidArgument, "target is"),
        ),
        (
            "message over the message limit",
            Request::new(classify(&huge)),
            Expect::Error(Code::ResourceExhausted, "too large"),
        ),
        (
            "unknown topic model",
            Request::new(pb::ClassifyRequest {
                topic_model: "nope".into(),
                ..classify("ok")
            }),
            Expect::Error(Code::NotFound, "no topic model named \"nope\""),
        ),
        (
            "unknown stance model",
            Request::new(pb::ClassifyRequest {
                stance_model: "nope".into(),
                ..classify("ok")
            }),
            Expect::Error(Code::NotFound, "no stance model named \"nope\""),
        ),
        (
            "stance model named as topic model",
            Request::new(pb::ClassifyRequest {
                topic_model: "semeval2016".into(),
                ..classify("ok")
            }),
            Expect::Error(Code::InvalidArgument, "not a topic model"),
        ),
        (
            "topic model named as stance model",
            Request::new(pb::ClassifyRequest {
                stance_model: "bbc".into(),
                ..classify("ok")
            }),
            Expect::Error(Code::InvalidArgument, "not a stance model"),
        ),
        (
            "top_k above the label count",
            Request::new(pb::ClassifyRequest {
                top_k: u32::MAX,
                ..classify("ok")
            }),
            // Every label of the default topic model (agnews: four).
            Expect::Ok(|r| r.topic.as_ref().is_some_and(|t| t.scores.len() == 4)),
        ),
        (
            "top_k one",
            Request::new(pb::ClassifyRequest {
                top_k: 1,
                ..classify("ok")
            }),
            Expect::Ok(|r| r.topic.as_ref().is_some_and(|t| t.scores.len() == 1)),
        ),
        (
            "target on the target-free topic model",
            Request::new(pb::ClassifyRequest {
                target: "Atheism".into(),
                ..classify("Atheism is wrong, God is great")
            }),
            Expect::Ok(|r| r.topic.is_some() && r.stance.is_some()),
        ),
        (
            "emoji and symbols only",
            Request::new(classify("🙂🙂 ★★★ ✓ →")),
            Expect::Ok(|r| {
                r.topic.as_ref().is_some_and(|t| {
                    (t.scores.iter().map(|s| s.score).sum::<f32>() - 1.0).abs() < 1e-4
                })
            }),
        ),
        (
            "non-Latin scripts",
            Request::new(classify("Тегеран заявил. 德黑兰表示。 طهران قالت")),
            Expect::Ok(|r| r.topic.is_some()),
        ),
        (
            "unparsable grpc-timeout is refused",
            with_timeout(classify(&article), "soon"),
            Expect::Error(
                Code::InvalidArgument,
                "malformed grpc-timeout header \"soon\"",
            ),
        ),
        (
            "generous deadline",
            with_timeout(classify(&article), "10S"),
            Expect::Ok(|r| r.topic.is_some()),
        ),
    ];
    let count = cases.len();
    for (name, request, expect) in cases {
        check(name, client.classify(request).await, expect);
    }
    assert!(count >= 20);
    client
        .classify(classify("still healthy"))
        .await
        .expect("healthy after every case");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn summarize_cases() {
    let server = TestServer::start_with(config()).await;
    let mut client = server.client().await;
    let ten = sentences(10);
    let cases: Vec<(&str, pb::SummarizeRequest, Expect<pb::SummarizeResponse>)> = vec![
        (
            "empty text",
            summarize(""),
            Expect::Error(Code::InvalidArgument, "text is empty"),
        ),
        (
            "control character",
            summarize("a\u{2}b"),
            Expect::Error(Code::InvalidArgument, "control character"),
        ),
        (
            "over the document limit",
            summarize(&"a. ".repeat(MAX_DOCUMENT)),
            Expect::Error(Code::InvalidArgument, "over the limit"),
        ),
        (
            "negative ratio",
            pb::SummarizeRequest {
                ratio: -0.1,
                ..summarize(&ten)
            },
            Expect::Error(Code::InvalidArgument, "ratio"),
        ),
        (
            "ratio above one",
            pb::SummarizeRequest {
                ratio: 1.5,
                ..summarize(&ten)
            },
            Expect::Error(Code::InvalidArgument, "ratio"),
        ),
        (
            "NaN ratio",
            pb::SummarizeRequest {
                ratio: f32::NAN,
                ..summarize(&ten)
            },
            Expect::Error(Code::InvalidArgument, "ratio"),
        ),
        (
            "max_sentences zero means three",
            pb::SummarizeRequest {
                max_sentences: 0,
                ..summarize(&ten)
            },
            Expect::Ok(|r| r.sentences.len() == 3),
        ),
        (
            "huge max_sentences returns everything",
            pb::SummarizeRequest {
                max_sentences: u32::MAX,
                ..summarize(&ten)
            },
            Expect::Ok(|r| r.sentences.len() == 10),
        ),
        (
            "ratio one returns everything",
            pb::SummarizeRequest {
                ratio: 1.0,
                ..summarize(&ten)
            },
            Expect::Ok(|r| r.sentences.len() == 10),
        ),
        (
            "ratio one fifth",
            pb::SummarizeRequest {
                ratio: 0.2,
                ..summarize(&ten)
            },
            Expect::Ok(|r| r.sentences.len() == 2),
        ),
        (
            "one sentence returns itself",
            summarize("Only one sentence here."),
            Expect::Ok(|r| r.summary == "Only one sentence here."),
        ),
        (
            "no punctuation at all",
            summarize("words without any full stop"),
            Expect::Ok(|r| r.sentences.len() == 1),
        ),
    ];
    for (name, request, expect) in cases {
        check(name, client.summarize(request).await, expect);
    }
    client
        .summarize(summarize(&ten))
        .await
        .expect("healthy after every case");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stream_cases() {
    let server = TestServer::start_with(config()).await;
    let mut client = server.client().await;

    let empty = client
        .classify_stream(futures::stream::iter(Vec::<pb::ClassifyRequest>::new()))
        .await
        .expect("empty stream")
        .into_inner();
    assert_eq!(empty.count().await, 0, "no request, no response");

    // The "a stream of 100k requests": every request answered, in order, no error.
    const BULK: usize = 100_000;
    let requests = (0..BULK).map(|i| pb::ClassifyRequest {
        id: i.to_string(),
        ..classify("Shares rose after the bank cut interest rates.")
    });
    let mut answers = client
        .classify_stream(futures::stream::iter(requests))
        .await
        .expect("bulk stream")
        .into_inner();
    let mut next = 0usize;
    while let Some(answer) = answers.next().await {
        assert_eq!(answer.expect("answer").id, next.to_string());
        next += 1;
    }
    assert_eq!(next, BULK);

    let bad = vec![
        classify("fine"),
        classify("\u{0}"),
        classify("never answered"),
    ];
    let mut answers = client
        .classify_stream(futures::stream::iter(bad))
        .await
        .expect("stream")
        .into_inner();
    assert!(answers.next().await.expect("first").is_ok());
    let error = answers.next().await.expect("second").expect_err("bad item");
    assert_eq!(error.code(), Code::InvalidArgument);
    assert!(error.message().contains("request 1"), "{}", error.message());
    assert!(answers.next().await.is_none(), "stream ends at the error");
}

/// The "a 50 MB request", against the default 8 MB message limit: refused with
/// RESOURCE_EXHAUSTED naming the limit, and the server answers health and work afterwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_50_mb_request_is_refused_at_the_default_limit_and_the_server_stays_healthy() {
    use tonic_health::pb::{
        health_check_response::ServingStatus, health_client::HealthClient, HealthCheckRequest,
    };
    let defaults = ServerConfig::default();
    assert_eq!(defaults.max_message_bytes, 8 << 20, "default limit is 8 MB");
    let server = TestServer::start_with(defaults).await;
    let mut client = server.client().await;
    let huge = "word ".repeat((50 << 20) / 5);
    assert_eq!(huge.len(), 50 << 20);
    for (name, result) in [
        (
            "classify",
            client.classify(classify(&huge)).await.map(|_| ()),
        ),
        (
            "summarize",
            client.summarize(summarize(&huge)).await.map(|_| ()),
        ),
    ] {
        let status = result.expect_err(name);
        assert_eq!(status.code(), Code::ResourceExhausted, "{name}: {status:?}");
        assert!(
            status.message().contains("8388608"),
            "{name}: the message names the limit: {}",
            status.message()
        );
    }
    drop(huge);
    let mut health = HealthClient::new(server.channel().await);
    let status = health
        .check(HealthCheckRequest {
            service: String::new(),
        })
        .await
        .expect("health answers")
        .into_inner()
        .status;
    assert_eq!(status, ServingStatus::Serving as i32);
    let answer = client
        .classify(classify("Shares rose after the bank cut interest rates."))
        .await
        .expect("the same connection still works")
        .into_inner();
    assert!(answer.topic.is_some());
    server
        .client()
        .await
        .classify(classify("A new connection works too."))
        .await
        .expect("a new connection works");
}

/// `ClassifyRequest` with its `text` field (tag 3) as raw bytes, to send what a well-behaved
/// client cannot: binary that is not UTF-8 in a string field.
#[derive(Clone, PartialEq, prost::Message)]
struct RawClassifyRequest {
    #[prost(bytes = "vec", tag = "3")]
    text: Vec<u8>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_that_is_not_utf8_is_invalid_argument_naming_the_field() {
    let server = TestServer::start_with(config()).await;
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("invalid UTF-8 bytes", b"abc\xff\xfedef".to_vec()),
        ("every byte value", (0..=255u8).collect()),
        ("lone surrogate encoded", b"\xed\xa0\x80".to_vec()),
        (
            "truncated multi-byte char",
            "caf\u{e9}".as_bytes()[..4].to_vec(),
        ),
    ];
    for (name, text) in cases {
        let mut grpc = tonic::client::Grpc::new(server.channel().await);
        grpc.ready().await.expect("ready");
        let answer: Result<tonic::Response<pb::ClassifyResponse>, tonic::Status> = grpc
            .unary(
                Request::new(RawClassifyRequest { text }),
                http::uri::PathAndQuery::from_static("/docclass.v1.DocumentService/Classify"),
                tonic_prost::ProstCodec::<RawClassifyRequest, pb::ClassifyResponse>::default(),
            )
            .await;
        let status = answer.expect_err(name);
        assert_eq!(status.code(), Code::InvalidArgument, "{name}: {status:?}");
        assert!(
            status.message().contains("ClassifyRequest.text") && status.message().contains("UTF-8"),
            "{name}: {}",
            status.message()
        );
    }
    server
        .client()
        .await
        .classify(classify("still healthy"))
        .await
        .expect("healthy after binary input");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overload_fails_fast_and_health_stays_responsive() {
    use tonic_health::pb::{
        health_check_response::ServingStatus, health_client::HealthClient, HealthCheckRequest,
    };
    let server = TestServer::start_with(ServerConfig {
        max_in_flight: 2,
        workers: 1,
        ..config()
    })
    .await;
    let text = example_articles()[2].1.repeat(12);
    let mut calls = Vec::new();
    for _ in 0..40 {
        let mut client = server.client().await;
        let request = classify(&text);
        calls.push(tokio::spawn(async move { client.classify(request).await }));
    }
    let mut health = HealthClient::new(server.channel().await);
    let started = std::time::Instant::now();
    let status = health
        .check(HealthCheckRequest {
            service: String::new(),
        })
        .await
        .expect("health answers under load")
        .into_inner()
        .status;
    assert_eq!(status, ServingStatus::Serving as i32);
    let health_latency = started.elapsed();
    let (mut ok, mut shed) = (0, 0);
    for call in calls {
        match call.await.expect("task") {
            Ok(_) => ok += 1,
            Err(status) => {
                assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
                assert!(
                    status.message().contains("--max-in-flight"),
                    "{}",
                    status.message()
                );
                shed += 1;
            }
        }
    }
    assert!(ok >= 2, "admitted requests complete ({ok} ok, {shed} shed)");
    assert!(shed > 0, "excess requests are shed ({ok} ok, {shed} shed)");
    assert!(
        health_latency < Duration::from_secs(5),
        "health took {health_latency:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bearer_token_guards_everything_but_health() {
    use tonic_health::pb::{health_client::HealthClient, HealthCheckRequest};
    let server = TestServer::start_with(ServerConfig {
        auth_token: Some("s3cret-token".into()),
        enable_admin: true,
        ..config()
    })
    .await;
    let mut client = server.client().await;
    let with_auth = |value: &str| {
        let mut request = Request::new(classify("ok"));
        request
            .metadata_mut()
            .insert("authorization", value.parse().expect("ascii"));
        request
    };
    let cases = [
        (
            "no header",
            Request::new(classify("ok")),
            Some("missing authorization"),
        ),
        ("wrong scheme", with_auth("Basic czNjcmV0"), Some("Bearer")),
        (
            "wrong token",
            with_auth("Bearer s3cret-tokeX"),
            Some("invalid bearer token"),
        ),
        (
            "token prefix only",
            with_auth("Bearer s3cret"),
            Some("invalid bearer token"),
        ),
        ("right token", with_auth("Bearer s3cret-token"), None),
    ];
    for (name, request, error) in cases {
        match (client.classify(request).await, error) {
            (Err(status), Some(fragment)) => {
                assert_eq!(status.code(), Code::Unauthenticated, "{name}");
                assert!(
                    status.message().contains(fragment),
                    "{name}: {}",
                    status.message()
                );
            }
            (Ok(_), None) => {}
            (other, _) => panic!("{name}: {other:?}"),
        }
    }
    let mut health = HealthClient::new(server.channel().await);
    health
        .check(HealthCheckRequest {
            service: String::new(),
        })
        .await
        .expect("health needs no token (load balancer probes)");
    let mut admin = pb::admin_service_client::AdminServiceClient::new(server.channel().await);
    let denied = admin
        .reload_models(pb::ReloadModelsRequest {})
        .await
        .expect_err("admin needs the token");
    assert_eq!(denied.code(), Code::Unauthenticated);
    let mut request = Request::new(pb::ReloadModelsRequest {});
    request.metadata_mut().insert(
        "authorization",
        "Bearer s3cret-token".parse().expect("ascii"),
    );
    let reloaded = admin
        .reload_models(request)
        .await
        .expect("reload with token")
        .into_inner();
    assert!(reloaded.models.len() >= 2);
}

#[tokio::test]
async fn admin_service_is_off_unless_enabled() {
    let server = TestServer::start_with(config()).await;
    let mut admin = pb::admin_service_client::AdminServiceClient::new(server.channel().await);
    let status = admin
        .reload_models(pb::ReloadModelsRequest {})
        .await
        .expect_err("not served");
    assert_eq!(status.code(), Code::Unimplemented);
}

/// A client that sends `grpc-timeout` but, unlike tonic's channel, does not enforce it
/// itself, so the answer shows what the server does with the deadline.
fn raw_client(
    server: &TestServer,
) -> pb::document_service_client::DocumentServiceClient<
    hyper_util::client::legacy::Client<
        hyper_util::client::legacy::connect::HttpConnector,
        tonic::body::Body,
    >,
> {
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .http2_only(true)
        .build_http();
    pb::document_service_client::DocumentServiceClient::with_origin(
        client,
        server.url().parse().expect("uri"),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deadlines_are_enforced_by_the_server_including_queue_time() {
    // Every request goes through the one worker, so the short one below really queues.
    let server = TestServer::start_with(ServerConfig {
        workers: 1,
        inline_max_bytes: 0,
        ..config()
    })
    .await;
    let mut client = raw_client(&server);
    let article = example_articles()[2].1.clone();

    let expired = client
        .classify(with_timeout(classify(&article), "0n"))
        .await
        .expect_err("deadline already passed");
    assert_eq!(expired.code(), Code::DeadlineExceeded, "{expired:?}");
    assert!(
        expired.message().contains("deadline exceeded"),
        "{}",
        expired.message()
    );

    // Keep the only worker busy with a slow request, then send one with a short deadline: it
    // expires while queued and is answered at its deadline, not after the slow one.
    let slow_text = article.repeat(12);
    let mut busy = raw_client(&server);
    let slow = tokio::spawn(async move {
        let mut requests = Vec::new();
        for _ in 0..6 {
            requests.push(busy.classify(classify(&slow_text)).await.is_ok());
        }
        requests
    });
    tokio::time::sleep(Duration::from_millis(30)).await;
    let started = std::time::Instant::now();
    let queued = client
        .classify(with_timeout(classify(&article), "40m"))
        .await;
    let waited = started.elapsed();
    match queued {
        Err(status) => {
            assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");
            assert!(
                waited < Duration::from_secs(2),
                "answered promptly, after {waited:?}"
            );
        }
        Ok(_) => assert!(
            waited <= Duration::from_millis(60),
            "answered in time ({waited:?})"
        ),
    }
    assert!(slow.await.expect("task").iter().all(|ok| *ok));
    client
        .classify(with_timeout(classify("fine"), "5S"))
        .await
        .expect("within its deadline");
}

/// The defaults the issue names: the binary binds loopback only, accepts messages up to
/// 8 MB and documents up to 1 MB unless told otherwise, and the library's defaults agree.
#[test]
fn serve_defaults_bind_loopback_with_8_mb_messages() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_docclass"))
        .args(["serve", "--help"])
        .env_remove("DOCCLASS_ADDR")
        .env_remove("DOCCLASS_MAX_MESSAGE_BYTES")
        .env_remove("DOCCLASS_MAX_DOCUMENT_BYTES")
        .output()
        .expect("serve --help");
    let help = String::from_utf8_lossy(&output.stdout);
    for default in [
        "[default: 127.0.0.1:50051]",
        "[default: 8388608]",
        "[default: 1048576]",
    ] {
        assert!(help.contains(default), "{default} missing from\n{help}");
    }
    let config = ServerConfig::default();
    assert_eq!(config.max_message_bytes, 8 << 20);
    assert_eq!(config.limits.max_document_bytes, 1 << 20);
    assert!(config.auth_token.is_none() && config.tls.is_none() && !config.enable_admin);
}

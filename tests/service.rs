//! The DocumentService over a real socket: every RPC, the stream, error codes, health and
//! reflection, against the shipped models.

mod common;

use common::{example_articles, TestServer};
use docclass::pb;
use futures::StreamExt;
use tonic::Code;

fn request(text: &str, target: &str) -> pb::ClassifyRequest {
    pb::ClassifyRequest {
        text: text.to_string(),
        target: target.to_string(),
        ..Default::default()
    }
}

fn assert_distribution(prediction: &pb::Prediction, labels: usize) {
    assert_eq!(prediction.scores.len(), labels);
    let sum: f32 = prediction.scores.iter().map(|s| s.score).sum();
    assert!((sum - 1.0).abs() < 1e-4, "scores sum to {sum}");
    assert!(prediction
        .scores
        .windows(2)
        .all(|w| w[0].score >= w[1].score));
    assert_eq!(prediction.scores[0].label, prediction.label);
    assert_eq!(prediction.scores[0].score, prediction.confidence);
}

#[tokio::test]
async fn classifies_every_example_article_with_topic_and_stance() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    let info = client
        .get_model_info(pb::GetModelInfoRequest {})
        .await
        .expect("model info")
        .into_inner();
    let labels_of = |name: &str| {
        info.models
            .iter()
            .find(|m| m.name == name)
            .map(|m| m.labels.len())
            .expect("default model listed")
    };
    for (name, text) in example_articles() {
        let response = client
            .classify(pb::ClassifyRequest {
                id: name.clone(),
                ..request(&text, "Iran vows revenge for the killing of Soleimani")
            })
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .into_inner();
        assert_eq!(response.id, name);
        let topic = response.topic.expect("topic");
        assert_eq!(topic.model, info.default_topic_model);
        assert_distribution(&topic, labels_of(&info.default_topic_model));
        let stance = response.stance.expect("stance with a target");
        assert_eq!(stance.model, info.default_stance_model);
        assert_distribution(&stance, labels_of(&info.default_stance_model));
        assert!(topic.explanation.is_empty(), "no explanation unless asked");
    }
}

#[tokio::test]
async fn target_top_k_and_explain_shape_the_answer() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    let text = "The central bank raised interest rates as inflation and share prices climbed.";
    let without_target = client
        .classify(request(text, ""))
        .await
        .expect("ok")
        .into_inner();
    assert!(without_target.topic.is_some());
    assert!(
        without_target.stance.is_none(),
        "target-dependent stance needs a target"
    );

    let top_two = client
        .classify(pb::ClassifyRequest {
            top_k: 2,
            explain: true,
            ..request(text, "Climate Change is a Real Concern")
        })
        .await
        .expect("ok")
        .into_inner();
    let topic = top_two.topic.expect("topic");
    assert_eq!(topic.scores.len(), 2);
    // The default topic model is agnews (World, Sports, Business, Sci/Tech).
    assert_eq!(topic.model, "agnews");
    assert_eq!(topic.label, "Business");
    assert!(!topic.explanation.is_empty());
    assert!(topic.explanation.len() <= 10);
    assert!(topic
        .explanation
        .windows(2)
        .all(|w| w[0].weight >= w[1].weight));
    let terms: Vec<&str> = topic.explanation.iter().map(|t| t.term.as_str()).collect();
    assert!(
        terms
            .iter()
            .any(|t| ["bank", "rates", "interest", "inflation", "share"]
                .iter()
                .any(|w| t.contains(w))),
        "explanation names business terms: {terms:?}"
    );
    assert_eq!(top_two.stance.expect("stance").scores.len(), 2);

    let all = client
        .classify(pb::ClassifyRequest {
            top_k: 1000,
            ..request(text, "")
        })
        .await
        .expect("top_k above the label count returns every label")
        .into_inner();
    assert_distribution(&all.topic.expect("topic"), 4);

    // bbc stays selectable by name.
    let bbc = client
        .classify(pb::ClassifyRequest {
            topic_model: "bbc".into(),
            top_k: 1000,
            ..request(text, "")
        })
        .await
        .expect("bbc by name")
        .into_inner()
        .topic
        .expect("topic");
    assert_eq!(
        (bbc.model.as_str(), bbc.label.as_str()),
        ("bbc", "business")
    );
    assert_distribution(&bbc, 5);
}

#[tokio::test]
async fn bad_requests_get_precise_status_codes() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    let cases: Vec<(&str, pb::ClassifyRequest, Code, &str)> = vec![
        (
            "empty text",
            request("", ""),
            Code::InvalidArgument,
            "text is empty",
        ),
        (
            "blank text",
            request(" \n\t ", ""),
            Code::InvalidArgument,
            "text is empty",
        ),
        (
            "control char",
            request("a\u{0}b", ""),
            Code::InvalidArgument,
            "control character",
        ),
        (
            "unknown topic model",
            pb::ClassifyRequest {
                topic_model: "nope".into(),
                ..request("text", "")
            },
            Code::NotFound,
            "no topic model named \"nope\"",
        ),
        (
            "unknown stance model",
            pb::ClassifyRequest {
                stance_model: "nope".into(),
                ..request("text", "")
            },
            Code::NotFound,
            "no stance model named \"nope\"",
        ),
        (
            "stance model as topic model",
            pb::ClassifyRequest {
                topic_model: "semeval2016".into(),
                ..request("text", "")
            },
            Code::InvalidArgument,
            "is a stance model, not a topic model",
        ),
    ];
    for (name, req, code, message) in cases {
        let status = client.classify(req).await.expect_err(name);
        assert_eq!(status.code(), code, "{name}: {status:?}");
        assert!(
            status.message().contains(message),
            "{name}: {}",
            status.message()
        );
    }
    let bad_ratio = client
        .summarize(pb::SummarizeRequest {
            text: "One. Two.".into(),
            ratio: 1.5,
            ..Default::default()
        })
        .await
        .expect_err("ratio out of range");
    assert_eq!(bad_ratio.code(), Code::InvalidArgument);
    assert!(
        bad_ratio.message().contains("ratio"),
        "{}",
        bad_ratio.message()
    );
    let empty = client
        .summarize(pb::SummarizeRequest::default())
        .await
        .expect_err("empty text");
    assert_eq!(empty.code(), Code::InvalidArgument);
    // The server is still healthy after all of that.
    client
        .classify(request("still answering", ""))
        .await
        .expect("healthy");
}

#[tokio::test]
async fn stream_answers_every_request_in_order() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    let articles = example_articles();
    let requests: Vec<pb::ClassifyRequest> = (0..25)
        .map(|i| pb::ClassifyRequest {
            id: format!("doc-{i}"),
            ..request(
                &articles[i % articles.len()].1,
                "Iran vows revenge for the killing of Soleimani",
            )
        })
        .collect();
    let expected: Vec<String> = requests.iter().map(|r| r.id.clone()).collect();
    let mut responses = client
        .classify_stream(futures::stream::iter(requests))
        .await
        .expect("stream")
        .into_inner();
    let mut ids = Vec::new();
    while let Some(response) = responses.next().await {
        let response = response.expect("response");
        assert!(response.topic.is_some() && response.stance.is_some());
        ids.push(response.id);
    }
    assert_eq!(ids, expected);
}

#[tokio::test]
async fn stream_stops_at_a_bad_request_naming_it() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    let requests = vec![
        pb::ClassifyRequest {
            id: "good".into(),
            ..request("fine text", "")
        },
        pb::ClassifyRequest {
            id: "bad".into(),
            ..request("", "")
        },
        pb::ClassifyRequest {
            id: "never".into(),
            ..request("more text", "")
        },
    ];
    let mut responses = client
        .classify_stream(futures::stream::iter(requests))
        .await
        .expect("stream")
        .into_inner();
    let first = responses.next().await.expect("first").expect("ok");
    assert_eq!(first.id, "good");
    let error = responses
        .next()
        .await
        .expect("second")
        .expect_err("bad request");
    assert_eq!(error.code(), Code::InvalidArgument);
    assert!(
        error.message().contains("request 1 (id \"bad\")"),
        "{}",
        error.message()
    );
}

#[tokio::test]
async fn summary_sentences_slice_the_request_text_exactly() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    for (name, text) in example_articles() {
        let response = client
            .summarize(pb::SummarizeRequest {
                text: text.clone(),
                max_sentences: 3,
                ..Default::default()
            })
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .into_inner();
        assert_eq!(response.sentences.len(), 3, "{name}");
        assert!(response
            .sentences
            .windows(2)
            .all(|w| w[0].index < w[1].index));
        for sentence in &response.sentences {
            let slice = &text.as_bytes()[sentence.start as usize..sentence.end as usize];
            assert_eq!(slice, sentence.text.as_bytes(), "{name}");
            assert!(!sentence.text.trim().is_empty());
        }
        let joined: Vec<&str> = response.sentences.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(response.summary, joined.join(" "));
    }
    let ratio = client
        .summarize(pb::SummarizeRequest {
            text: example_articles()[2].1.clone(),
            ratio: 0.5,
            ..Default::default()
        })
        .await
        .expect("ratio")
        .into_inner();
    assert!(
        ratio.sentences.len() > 3,
        "half of a long article is more than 3 sentences"
    );
}

#[tokio::test]
async fn model_info_describes_every_loaded_model() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    let info = client
        .get_model_info(pb::GetModelInfoRequest {})
        .await
        .expect("info")
        .into_inner();
    let names: Vec<&str> = info.models.iter().map(|m| m.name.as_str()).collect();
    assert!(
        names.contains(&info.default_topic_model.as_str()),
        "{names:?}"
    );
    assert!(
        names.contains(&info.default_stance_model.as_str()),
        "{names:?}"
    );
    for model in &info.models {
        assert!(model.labels.len() >= 2, "{}", model.name);
        assert_eq!(model.training_data_digest.len(), 64, "{}", model.name);
        assert!(model.version.starts_with("1-"), "{}", model.version);
        assert!(model.training_documents > 0);
        assert!(!model.trained_at.is_empty());
        assert!(
            model.metrics.contains_key("validation_accuracy"),
            "{}",
            model.name
        );
        let task = pb::Task::try_from(model.task).expect("task");
        assert_ne!(task, pb::Task::Unspecified);
        if task == pb::Task::Topic {
            assert!(!model.needs_target);
        }
    }
}

#[tokio::test]
async fn health_and_reflection_are_served() {
    use tonic_health::pb::{
        health_check_response::ServingStatus, health_client::HealthClient, HealthCheckRequest,
    };
    use tonic_reflection::pb::v1::{
        server_reflection_client::ServerReflectionClient,
        server_reflection_request::MessageRequest, server_reflection_response::MessageResponse,
        ServerReflectionRequest,
    };
    let server = TestServer::start().await;
    let mut health = HealthClient::new(server.channel().await);
    for service in ["", "docclass.v1.DocumentService"] {
        let status = health
            .check(HealthCheckRequest {
                service: service.into(),
            })
            .await
            .expect("health")
            .into_inner()
            .status;
        assert_eq!(status, ServingStatus::Serving as i32, "service {service:?}");
    }
    let mut reflection = ServerReflectionClient::new(server.channel().await);
    let list = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut responses = reflection
        .server_reflection_info(futures::stream::iter(vec![list]))
        .await
        .expect("reflection")
        .into_inner();
    let response = responses.next().await.expect("one answer").expect("ok");
    let Some(MessageResponse::ListServicesResponse(services)) = response.message_response else {
        panic!("unexpected reflection answer");
    };
    let names: Vec<String> = services.service.into_iter().map(|s| s.name).collect();
    for expected in ["docclass.v1.DocumentService", "grpc.health.v1.Health"] {
        assert!(names.iter().any(|n| n == expected), "{names:?}");
    }
}

#[tokio::test]
async fn shutdown_lets_in_flight_requests_finish() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    let text = example_articles()[2].1.repeat(10);
    let requests: Vec<pb::ClassifyRequest> = (0..100).map(|_| request(&text, "")).collect();
    let in_flight = tokio::spawn(async move {
        let mut stream = client
            .classify_stream(futures::stream::iter(requests))
            .await
            .expect("stream")
            .into_inner();
        let mut answered = 0;
        while let Some(item) = stream.next().await {
            item.expect("no error during graceful shutdown");
            answered += 1;
        }
        answered
    });
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    server.stop().await;
    assert_eq!(in_flight.await.expect("client task"), 100);
}

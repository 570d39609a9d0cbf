//! Stance toward a named target over a real socket: the routing rule (a name goes to the
//! sentence-level model, a claim to the default stance model, a named model overrides
//! both), evidence sentences located in the request text, counts, the not-mentioned answer,
//! the evidence limit, and a bad alias file refused on reload. The checks hold for any
//! reasonable sentence model: they test what the service promises, not one model's labels.

mod common;

use std::sync::Arc;

use common::{example_articles, models_dir, TestServer};
use docclass::model::ReloadableModelSet;
use docclass::pb;
use docclass::service::{self, ServerConfig};
use docclass::stance::route::NAMED_TARGET_MODEL;
use futures::StreamExt;
use tonic::Code;

fn request(text: &str, target: &str) -> pb::ClassifyRequest {
    pb::ClassifyRequest {
        text: text.to_string(),
        target: target.to_string(),
        ..Default::default()
    }
}

/// Checks everything a named-target answer promises about `text`, and returns its evidence.
fn check_named_answer(
    text: &str,
    response: &pb::ClassifyResponse,
    max: usize,
) -> pb::TargetEvidence {
    let evidence = response.target_evidence.clone().expect("target_evidence");
    let stance = response
        .stance
        .as_ref()
        .expect("a mentioned target has a stance");
    assert_eq!(stance.model, NAMED_TARGET_MODEL);
    let sum: f32 = stance.scores.iter().map(|s| s.score).sum();
    assert!((sum - 1.0).abs() < 1e-4, "scores sum to {sum}");
    assert_eq!(stance.scores[0].label, stance.label);
    assert!(evidence.mentioned);
    assert!(evidence.mentioning_sentences >= 1);
    assert!(evidence.mentions >= evidence.mentioning_sentences);
    assert!(evidence.sentences >= evidence.mentioning_sentences);
    let expected = (evidence.mentioning_sentences as usize).min(max);
    assert_eq!(evidence.evidence.len(), expected, "evidence count");
    let labels: Vec<&str> = stance.scores.iter().map(|s| s.label.as_str()).collect();
    for sentence in &evidence.evidence {
        let (start, end) = (sentence.start as usize, sentence.end as usize);
        assert_eq!(
            text.get(start..end),
            Some(sentence.text.as_str()),
            "offsets slice the text"
        );
        assert!(
            !sentence.mentions.is_empty(),
            "an evidence sentence mentions the target"
        );
        for mention in &sentence.mentions {
            let (m_start, m_end) = (mention.start as usize, mention.end as usize);
            assert!(
                start <= m_start && m_start < m_end && m_end <= end,
                "mention in sentence"
            );
            assert!(
                text.get(m_start..m_end).is_some(),
                "mention on char boundaries"
            );
        }
        assert!(
            labels.contains(&sentence.label.as_str()),
            "{}",
            sentence.label
        );
        assert!((0.0..=1.0).contains(&sentence.score));
        assert!(
            sentence.support <= sentence.score + 1e-6,
            "own label is the most probable"
        );
        if sentence.label == stance.label {
            assert_eq!(sentence.support, sentence.score);
        }
    }
    assert!(
        evidence
            .evidence
            .windows(2)
            .all(|w| w[0].support > w[1].support
                || (w[0].support == w[1].support && w[0].index < w[1].index)),
        "strongest support first"
    );
    evidence
}

#[tokio::test]
async fn example_articles_toward_a_person_and_a_country() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    for (name, text) in example_articles() {
        for target in ["Qasem Soleimani", "United States"] {
            let response = client
                .classify(request(&text, target))
                .await
                .unwrap_or_else(|e| panic!("{name} toward {target}: {e}"))
                .into_inner();
            assert!(response.topic.is_some());
            let evidence = check_named_answer(&text, &response, 3);
            let expected_entry = if target == "United States" {
                "United States"
            } else {
                ""
            };
            assert_eq!(evidence.resolved_entry, expected_entry, "{name}");
            // Every evidence sentence is a sentence as Summarize splits the text.
            let all = client
                .summarize(pb::SummarizeRequest {
                    text: text.clone(),
                    ratio: 1.0,
                    ..Default::default()
                })
                .await
                .expect("summarize")
                .into_inner();
            assert_eq!(all.sentences.len() as u32, evidence.sentences, "{name}");
            for sentence in &evidence.evidence {
                let same = &all.sentences[sentence.index as usize];
                assert_eq!((same.start, same.end), (sentence.start, sentence.end));
            }
        }
    }
}

#[tokio::test]
async fn counts_are_those_of_the_text() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    let text = "Qasem Soleimani was killed in Baghdad.\nThe weather was fine that day.\n\
                General Soleimani's successor spoke, and Soleimani was mourned.\n\
                Crowds mourned Qassem Suleimani in Tehran.";
    let response = client
        .classify(pb::ClassifyRequest {
            max_evidence: 50,
            ..request(text, "Qasem Soleimani")
        })
        .await
        .expect("classify")
        .into_inner();
    let evidence = check_named_answer(text, &response, 50);
    assert_eq!(evidence.sentences, 4);
    assert_eq!(evidence.mentioning_sentences, 3);
    assert_eq!(evidence.mentions, 4);
    let mut indices: Vec<u32> = evidence.evidence.iter().map(|s| s.index).collect();
    indices.sort_unstable();
    assert_eq!(indices, [0, 2, 3]);
    let two = evidence
        .evidence
        .iter()
        .find(|s| s.index == 2)
        .expect("sentence 2");
    assert_eq!(two.mentions.len(), 2);
}

#[tokio::test]
async fn a_target_never_mentioned_gets_no_stance_and_says_so() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    for (name, text) in example_articles() {
        let response = client
            .classify(request(&text, "Hillary Clinton"))
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .into_inner();
        assert!(response.topic.is_some());
        assert!(response.stance.is_none(), "{name}: no made-up stance");
        let evidence = response.target_evidence.expect("target_evidence");
        assert!(!evidence.mentioned);
        assert_eq!(evidence.mentioning_sentences, 0);
        assert_eq!(evidence.mentions, 0);
        assert!(evidence.sentences > 0);
        assert!(evidence.evidence.is_empty());
    }
}

#[tokio::test]
async fn the_evidence_limit_is_enforced() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    let (_, text) = example_articles().into_iter().next().expect("an article");
    let one = client
        .classify(pb::ClassifyRequest {
            max_evidence: 1,
            ..request(&text, "Qasem Soleimani")
        })
        .await
        .expect("classify")
        .into_inner();
    check_named_answer(&text, &one, 1);
    let all = client
        .classify(pb::ClassifyRequest {
            max_evidence: 50,
            ..request(&text, "Qasem Soleimani")
        })
        .await
        .expect("classify")
        .into_inner();
    check_named_answer(&text, &all, 50);
    for over in [51, u32::MAX] {
        let error = client
            .classify(pb::ClassifyRequest {
                max_evidence: over,
                ..request(&text, "Qasem Soleimani")
            })
            .await
            .expect_err("over the evidence limit");
        assert_eq!(error.code(), Code::InvalidArgument);
        assert!(
            error.message().contains("max_evidence"),
            "{}",
            error.message()
        );
        assert!(error.message().contains("50"), "{}", error.message());
        assert!(error.message().len() < 120, "{}", error.message());
    }
}

#[tokio::test]
async fn a_claim_goes_to_the_default_stance_model_and_a_named_model_overrides_the_rule() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    let info = client
        .get_model_info(pb::GetModelInfoRequest {})
        .await
        .expect("info")
        .into_inner();
    assert_eq!(info.named_target_stance_model, NAMED_TARGET_MODEL);
    assert!(info.stance_routing_rule.contains(NAMED_TARGET_MODEL));
    assert!(info.alias_entries > 100, "{}", info.alias_entries);
    let (_, text) = example_articles().into_iter().next().expect("an article");

    let claim = client
        .classify(request(
            &text,
            "Iran vows revenge for the killing of Soleimani",
        ))
        .await
        .expect("claim")
        .into_inner();
    assert_eq!(
        claim.stance.expect("stance").model,
        info.default_stance_model
    );
    assert!(claim.target_evidence.is_none());

    let name_as_claim = client
        .classify(pb::ClassifyRequest {
            stance_model: info.default_stance_model.clone(),
            ..request(&text, "Qasem Soleimani")
        })
        .await
        .expect("named model")
        .into_inner();
    assert_eq!(
        name_as_claim.stance.expect("stance").model,
        info.default_stance_model
    );
    assert!(name_as_claim.target_evidence.is_none());

    let claim_as_name = client
        .classify(pb::ClassifyRequest {
            stance_model: NAMED_TARGET_MODEL.into(),
            ..request(&text, "Soleimani")
        })
        .await
        .expect("named model")
        .into_inner();
    check_named_answer(&text, &claim_as_name, 3);

    let no_target = client
        .classify(pb::ClassifyRequest {
            stance_model: NAMED_TARGET_MODEL.into(),
            ..request(&text, "")
        })
        .await
        .expect("no target")
        .into_inner();
    assert!(no_target.stance.is_none() && no_target.target_evidence.is_none());
}

#[tokio::test]
async fn the_stream_answers_named_targets_too() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    let articles = example_articles();
    let requests: Vec<pb::ClassifyRequest> = articles
        .iter()
        .map(|(_, text)| request(text, "Iran"))
        .collect();
    let mut responses = client
        .classify_stream(futures::stream::iter(requests))
        .await
        .expect("stream")
        .into_inner();
    let mut answered = 0;
    while let Some(response) = responses.next().await {
        let response = response.expect("answer");
        check_named_answer(&articles[answered].1, &response, 3);
        answered += 1;
    }
    assert_eq!(answered, articles.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_alias_file_fails_the_reload_and_the_old_table_keeps_serving() {
    let dir = tempfile::tempdir().expect("tempdir");
    for entry in std::fs::read_dir(models_dir()).expect("models dir") {
        let path = entry.expect("entry").path();
        std::fs::copy(&path, dir.path().join(path.file_name().expect("name"))).expect("copy");
    }
    let store = Arc::new(ReloadableModelSet::open(dir.path()).expect("models"));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let config = ServerConfig {
        enable_admin: true,
        ..ServerConfig::default()
    };
    let server = tokio::spawn(service::serve(listener, store, config, async {
        let _ = stopped.await;
    }));
    let mut admin = pb::admin_service_client::AdminServiceClient::connect(url.clone())
        .await
        .expect("admin");
    let mut client = pb::document_service_client::DocumentServiceClient::connect(url)
        .await
        .expect("connect");
    let text = "Washington said it would respond.";
    let before = client
        .classify(request(text, "United States"))
        .await
        .expect("classify")
        .into_inner();
    assert!(
        before.target_evidence.expect("evidence").mentioned,
        "capital from the table"
    );

    let aliases = dir.path().join("aliases.jsonl");
    let mut bad = std::fs::read_to_string(&aliases).expect("aliases");
    bad.push_str("{\"name\": \"Nowhere\", \"kind\": \"planet\"}\n");
    std::fs::write(&aliases, bad).expect("write");
    let error = admin
        .reload_models(pb::ReloadModelsRequest {})
        .await
        .expect_err("bad alias file rejected");
    assert_eq!(error.code(), Code::FailedPrecondition);
    assert!(
        error.message().contains("aliases.jsonl"),
        "{}",
        error.message()
    );
    assert!(error.message().len() < 500, "{}", error.message());
    let after = client
        .classify(request(text, "United States"))
        .await
        .expect("classify")
        .into_inner();
    assert!(
        after.target_evidence.expect("evidence").mentioned,
        "old table still serving"
    );

    let _ = stop.send(());
    server.await.expect("server task").expect("server ran");
}

//! The Open Inference Protocol (KServe v2) through the real server and the generated tonic
//! client: every loaded model is a v2 model by name and version, ModelInfer answers a batch
//! as the native API answers each document, in typed and raw form, and
//! readiness holds through reloads (bad requests: tests/kserve_errors.rs).
//! (tritonclient against the release server: tests/kserve/tritonclient_check.py.)

mod common;

use std::sync::Arc;

use common::v2::{as_raw, floats, infer, input, int64s, output, strings, v2_client};
use common::{example_articles, models_dir, TestServer};
use docclass::model::ReloadableModelSet;
use docclass::pb;
use docclass::pb::inference::grpc_inference_service_client::GrpcInferenceServiceClient;
use docclass::pb::inference::infer_parameter::ParameterChoice;
use docclass::pb::inference::model_infer_request::InferRequestedOutputTensor;
use docclass::pb::inference::{self as v2, InferParameter};
use docclass::service::{self, ServerConfig};
use tonic::Code;

#[tokio::test]
async fn server_and_every_model_are_live_ready_and_described() {
    let server = TestServer::start().await;
    let mut v2 = v2_client(&server).await;
    let mut native = server.client().await;
    assert!(
        v2.server_live(v2::ServerLiveRequest {})
            .await
            .unwrap()
            .into_inner()
            .live
    );
    assert!(
        v2.server_ready(v2::ServerReadyRequest {})
            .await
            .unwrap()
            .into_inner()
            .ready
    );
    let metadata = v2
        .server_metadata(v2::ServerMetadataRequest {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(metadata.name, "docclass");
    assert_eq!(metadata.version, env!("CARGO_PKG_VERSION"));
    assert_eq!(metadata.extensions, ["parameters"]);

    let info = native
        .get_model_info(pb::GetModelInfoRequest {})
        .await
        .unwrap()
        .into_inner();
    assert!(info.models.len() >= 2, "{info:?}");
    for model in &info.models {
        for version in ["", model.version.as_str()] {
            let ready = v2
                .model_ready(v2::ModelReadyRequest {
                    name: model.name.clone(),
                    version: version.into(),
                })
                .await
                .unwrap()
                .into_inner();
            assert!(ready.ready, "{} {version:?}", model.name);
        }
        let metadata = v2
            .model_metadata(v2::ModelMetadataRequest {
                name: model.name.clone(),
                version: String::new(),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(metadata.versions, std::slice::from_ref(&model.version));
        assert_eq!(metadata.platform, "docclass");
        let inputs: Vec<&str> = metadata.inputs.iter().map(|i| i.name.as_str()).collect();
        let expected: &[&str] = if model.needs_target {
            &["text", "title", "target"]
        } else {
            &["text", "title"]
        };
        assert_eq!(inputs, expected, "{}", model.name);
        assert!(metadata
            .inputs
            .iter()
            .all(|i| i.datatype == "BYTES" && i.shape == [-1]));
        let shape = |name: &str| {
            let tensor = metadata
                .outputs
                .iter()
                .find(|o| o.name == name)
                .unwrap_or_else(|| panic!("{name} in {metadata:?}"));
            (tensor.datatype.clone(), tensor.shape.clone())
        };
        let classes = model.labels.len() as i64;
        assert_eq!(shape("label"), ("BYTES".to_string(), vec![-1]));
        assert_eq!(shape("confidence"), ("FP32".to_string(), vec![-1]));
        assert_eq!(shape("scores"), ("FP32".to_string(), vec![-1, classes]));
        assert_eq!(shape("classes"), ("BYTES".to_string(), vec![classes]));
    }
    let summarizer = v2
        .model_metadata(v2::ModelMetadataRequest {
            name: "summarizer".into(),
            version: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    let outputs: Vec<&str> = summarizer.outputs.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(
        outputs,
        [
            "summary",
            "sentences",
            "sentence_start",
            "sentence_end",
            "sentence_count"
        ]
    );

    for (name, version) in [
        ("no-such-model", ""),
        (info.models[0].name.as_str(), "0-nope"),
    ] {
        let ready = v2
            .model_ready(v2::ModelReadyRequest {
                name: name.into(),
                version: version.into(),
            })
            .await
            .unwrap()
            .into_inner();
        assert!(!ready.ready, "{name} {version}");
        let missing = v2
            .model_metadata(v2::ModelMetadataRequest {
                name: name.into(),
                version: version.into(),
            })
            .await
            .expect_err("unknown model or version");
        assert_eq!(missing.code(), Code::NotFound, "{missing:?}");
    }
    server.stop().await;
}

#[tokio::test]
async fn a_batch_is_answered_as_classify_answers_each_document_in_typed_and_raw_form() {
    let server = TestServer::start().await;
    let mut v2 = v2_client(&server).await;
    let mut native = server.client().await;
    let info = native
        .get_model_info(pb::GetModelInfoRequest {})
        .await
        .unwrap()
        .into_inner();
    let articles = example_articles();
    let texts: Vec<&str> = articles.iter().map(|(_, text)| text.as_str()).collect();
    let titles: Vec<&str> = articles.iter().map(|(name, _)| name.as_str()).collect();
    let target = "Iran vows revenge for the killing of Soleimani";
    for model in &info.models {
        let mut inputs = vec![input("text", &texts), input("title", &titles)];
        if model.needs_target {
            inputs.push(input("target", &vec![target; texts.len()]));
        }
        let mut request = infer(&model.name, inputs);
        request.id = "batch-1".into();
        request.parameters.insert(
            "top_k".into(),
            InferParameter {
                parameter_choice: Some(ParameterChoice::Int64Param(2)),
            },
        );
        for request in [request.clone(), as_raw(request)] {
            let raw = !request.raw_input_contents.is_empty();
            let response = v2.model_infer(request).await.unwrap().into_inner();
            assert_eq!(response.model_name, model.name);
            assert_eq!(response.model_version, model.version);
            assert_eq!(response.id, "batch-1");
            assert_eq!(
                response.raw_output_contents.is_empty(),
                !raw,
                "answered as asked"
            );
            assert_eq!(strings(&response, "classes"), model.labels);
            let labels = strings(&response, "label");
            let confidence = floats(&response, "confidence");
            let scores = floats(&response, "scores");
            let top_labels = strings(&response, "top_labels");
            assert_eq!(
                output(&response, "scores").1.shape,
                [5, model.labels.len() as i64]
            );
            assert_eq!(output(&response, "top_labels").1.shape, [5, 2]);
            for (index, (title, text)) in titles.iter().zip(&texts).enumerate() {
                let (topic_model, stance_model) = match model.task() {
                    pb::Task::Topic => (model.name.clone(), String::new()),
                    _ => (String::new(), model.name.clone()),
                };
                let answer = native
                    .classify(pb::ClassifyRequest {
                        title: title.to_string(),
                        text: text.to_string(),
                        target: target.into(),
                        topic_model,
                        stance_model,
                        ..Default::default()
                    })
                    .await
                    .unwrap()
                    .into_inner();
                let prediction = match model.task() {
                    pb::Task::Topic => answer.topic,
                    _ => answer.stance,
                }
                .expect("the model answered");
                assert_eq!(
                    labels[index], prediction.label,
                    "{} doc {index}",
                    model.name
                );
                assert_eq!(confidence[index], prediction.confidence);
                let row = &scores[index * model.labels.len()..][..model.labels.len()];
                for score in &prediction.scores {
                    let class = model.labels.iter().position(|l| *l == score.label).unwrap();
                    assert_eq!(row[class], score.score, "{} {}", model.name, score.label);
                }
                assert_eq!(top_labels[index * 2], prediction.scores[0].label);
                assert_eq!(top_labels[index * 2 + 1], prediction.scores[1].label);
            }
        }
    }
    server.stop().await;
}

#[tokio::test]
async fn the_summarizer_returns_the_sentences_and_byte_offsets_of_summarize() {
    let server = TestServer::start().await;
    let mut v2 = v2_client(&server).await;
    let mut native = server.client().await;
    let articles = example_articles();
    let texts: Vec<&str> = articles.iter().map(|(_, text)| text.as_str()).collect();
    let mut request = infer("summarizer", vec![input("text", &texts)]);
    request.parameters.insert(
        "max_sentences".into(),
        InferParameter {
            parameter_choice: Some(ParameterChoice::Int64Param(2)),
        },
    );
    request.outputs = ["sentence_start", "sentences", "sentence_end", "summary"]
        .iter()
        .map(|name| InferRequestedOutputTensor {
            name: name.to_string(),
            parameters: Default::default(),
        })
        .collect();
    let response = v2.model_infer(as_raw(request)).await.unwrap().into_inner();
    let names: Vec<&str> = response.outputs.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(
        names,
        ["sentence_start", "sentences", "sentence_end", "summary"],
        "in the order asked"
    );
    let width = output(&response, "sentences").1.shape[1] as usize;
    let (starts, ends) = (
        int64s(&response, "sentence_start"),
        int64s(&response, "sentence_end"),
    );
    let (sentences, summaries) = (
        strings(&response, "sentences"),
        strings(&response, "summary"),
    );
    for (index, text) in texts.iter().enumerate() {
        let expected = native
            .summarize(pb::SummarizeRequest {
                text: text.to_string(),
                max_sentences: 2,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(summaries[index], expected.summary);
        for (column, sentence) in expected.sentences.iter().enumerate() {
            let at = index * width + column;
            assert_eq!(sentences[at], sentence.text);
            assert_eq!(
                (starts[at], ends[at]),
                (i64::from(sentence.start), i64::from(sentence.end))
            );
            assert_eq!(&text[starts[at] as usize..ends[at] as usize], sentence.text);
        }
        for column in expected.sentences.len()..width {
            assert_eq!(
                (
                    starts[index * width + column],
                    sentences[index * width + column].as_str()
                ),
                (-1, "")
            );
        }
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_model_stays_ready_through_reloads() {
    let dir = tempfile::tempdir().expect("tempdir");
    for entry in std::fs::read_dir(models_dir()).expect("models dir") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "model") {
            std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).expect("copy");
        }
    }
    let store = Arc::new(ReloadableModelSet::open(dir.path()).expect("models"));
    let names: Vec<String> = store
        .snapshot()
        .models()
        .map(|m| m.classifier.metadata().name.clone())
        .chain(["summarizer".to_string()])
        .collect();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(service::serve(
        listener,
        Arc::clone(&store),
        ServerConfig::default(),
        async {
            let _ = stopped.await;
        },
    ));
    let mut client = GrpcInferenceServiceClient::connect(url)
        .await
        .expect("connect");
    let reloads = {
        let store = Arc::clone(&store);
        tokio::task::spawn_blocking(move || {
            for _ in 0..5 {
                store.reload().expect("reload");
            }
        })
    };
    let mut checks = 0;
    while !reloads.is_finished() || checks < names.len() {
        for name in &names {
            let ready = client
                .model_ready(v2::ModelReadyRequest {
                    name: name.clone(),
                    version: String::new(),
                })
                .await
                .expect("model ready answers");
            assert!(ready.into_inner().ready, "{name} not ready during a reload");
            checks += 1;
        }
        let server_ready = client
            .server_ready(v2::ServerReadyRequest {})
            .await
            .unwrap();
        assert!(server_ready.into_inner().ready);
    }
    reloads.await.expect("reloads");
    let _ = stop.send(());
    server.await.expect("server task").expect("server ran");
}

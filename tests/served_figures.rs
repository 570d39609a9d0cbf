//! The figures in the README come from the server: classifying a test split through the gRPC
//! API gives exactly the numbers `docclass evaluate` prints.

mod common;

use common::{models_dir, shared_dir, TestServer};
use docclass::model::Task;
use docclass::pb;
use docclass::train::{self, data, Evaluation};
use futures::StreamExt;

async fn served_evaluation(server: &TestServer, model: &str, task: Task, test: &str) -> Evaluation {
    let examples = data::load(&shared_dir().join("data").join(test), task)
        .expect("test split")
        .examples;
    let requests: Vec<pb::ClassifyRequest> = examples
        .iter()
        .enumerate()
        .map(|(i, e)| pb::ClassifyRequest {
            id: i.to_string(),
            title: e.title.clone(),
            text: e.text.clone(),
            target: e.target.clone().unwrap_or_default(),
            topic_model: if task == Task::Topic {
                model.into()
            } else {
                String::new()
            },
            stance_model: if task == Task::Stance {
                model.into()
            } else {
                String::new()
            },
            ..Default::default()
        })
        .collect();
    let mut client = server.client().await;
    let mut answers = client
        .classify_stream(futures::stream::iter(requests))
        .await
        .expect("stream")
        .into_inner();
    let info = client
        .get_model_info(pb::GetModelInfoRequest {})
        .await
        .expect("info")
        .into_inner();
    let labels = info
        .models
        .into_iter()
        .find(|m| m.name == model)
        .expect("model served")
        .labels;
    let (mut truth, mut probabilities) = (Vec::new(), Vec::new());
    while let Some(answer) = answers.next().await {
        let answer = answer.expect("answer");
        let example = &examples[answer.id.parse::<usize>().expect("id")];
        let prediction = if task == Task::Topic {
            answer.topic
        } else {
            answer.stance
        }
        .expect("prediction");
        let mut row = vec![0.0f32; labels.len()];
        for score in prediction.scores {
            row[labels
                .iter()
                .position(|l| *l == score.label)
                .expect("label")] = score.score;
        }
        truth.push(
            labels
                .iter()
                .position(|l| *l == example.label)
                .expect("known label"),
        );
        probabilities.push(row);
    }
    assert_eq!(truth.len(), examples.len());
    Evaluation::compute(&labels, &truth, &probabilities)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn served_predictions_reproduce_the_evaluate_figures() {
    let server = TestServer::start().await;
    for (model, task, test) in [
        ("bbc", Task::Topic, "bbc/test.jsonl"),
        ("semeval2016", Task::Stance, "semeval2016-stance/test.jsonl"),
    ] {
        let served = served_evaluation(&server, model, task, test).await;
        let offline = train::evaluate(
            &models_dir().join(format!("{model}.model")),
            &shared_dir().join("data").join(test),
            &train::data::FieldNames::default(),
        )
        .expect("evaluate");
        assert_eq!(served.confusion, offline.confusion, "{model}");
        assert_eq!(served.accuracy, offline.accuracy, "{model}");
        assert_eq!(served.macro_f1, offline.macro_f1, "{model}");
        assert_eq!(served.official, offline.official, "{model}");
        assert!(
            (served.expected_calibration_error - offline.expected_calibration_error).abs() < 1e-9
        );
    }
}

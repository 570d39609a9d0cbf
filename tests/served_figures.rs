//! The figures in the README come from the server: classifying a test split through the gRPC
//! API gives exactly the numbers `docclass evaluate` prints. FNC-1 (25,413 pairs) is too slow
//! for a debug build; `benches/served_figures.sh` checks it against the release server in CI.

mod common;

use common::{models_dir, shared_dir, TestServer};
use docclass::corpus::{self, FieldNames};
use docclass::evaluate;
use docclass::loadgen::served_evaluation::served_evaluation;
use docclass::model::Task;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn served_predictions_reproduce_the_evaluate_figures() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    for (model, task, test) in [
        ("bbc", Task::Topic, "bbc/test.jsonl"),
        ("semeval2016", Task::Stance, "semeval2016-stance/test.jsonl"),
    ] {
        let path = shared_dir().join("data").join(test);
        let examples = corpus::load(&path, task).expect("test split").examples;
        let served = served_evaluation(&mut client, model, task, &examples)
            .await
            .expect("served figures");
        let offline = evaluate::evaluate(
            &models_dir().join(format!("{model}.model")),
            &path,
            &FieldNames::default(),
        )
        .expect("evaluate");
        assert_eq!(served.documents, examples.len() as u64, "{model}");
        assert_eq!(served.confusion, offline.confusion, "{model}");
        assert_eq!(served.accuracy, offline.accuracy, "{model}");
        assert_eq!(served.macro_f1, offline.macro_f1, "{model}");
        assert_eq!(served.official, offline.official, "{model}");
        assert!(
            (served.expected_calibration_error - offline.expected_calibration_error).abs() < 1e-9
        );
    }
}

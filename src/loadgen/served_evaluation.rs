//! Evaluation figures measured through the server: every example of a labeled split is sent
//! over `ClassifyStream` to a named model, and the returned scores are scored with the same
//! [`Evaluation::compute`] that `docclass evaluate` uses. The README's figures are claimed to
//! be what the server answers; `tests/served_figures.rs` (BBC, SemEval) and
//! `benches/served_figures.sh` (FNC-1, against the release server) check exactly that.

use thiserror::Error;
use tonic::transport::Channel;

use crate::corpus::Example;
use crate::evaluate::Evaluation;
use crate::model::Task;
use crate::pb;
use crate::pb::document_service_client::DocumentServiceClient;

/// Why the served figures could not be measured.
#[derive(Debug, Error)]
pub enum ServedEvaluationError {
    /// A call failed.
    #[error("{call}: {status}")]
    Rpc {
        /// The RPC or stream that failed.
        call: &'static str,
        /// What the server said.
        status: tonic::Status,
    },
    /// The server does not serve the model.
    #[error("model {0} is not served")]
    UnknownModel(String),
    /// An answer cannot be matched to the request or the model's labels.
    #[error("unexpected answer: {0}")]
    UnexpectedAnswer(String),
    /// An example's label is not one of the model's labels.
    #[error("example {index}: label {label:?} is not one of the model's labels")]
    UnknownLabel {
        /// Position of the example in the split.
        index: usize,
        /// Its label.
        label: String,
    },
}

fn rpc(call: &'static str) -> impl FnOnce(tonic::Status) -> ServedEvaluationError {
    move |status| ServedEvaluationError::Rpc { call, status }
}

/// Classifies `examples` with `model` (a `task` model) over one `ClassifyStream` and returns
/// the figures of the returned scores; each example's target (if any) is sent as `target`.
pub async fn served_evaluation(
    client: &mut DocumentServiceClient<Channel>,
    model: &str,
    task: Task,
    examples: &[Example],
) -> Result<Evaluation, ServedEvaluationError> {
    let labels = client
        .get_model_info(pb::GetModelInfoRequest {})
        .await
        .map_err(rpc("GetModelInfo"))?
        .into_inner()
        .models
        .into_iter()
        .find(|m| m.name == model)
        .ok_or_else(|| ServedEvaluationError::UnknownModel(model.into()))?
        .labels;
    let truth = examples
        .iter()
        .enumerate()
        .map(|(index, e)| {
            labels.iter().position(|l| *l == e.label).ok_or_else(|| {
                ServedEvaluationError::UnknownLabel {
                    index,
                    label: e.label.clone(),
                }
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let (topic_model, stance_model) = match task {
        Task::Topic => (model.to_string(), String::new()),
        Task::Stance => (String::new(), model.to_string()),
    };
    let requests: Vec<pb::ClassifyRequest> = examples
        .iter()
        .enumerate()
        .map(|(i, e)| pb::ClassifyRequest {
            id: i.to_string(),
            title: e.title.clone(),
            text: e.text.clone(),
            target: e.target.clone().unwrap_or_default(),
            topic_model: topic_model.clone(),
            stance_model: stance_model.clone(),
            ..Default::default()
        })
        .collect();
    let mut answers = client
        .classify_stream(futures::stream::iter(requests))
        .await
        .map_err(rpc("ClassifyStream"))?
        .into_inner();
    let mut probabilities: Vec<Option<Vec<f32>>> = vec![None; examples.len()];
    while let Some(answer) = answers.message().await.map_err(rpc("ClassifyStream"))? {
        let index = answer
            .id
            .parse::<usize>()
            .ok()
            .filter(|i| *i < examples.len())
            .ok_or_else(|| {
                ServedEvaluationError::UnexpectedAnswer(format!("id {:?}", answer.id))
            })?;
        let prediction = match task {
            Task::Topic => answer.topic,
            Task::Stance => answer.stance,
        }
        .ok_or_else(|| {
            ServedEvaluationError::UnexpectedAnswer(format!("no {task} in answer {index}"))
        })?;
        let mut row = vec![0.0f32; labels.len()];
        for score in prediction.scores {
            let column = labels
                .iter()
                .position(|l| *l == score.label)
                .ok_or_else(|| {
                    ServedEvaluationError::UnexpectedAnswer(format!("label {:?}", score.label))
                })?;
            row[column] = score.score;
        }
        probabilities[index] = Some(row);
    }
    let probabilities = probabilities
        .into_iter()
        .enumerate()
        .map(|(i, p)| {
            p.ok_or_else(|| ServedEvaluationError::UnexpectedAnswer(format!("no answer for {i}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Evaluation::compute(&labels, &truth, &probabilities))
}

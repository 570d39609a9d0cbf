//! The gRPC face of docclass: the `DocumentService` implementation, the Open Inference
//! Protocol (KServe v2) beside it in [`kserve`], the server that hosts both beside the
//! standard health and reflection services, and the mapping of errors to status codes.
//!
//! Both protocols call the same core: `DocumentService`'s checks, predictions and summaries,
//! and `unary`'s deadline, admission and logging.
//!
//! Handlers validate the request, take a lock-free snapshot of the loaded models and call
//! the library; model weights are shared read-only between all requests.

mod accept;
mod admin;
mod admission;
mod auth;
mod cardinality;
mod connection;
mod convert;
mod deadline;
pub mod kserve;
mod server;
mod status;
mod status_rewrite;
mod unary;

use std::pin::Pin;
use std::sync::Arc;

use futures::{Stream, StreamExt};
use tonic::{Request, Response, Status, Streaming};

use crate::mentions::MentionFinder;
use crate::model::{registry::ServedClassifier, ModelSet, Prediction, ReloadableModelSet, Task};
use crate::pb;
use crate::stance::{self, route, TargetStance};
use crate::summarize::{SummarizeOptions, Summary};
use crate::telemetry::{self, PredictionCounters, RequestContext};
use crate::text::{self, Document};
pub use accept::{Accept, ACCEPT_BACKOFF_MAX, ACCEPT_BACKOFF_MIN};
pub use admin::AdminService;
pub use admission::{Admission, Permit};
pub use auth::BearerAuth;
pub use connection::{Connections, GuardedStream};
pub use deadline::{parse_grpc_timeout, Deadline};
pub use server::{
    incoming, runtime, serve, transport, ServeError, ServerConfig, TlsFiles,
    CONNECTION_WINDOW_BYTES, DEFAULT_HANDSHAKE_TIMEOUT, DEFAULT_INLINE_MAX_BYTES,
    DEFAULT_SHUTDOWN_GRACE, STREAM_WINDOW_BYTES,
};
pub use status::{ServiceError, ECHO_MAX_BYTES, MAX_ID_BYTES, MAX_MODEL_NAME_BYTES};
use unary::unary;

/// Request limits enforced by the handlers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest accepted `text` (and `title`/`target`), in bytes.
    pub max_document_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_document_bytes: 1 << 20,
        }
    }
}

/// Requests of one `ClassifyStream` computed concurrently (answers keep request order).
const STREAM_PIPELINE: usize = 8;

/// `docclass.v1.DocumentService`, backed by the loaded models.
#[derive(Debug, Clone)]
pub struct DocumentService {
    models: Arc<ReloadableModelSet>,
    limits: Limits,
    admission: Admission,
    counters: Arc<PredictionCounters>,
}

impl DocumentService {
    /// A service answering with the models of `store` under `limits`, computing on
    /// `admission`'s workers.
    pub fn new(models: Arc<ReloadableModelSet>, limits: Limits, admission: Admission) -> Self {
        Self {
            models,
            limits,
            admission,
            counters: Arc::default(),
        }
    }

    /// Classifies one request (what the `Classify` RPC does), for callers in-process.
    pub fn classify_one(
        &self,
        request: &pb::ClassifyRequest,
    ) -> Result<pb::ClassifyResponse, ServiceError> {
        let document = self.document(&request.title, &request.text, &request.target)?;
        check_length("id", &request.id, status::MAX_ID_BYTES)?;
        check_length(
            "topic_model",
            &request.topic_model,
            status::MAX_MODEL_NAME_BYTES,
        )?;
        check_length(
            "stance_model",
            &request.stance_model,
            status::MAX_MODEL_NAME_BYTES,
        )?;
        let max_evidence = match request.max_evidence as usize {
            0 => stance::DEFAULT_EVIDENCE,
            n if n > stance::MAX_EVIDENCE => {
                return Err(ServiceError::OverCount {
                    field: "max_evidence",
                    requested: request.max_evidence.into(),
                    limit: stance::MAX_EVIDENCE,
                })
            }
            n => n,
        };
        let models = self.models.snapshot();
        let topic_model = resolve(&models, Task::Topic, &request.topic_model)?;
        let target = document.target;
        let stance_name = route::stance_model_name(&models, &request.stance_model, target);
        let stance_model = resolve(&models, Task::Stance, stance_name)?;
        let explain = if request.explain { EXPLAIN_TERMS } else { 0 };
        let top_k = request.top_k as usize;
        let topic = self.answer(&topic_model, &document, explain, top_k);
        let (stance, target_evidence) =
            if route::is_sentence_level(&stance_model.classifier.metadata().name) {
                match target {
                    Some(target) => {
                        let (stance, evidence) = self.answer_named(
                            &models,
                            &stance_model,
                            target,
                            &request.text,
                            max_evidence,
                            top_k,
                        );
                        (stance, Some(evidence))
                    }
                    None => (None, None),
                }
            } else {
                let stance = (target.is_some() || !stance_model.classifier.needs_target())
                    .then(|| self.answer(&stance_model, &document, explain, top_k));
                (stance, None)
            };
        Ok(pb::ClassifyResponse {
            id: request.id.clone(),
            topic: Some(topic),
            stance,
            target_evidence,
        })
    }

    /// Summarizes one request (what the `Summarize` RPC does), for callers in-process.
    pub fn summarize_one(
        &self,
        request: &pb::SummarizeRequest,
    ) -> Result<pb::SummarizeResponse, ServiceError> {
        let models = self.models.snapshot();
        let summary = self.summary(
            &models,
            &request.title,
            &request.text,
            request.max_sentences,
            request.ratio,
        )?;
        Ok(convert::summary(&request.text, &summary))
    }

    /// The summary of `text` (headed by `title`) by the summarizer of `models`, after the
    /// checks every protocol's summary request gets: `max_sentences` 0 and `ratio` 0 mean
    /// "not set".
    fn summary(
        &self,
        models: &ModelSet,
        title: &str,
        text: &str,
        max_sentences: u32,
        ratio: f32,
    ) -> Result<Summary, ServiceError> {
        self.check_text("text", text, true)?;
        self.check_text("title", title, false)?;
        if !(0.0..=1.0).contains(&ratio) {
            return Err(ServiceError::InvalidField {
                field: "ratio",
                message: format!("must be between 0 and 1, got {ratio}"),
            });
        }
        let options = SummarizeOptions {
            max_sentences: (max_sentences > 0).then_some(max_sentences as usize),
            ratio: (ratio > 0.0).then_some(ratio),
        };
        Ok(models.summarizer().summarize(title, text, &options)?)
    }

    /// `model`'s answer for `document` in wire form, counted in the answer metrics.
    fn answer(
        &self,
        model: &ServedClassifier,
        document: &Document,
        explain: usize,
        top_k: usize,
    ) -> pb::Prediction {
        let answer = self.predict(model, document, explain);
        convert::prediction(model.classifier.metadata(), answer, top_k)
    }

    /// `model`'s answer for `document` (with `explain` top terms), counted in the answer
    /// metrics: what every protocol's classification calls.
    fn predict(&self, model: &ServedClassifier, document: &Document, explain: usize) -> Prediction {
        let answer = model.classifier.predict(document, explain);
        self.counters.record(model, answer.best());
        answer
    }

    /// The document of one request after the checks every protocol applies to its fields
    /// (`text` required, each within the length limit and free of control characters); a
    /// blank `target` is no target.
    fn document<'a>(
        &self,
        title: &'a str,
        text: &'a str,
        target: &'a str,
    ) -> Result<Document<'a>, ServiceError> {
        self.check_text("text", text, true)?;
        self.check_text("title", title, false)?;
        self.check_text("target", target, false)?;
        Ok(Document {
            title,
            text,
            target: (!text::is_blank(target)).then_some(target),
            mentions: &[],
        })
    }

    /// The sentence-level `model`'s stance toward the named `target` in `text` (absent when
    /// `text` never mentions it), counted in the answer metrics, and its evidence.
    fn answer_named(
        &self,
        models: &ModelSet,
        model: &ServedClassifier,
        target: &str,
        text: &str,
        max_evidence: usize,
        top_k: usize,
    ) -> (Option<pb::Prediction>, pb::TargetEvidence) {
        let finder = MentionFinder::new(target, models.aliases());
        let (read, answer) = self.named_stance(&finder, model, target, text);
        let metadata = model.classifier.metadata();
        let stance = answer.map(|answer| convert::prediction(metadata, answer, top_k));
        let entry = finder.entry().map(|e| e.name.as_str());
        let evidence = convert::target_evidence(text, metadata, &read, entry, max_evidence);
        (stance, evidence)
    }

    /// The sentence-level `model`'s reading of `text` toward `target` (found by `finder`) and
    /// the document's stance (absent when `text` never mentions it), counted in the answer
    /// metrics: what every protocol's named-target stance calls.
    pub(crate) fn named_stance(
        &self,
        finder: &MentionFinder,
        model: &ServedClassifier,
        target: &str,
        text: &str,
    ) -> (TargetStance, Option<Prediction>) {
        let read = TargetStance::read(&model.classifier, finder, target, text);
        let answer = read.probabilities.clone().map(|probabilities| {
            let answer = Prediction {
                probabilities,
                explanation: Vec::new(),
            };
            self.counters.record(model, answer.best());
            answer
        });
        (read, answer)
    }

    fn check_text(
        &self,
        field: &'static str,
        value: &str,
        required: bool,
    ) -> Result<(), ServiceError> {
        if required && text::is_blank(value) {
            return Err(ServiceError::EmptyField { field });
        }
        if value.len() > self.limits.max_document_bytes {
            return Err(ServiceError::TooLong {
                field,
                length: value.len(),
                limit: self.limits.max_document_bytes,
            });
        }
        if !text::holds_control(value) {
            return Ok(());
        }
        if let Some(c) = value.chars().find(|c| c.is_control() && !c.is_whitespace()) {
            return Err(ServiceError::InvalidField {
                field,
                message: format!("contains control character U+{:04X}", u32::from(c)),
            });
        }
        Ok(())
    }
}

/// Refuses `value` when it is longer than `limit` bytes.
fn check_length(field: &'static str, value: &str, limit: usize) -> Result<(), ServiceError> {
    if value.len() > limit {
        return Err(ServiceError::OverLimit {
            field,
            length: value.len(),
            limit,
        });
    }
    Ok(())
}

/// Number of terms returned when an explanation is asked for.
const EXPLAIN_TERMS: usize = 10;

/// The model of `task` called `name`, or the task's default when `name` is empty.
fn resolve(
    models: &ModelSet,
    task: Task,
    name: &str,
) -> Result<Arc<ServedClassifier>, ServiceError> {
    let name = if name.is_empty() {
        models.default_name(task).unwrap_or_default()
    } else {
        name
    };
    let unknown = || ServiceError::UnknownModel {
        task,
        name: name.to_string(),
        loaded: models
            .models()
            .filter(|m| m.classifier.metadata().task == task)
            .map(|m| m.classifier.metadata().name.as_str())
            .collect::<Vec<_>>()
            .join(", "),
    };
    let model = models.get(name).ok_or_else(unknown)?;
    let actual = model.classifier.metadata().task;
    if actual != task {
        return Err(ServiceError::WrongTask {
            name: name.to_string(),
            expected: task,
            actual,
        });
    }
    Ok(Arc::clone(model))
}

/// The models that answered, as recorded on the request span (`topic,stance`).
fn answered_by(response: &pb::ClassifyResponse) -> String {
    [&response.topic, &response.stance]
        .into_iter()
        .flatten()
        .map(|p| p.model.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

type ResponseStream = Pin<Box<dyn Stream<Item = Result<pb::ClassifyResponse, Status>> + Send>>;

#[tonic::async_trait]
impl pb::document_service_server::DocumentService for DocumentService {
    async fn classify(
        &self,
        request: Request<pb::ClassifyRequest>,
    ) -> Result<Response<pb::ClassifyResponse>, Status> {
        let response = unary(&self.admission, self, request, Self::classify_one).await?;
        telemetry::record_model(|| answered_by(&response));
        Ok(Response::new(response))
    }

    type ClassifyStreamStream = ResponseStream;

    async fn classify_stream(
        &self,
        request: Request<Streaming<pb::ClassifyRequest>>,
    ) -> Result<Response<Self::ClassifyStreamStream>, Status> {
        let deadline = Deadline::from_metadata(request.metadata());
        let context = request.extensions().get::<RequestContext>().copied();
        let service = self.clone();
        let responses = request
            .into_inner()
            .enumerate()
            .map(move |(position, item)| {
                let service = service.clone();
                async move {
                    let request = item.map_err(|error| status::in_stream(position, None, error))?;
                    telemetry::record_text(context.as_ref(), &request.text);
                    let id = request.id.clone();
                    let permit = service.admission.admit().await;
                    let worker = service.clone();
                    service
                        .admission
                        .run(permit, deadline, move || worker.classify_one(&request))
                        .await
                        .inspect(|response| telemetry::record_model(|| answered_by(response)))
                        .map_err(|error| status::in_stream(position, Some(&id), error.into()))
                }
            })
            .buffered(STREAM_PIPELINE);
        Ok(Response::new(Box::pin(responses)))
    }

    async fn summarize(
        &self,
        request: Request<pb::SummarizeRequest>,
    ) -> Result<Response<pb::SummarizeResponse>, Status> {
        let response = unary(&self.admission, self, request, Self::summarize_one).await?;
        Ok(Response::new(response))
    }

    async fn get_model_info(
        &self,
        _request: Request<pb::GetModelInfoRequest>,
    ) -> Result<Response<pb::GetModelInfoResponse>, Status> {
        Ok(Response::new(convert::model_info(&self.models.snapshot())))
    }
}

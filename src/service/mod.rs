//! The gRPC face of docclass: the `DocumentService` implementation, the server that hosts it
//! beside the standard health and reflection services, and the mapping of errors to status
//! codes.
//!
//! Handlers validate the request, take a lock-free snapshot of the loaded models and call
//! the library; model weights are shared read-only between all requests.

mod admin;
mod admission;
mod auth;
mod convert;
mod edge;
mod server;
mod status;

use std::pin::Pin;
use std::sync::Arc;

use futures::{Stream, StreamExt};
use tonic::{Request, Response, Status, Streaming};

use crate::model::{registry::LoadedModel, ModelRegistry, ModelStore, Task};
use crate::pb;
use crate::summarize::SummarizeOptions;
use crate::telemetry::{self, RequestContext};
use crate::text::{self, Document};
pub use admin::AdminService;
pub use admission::{parse_grpc_timeout, Admission, Deadline, Permit};
pub use auth::BearerAuth;
pub use server::{
    incoming, runtime, serve, transport, ServeError, ServerConfig, TlsFiles,
    DEFAULT_INLINE_MAX_BYTES,
};
pub use status::ServiceError;

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
    models: Arc<ModelStore>,
    limits: Limits,
    admission: Admission,
}

impl DocumentService {
    /// A service answering with the models of `store` under `limits`, computing on
    /// `admission`'s workers.
    pub fn new(models: Arc<ModelStore>, limits: Limits, admission: Admission) -> Self {
        Self {
            models,
            limits,
            admission,
        }
    }

    /// Classifies one request (what the `Classify` RPC does), for callers in-process.
    pub fn classify_one(
        &self,
        request: &pb::ClassifyRequest,
    ) -> Result<pb::ClassifyResponse, ServiceError> {
        self.check_text("text", &request.text, true)?;
        self.check_text("title", &request.title, false)?;
        self.check_text("target", &request.target, false)?;
        let models = self.models.snapshot();
        let topic_model = resolve(&models, Task::Topic, &request.topic_model)?;
        let stance_model = resolve(&models, Task::Stance, &request.stance_model)?;
        let has_target = !text::is_blank(&request.target);
        let document = Document {
            title: &request.title,
            text: &request.text,
            target: has_target.then_some(request.target.as_str()),
        };
        let explain = if request.explain { EXPLAIN_TERMS } else { 0 };
        let top_k = request.top_k as usize;
        let topic = convert::prediction(&topic_model, &document, explain, top_k);
        let stance = (has_target || !stance_model.classifier.needs_target())
            .then(|| convert::prediction(&stance_model, &document, explain, top_k));
        Ok(pb::ClassifyResponse {
            id: request.id.clone(),
            topic: Some(topic),
            stance,
        })
    }

    /// Summarizes one request (what the `Summarize` RPC does), for callers in-process.
    pub fn summarize_one(
        &self,
        request: &pb::SummarizeRequest,
    ) -> Result<pb::SummarizeResponse, ServiceError> {
        self.check_text("text", &request.text, true)?;
        self.check_text("title", &request.title, false)?;
        if !(0.0..=1.0).contains(&request.ratio) {
            return Err(ServiceError::InvalidField {
                field: "ratio",
                message: format!("must be between 0 and 1, got {}", request.ratio),
            });
        }
        let options = SummarizeOptions {
            max_sentences: (request.max_sentences > 0).then_some(request.max_sentences as usize),
            ratio: (request.ratio > 0.0).then_some(request.ratio),
        };
        let models = self.models.snapshot();
        let summary = models
            .summarizer()
            .summarize(&request.title, &request.text, &options)?;
        Ok(convert::summary(&request.text, &summary))
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
        if !holds_control(value) {
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

/// Whether `value` holds a control character that is not whitespace: U+0000–001F and U+007F
/// but for U+0009–000D, and U+0080–009F (0xC2 0x80–0x9F in UTF-8) but for U+0085. Each byte
/// is looked at together with the one after it, without a branch within a 64-byte block (the
/// loop vectorises), so text with "£" (0xC2 0xA3) is not looked at again.
fn holds_control(value: &str) -> bool {
    const BLOCK: usize = 64;
    let control = |byte: u8, next: u8| {
        let c0 = (byte < 0x20) & !(0x09..=0x0d).contains(&byte) | (byte == 0x7f);
        let c1 = (byte == 0xc2) & (next & 0xe0 == 0x80) & (next != 0x85);
        c0 | c1
    };
    let any_control = |bytes: &[u8], nexts: &[u8]| {
        bytes
            .iter()
            .zip(nexts)
            .fold(false, |seen, (byte, next)| seen | control(*byte, *next))
    };
    let Some((&last, _)) = value.as_bytes().split_last() else {
        return false;
    };
    // Every byte but the last, with the byte after it.
    let (bytes, nexts) = (&value.as_bytes()[..value.len() - 1], &value.as_bytes()[1..]);
    let blocks = bytes.chunks_exact(BLOCK);
    let rest = blocks.remainder();
    blocks
        .zip(nexts.chunks_exact(BLOCK))
        .any(|(bytes, nexts)| any_control(bytes, nexts))
        || any_control(rest, &nexts[nexts.len() - rest.len()..])
        || control(last, 0)
}

/// Number of terms returned when an explanation is asked for.
const EXPLAIN_TERMS: usize = 10;

/// The model of `task` called `name`, or the task's default when `name` is empty.
fn resolve(
    models: &ModelRegistry,
    task: Task,
    name: &str,
) -> Result<Arc<LoadedModel>, ServiceError> {
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
        let deadline = Deadline::from_metadata(request.metadata());
        let context = request.extensions().get::<RequestContext>().copied();
        let permit = self.admission.try_admit()?;
        let service = self.clone();
        let request = request.into_inner();
        telemetry::record_text(context.as_ref(), &request.text);
        let bytes = request.text.len() + request.title.len() + request.target.len();
        let response = self
            .admission
            .run_unary(permit, deadline, bytes, move || {
                service.classify_one(&request)
            })
            .await?;
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
                    let request = item?;
                    telemetry::record_text(context.as_ref(), &request.text);
                    let id = request.id.clone();
                    let permit = service.admission.admit().await;
                    let worker = service.clone();
                    service
                        .admission
                        .run(permit, deadline, move || worker.classify_one(&request))
                        .await
                        .inspect(|response| telemetry::record_model(|| answered_by(response)))
                        .map_err(|error| {
                            let status = Status::from(error);
                            Status::new(
                                status.code(),
                                format!("request {position} (id {id:?}): {}", status.message()),
                            )
                        })
                }
            })
            .buffered(STREAM_PIPELINE);
        Ok(Response::new(Box::pin(responses)))
    }

    async fn summarize(
        &self,
        request: Request<pb::SummarizeRequest>,
    ) -> Result<Response<pb::SummarizeResponse>, Status> {
        let deadline = Deadline::from_metadata(request.metadata());
        let context = request.extensions().get::<RequestContext>().copied();
        let permit = self.admission.try_admit()?;
        let service = self.clone();
        let request = request.into_inner();
        telemetry::record_model(|| "summarizer".to_string());
        telemetry::record_text(context.as_ref(), &request.text);
        let bytes = request.text.len() + request.title.len();
        let response = self
            .admission
            .run_unary(permit, deadline, bytes, move || {
                service.summarize_one(&request)
            })
            .await?;
        Ok(Response::new(response))
    }

    async fn get_model_info(
        &self,
        _request: Request<pb::GetModelInfoRequest>,
    ) -> Result<Response<pb::GetModelInfoResponse>, Status> {
        Ok(Response::new(convert::model_info(&self.models.snapshot())))
    }
}

#[cfg(test)]
mod tests {
    use super::holds_control;

    #[test]
    fn byte_scan_finds_exactly_the_control_characters() {
        for c in (0..0x3000).filter_map(char::from_u32) {
            let expected = c.is_control() && !c.is_whitespace();
            // Alone, and at every offset of a text longer than two blocks (so also across
            // the boundary of two blocks, and as the last character).
            assert_eq!(
                holds_control(&c.to_string()),
                expected,
                "U+{:04X}",
                u32::from(c)
            );
            for offset in 0..150 {
                let text = format!("{}{c}{}", "a".repeat(offset), "£ b".repeat(50 - offset / 3));
                assert_eq!(
                    holds_control(&text),
                    expected,
                    "U+{:04X} at byte {offset}",
                    u32::from(c)
                );
            }
        }
        assert!(!holds_control(""));
    }
}

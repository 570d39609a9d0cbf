//! The Open Inference Protocol (KServe v2, `inference.GRPCInferenceService`) beside
//! `docclass.v1`, on the same port, so services that call models through KServe, Triton or
//! Seldon clients call docclass without an adapter.
//!
//! Every model of the served set is a v2 model by its name and version ([`models`]); a
//! `ModelInfer` request carries a batch of N documents as BYTES tensors of shape [N]
//! ([`tensors`]) and options as request parameters ([`parameters`]), and gets the answers
//! as output tensors ([`outputs`]). The work itself is the native API's: the same checks of
//! each document, the same predictions and summaries (`DocumentService`), and the same
//! deadline, admission control and logging (`unary`); auth, limits and metrics wrap both
//! services alike in `server`.

mod error;
pub mod models;
mod outputs;
mod parameters;
pub mod tensors;

use tonic::{Request, Response, Status};

use super::unary::{unary, UnaryRequest};
use super::{check_length, status, DocumentService, ServiceError};
use crate::mentions::MentionFinder;
use crate::pb::inference::{self as v2, grpc_inference_service_server::GrpcInferenceService};
use crate::stance::route;
use crate::telemetry::{self, RequestContext};
pub use error::InferError;
use models::{V2Model, TARGET_SLOT, TEXT_SLOT, TITLE_SLOT};
use parameters::{ClassifyParameters, SummaryParameters};
use tensors::Inputs;

/// What `ServerMetadata` gives as the server's name.
pub const SERVER_NAME: &str = "docclass";

/// The protocol extensions `ServerMetadata` lists: request parameters (`top_k`,
/// `max_sentences`, `ratio`).
pub const EXTENSIONS: &[&str] = &["parameters"];

/// `inference.GRPCInferenceService`, answering with the core of `DocumentService`.
#[derive(Debug, Clone)]
pub struct InferenceService {
    core: DocumentService,
}

impl InferenceService {
    /// The v2 protocol over `core`'s models, limits and admission control.
    pub fn new(core: DocumentService) -> Self {
        Self { core }
    }
}

impl UnaryRequest for v2::ModelInferRequest {
    fn record_on_span(&self, context: Option<&RequestContext>) {
        if let Some(text) = tensors::first_text(self) {
            telemetry::record_text(context, text);
        }
    }

    fn work_bytes(&self) -> usize {
        tensors::input_bytes(self)
    }
}

/// Checks the lengths of a model name and version a client sent.
fn check_model_name(name: &str, version: &str) -> Result<(), ServiceError> {
    if name.is_empty() {
        return Err(ServiceError::EmptyField {
            field: "model name",
        });
    }
    check_length("model name", name, status::MAX_MODEL_NAME_BYTES)?;
    check_length("model version", version, status::MAX_MODEL_NAME_BYTES)
}

/// Answers one `ModelInfer` request (the work that runs under admission control).
fn infer(
    core: &DocumentService,
    request: &v2::ModelInferRequest,
) -> Result<v2::ModelInferResponse, ServiceError> {
    check_model_name(&request.model_name, &request.model_version)?;
    check_length("id", &request.id, status::MAX_ID_BYTES)?;
    let models = core.models.snapshot();
    let model = V2Model::find(&models, &request.model_name, &request.model_version)?;
    let name = model.name();
    let inputs = Inputs::decode(request, model.inputs(), name)?;
    let raw = !request.raw_input_contents.is_empty();
    let in_batch = |index: usize| {
        move |source: ServiceError| InferError::Element {
            index,
            source: Box::new(source),
        }
    };
    let tensors = match &model {
        V2Model::Classifier(classifier) => {
            let options = ClassifyParameters::parse(&request.parameters, name)?;
            let wanted = outputs::requested(&request.outputs, &model, options.top_k.is_some())?;
            let sentence_level = route::is_sentence_level(name);
            let answers = (0..inputs.batch())
                .map(|index| {
                    let document = core
                        .document(
                            inputs.get(TITLE_SLOT, index),
                            inputs.get(TEXT_SLOT, index),
                            inputs.get(TARGET_SLOT, index),
                        )
                        .map_err(in_batch(index))?;
                    if document.target.is_none() && classifier.classifier.needs_target() {
                        return Err(in_batch(index)(ServiceError::EmptyField {
                            field: "target",
                        }));
                    }
                    // A sentence-level model answers as Classify does toward a named
                    // target: read off the sentences that mention it, none when none do.
                    match document.target {
                        Some(target) if sentence_level => {
                            let finder = MentionFinder::new(target, models.aliases());
                            Ok(core
                                .named_stance(&finder, classifier, target, document.text)
                                .1)
                        }
                        _ => Ok(Some(core.predict(classifier, &document, 0))),
                    }
                })
                .collect::<Result<Vec<_>, InferError>>()?;
            let labels = &classifier.classifier.metadata().labels;
            outputs::classifications(labels, &answers, options.top_k, &wanted)
        }
        V2Model::Summarizer => {
            let options = SummaryParameters::parse(&request.parameters, name)?;
            let wanted = outputs::requested(&request.outputs, &model, false)?;
            let texts: Vec<&str> = (0..inputs.batch())
                .map(|index| inputs.get(TEXT_SLOT, index))
                .collect();
            let summaries = texts
                .iter()
                .enumerate()
                .map(|(index, text)| {
                    core.summary(
                        &models,
                        inputs.get(TITLE_SLOT, index),
                        text,
                        options.max_sentences,
                        options.ratio,
                    )
                    .map_err(in_batch(index))
                })
                .collect::<Result<Vec<_>, InferError>>()?;
            outputs::summaries(&texts, &summaries, &wanted)
        }
    };
    Ok(outputs::response(
        tensors,
        raw,
        name.to_string(),
        model.version(&models).to_string(),
        request.id.clone(),
    ))
}

#[tonic::async_trait]
impl GrpcInferenceService for InferenceService {
    async fn server_live(
        &self,
        _request: Request<v2::ServerLiveRequest>,
    ) -> Result<Response<v2::ServerLiveResponse>, Status> {
        Ok(Response::new(v2::ServerLiveResponse { live: true }))
    }

    /// Ready whenever it answers: the server listens only once every model has loaded, and a
    /// reload keeps the previous set serving until the new one has loaded.
    async fn server_ready(
        &self,
        _request: Request<v2::ServerReadyRequest>,
    ) -> Result<Response<v2::ServerReadyResponse>, Status> {
        Ok(Response::new(v2::ServerReadyResponse { ready: true }))
    }

    async fn model_ready(
        &self,
        request: Request<v2::ModelReadyRequest>,
    ) -> Result<Response<v2::ModelReadyResponse>, Status> {
        let request = request.into_inner();
        check_model_name(&request.name, &request.version)?;
        let models = self.core.models.snapshot();
        let ready = V2Model::find(&models, &request.name, &request.version).is_ok();
        Ok(Response::new(v2::ModelReadyResponse { ready }))
    }

    async fn server_metadata(
        &self,
        _request: Request<v2::ServerMetadataRequest>,
    ) -> Result<Response<v2::ServerMetadataResponse>, Status> {
        Ok(Response::new(v2::ServerMetadataResponse {
            name: SERVER_NAME.to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            extensions: EXTENSIONS.iter().map(|e| e.to_string()).collect(),
        }))
    }

    async fn model_metadata(
        &self,
        request: Request<v2::ModelMetadataRequest>,
    ) -> Result<Response<v2::ModelMetadataResponse>, Status> {
        let request = request.into_inner();
        check_model_name(&request.name, &request.version)?;
        let models = self.core.models.snapshot();
        let model =
            V2Model::find(&models, &request.name, &request.version).map_err(ServiceError::from)?;
        Ok(Response::new(model.metadata(&models)))
    }

    async fn model_infer(
        &self,
        request: Request<v2::ModelInferRequest>,
    ) -> Result<Response<v2::ModelInferResponse>, Status> {
        let response = unary(&self.core.admission, &self.core, request, infer).await?;
        telemetry::record_model(|| response.model_name.clone());
        Ok(Response::new(response))
    }
}

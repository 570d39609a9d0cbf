//! The one place where errors become gRPC status codes.

use tonic::{Code, Status};

use crate::summarize::SummarizeError;

/// Everything a request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// A required field is empty.
    #[error("{field} is empty")]
    EmptyField {
        /// The field's name in the request.
        field: &'static str,
    },
    /// A field holds a value outside its range.
    #[error("{field}: {message}")]
    InvalidField {
        /// The field's name in the request.
        field: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// A field is longer than the configured limit.
    #[error("{field} is {length} bytes, over the limit of {limit} bytes (--max-document-bytes)")]
    TooLong {
        /// The field's name.
        field: &'static str,
        /// Its length in bytes.
        length: usize,
        /// The limit.
        limit: usize,
    },
    /// No model of that name is loaded.
    #[error("no {task} model named {name:?} (loaded: {loaded})")]
    UnknownModel {
        /// Topic or stance.
        task: crate::model::Task,
        /// The requested name.
        name: String,
        /// The names of the loaded models of that task.
        loaded: String,
    },
    /// The model asked for belongs to the other task.
    #[error("model {name:?} is a {actual} model, not a {expected} model")]
    WrongTask {
        /// The requested name.
        name: String,
        /// The task of the field it was given in.
        expected: crate::model::Task,
        /// The task of the model.
        actual: crate::model::Task,
    },
    /// Every request slot is taken.
    #[error("server overloaded: {limit} requests in flight (--max-in-flight); retry with backoff")]
    Overloaded {
        /// The configured limit.
        limit: usize,
    },
    /// The caller's deadline passed before the answer was ready.
    #[error("deadline exceeded after {waited_ms} ms")]
    DeadlineExceeded {
        /// Time since the request arrived.
        waited_ms: u64,
    },
    /// The request carries no valid bearer token.
    #[error("{0}")]
    Unauthenticated(&'static str),
    /// Reloading the models failed; the previous set keeps serving.
    #[error("reload failed, previous models still serving: {0}")]
    ReloadFailed(#[from] crate::model::RegistryError),
    /// A bug: the request could not be completed.
    #[error("internal error: {0}")]
    Internal(&'static str),
    /// The summarizer rejected the request.
    #[error(transparent)]
    Summarize(#[from] SummarizeError),
}

impl From<ServiceError> for Status {
    fn from(error: ServiceError) -> Self {
        let code = match &error {
            ServiceError::EmptyField { .. } | ServiceError::InvalidField { .. } => {
                Code::InvalidArgument
            }
            ServiceError::TooLong { .. } => Code::InvalidArgument,
            ServiceError::UnknownModel { .. } => Code::NotFound,
            ServiceError::WrongTask { .. } => Code::InvalidArgument,
            ServiceError::Summarize(_) => Code::InvalidArgument,
            ServiceError::Overloaded { .. } => Code::ResourceExhausted,
            ServiceError::DeadlineExceeded { .. } => Code::DeadlineExceeded,
            ServiceError::Unauthenticated(_) => Code::Unauthenticated,
            ServiceError::ReloadFailed(_) => Code::FailedPrecondition,
            ServiceError::Internal(_) => Code::Internal,
        };
        Status::new(code, error.to_string())
    }
}

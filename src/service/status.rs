//! The one place where errors become gRPC status codes, and where client-supplied names and
//! ids are cut to a bounded length before an error message repeats them.

use tonic::{Code, Status};

use super::kserve::InferError;
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
    /// A name or id is longer than the contract allows.
    #[error("{field} is {length} bytes, over the limit of {limit} bytes")]
    OverLimit {
        /// The field's name.
        field: &'static str,
        /// Its length in bytes.
        length: usize,
        /// The limit.
        limit: usize,
    },
    /// A count is over what the contract allows.
    #[error("{field} is {requested}, over the limit of {limit}")]
    OverCount {
        /// The field's name.
        field: &'static str,
        /// The count asked for.
        requested: u64,
        /// The limit.
        limit: usize,
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
    #[error("no {task} model named {} (loaded: {loaded})", echo(.name))]
    UnknownModel {
        /// Topic or stance.
        task: crate::model::Task,
        /// The requested name.
        name: String,
        /// The names of the loaded models of that task.
        loaded: String,
    },
    /// The model asked for belongs to the other task.
    #[error("model {} is a {actual} model, not a {expected} model", echo(.name))]
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
    /// An Open Inference Protocol (v2) request is malformed or names no loaded model.
    #[error(transparent)]
    Infer(#[from] InferError),
}

impl From<ServiceError> for Status {
    fn from(error: ServiceError) -> Self {
        Status::new(code(&error), error.to_string())
    }
}

/// The status code of `error`.
fn code(error: &ServiceError) -> Code {
    match error {
        ServiceError::EmptyField { .. } | ServiceError::InvalidField { .. } => {
            Code::InvalidArgument
        }
        ServiceError::TooLong { .. }
        | ServiceError::OverLimit { .. }
        | ServiceError::OverCount { .. } => Code::InvalidArgument,
        ServiceError::UnknownModel { .. } => Code::NotFound,
        ServiceError::WrongTask { .. } => Code::InvalidArgument,
        ServiceError::Summarize(_) => Code::InvalidArgument,
        ServiceError::Overloaded { .. } => Code::ResourceExhausted,
        ServiceError::DeadlineExceeded { .. } => Code::DeadlineExceeded,
        ServiceError::Unauthenticated(_) => Code::Unauthenticated,
        ServiceError::ReloadFailed(_) => Code::FailedPrecondition,
        ServiceError::Internal(_) => Code::Internal,
        ServiceError::Infer(infer) => match infer {
            InferError::UnknownModel { .. } | InferError::UnknownVersion { .. } => Code::NotFound,
            InferError::Element { source, .. } => code(source),
            InferError::Input { .. }
            | InferError::MissingInput { .. }
            | InferError::Output { .. }
            | InferError::Parameter { .. } => Code::InvalidArgument,
        },
    }
}

/// Longest accepted model name (`topic_model`, `stance_model`), in bytes: models are stored
/// as `NAME.model`, and no file system takes a longer file name.
pub const MAX_MODEL_NAME_BYTES: usize = 255;

/// Longest accepted request `id`, in bytes.
pub const MAX_ID_BYTES: usize = 1024;

/// Most bytes of a client-supplied name or id an error message repeats.
pub const ECHO_MAX_BYTES: usize = 64;

/// `value` as an error message repeats it: quoted, and when longer than
/// [`ECHO_MAX_BYTES`], cut after the last whole character within them, followed by "…"
/// and its length.
pub fn echo(value: &str) -> String {
    if value.len() <= ECHO_MAX_BYTES {
        return format!("{value:?}");
    }
    let mut end = ECHO_MAX_BYTES;
    while !value.is_char_boundary(end) {
        end -= 1;
    }
    format!("{:?}… ({} bytes)", &value[..end], value.len())
}

/// The status that ends a `ClassifyStream` at request `position` (0-based): `status`,
/// corrected as [`client_fault`] says, with the position and, when the request could be
/// decoded, its id in front of the message.
pub fn in_stream(position: usize, id: Option<&str>, status: Status) -> Status {
    let status = client_fault(&status).unwrap_or(status);
    let at = match id {
        Some(id) => format!("request {position} (id {})", echo(id)),
        None => format!("request {position}"),
    };
    Status::new(status.code(), format!("{at}: {}", status.message()))
}

/// The status gRPC specifies for a fault of the client's that tonic answers with another
/// code, or `None` for any other status. Each is recognised by tonic's code and message.
///
/// - a message over the size limit: tonic says OUT_OF_RANGE, gRPC RESOURCE_EXHAUSTED;
/// - bytes that are not protobuf for the message type (often non-UTF-8 bytes in a string
///   field): INTERNAL from the codec, but the fault is the client's, so INVALID_ARGUMENT
///   (the codec's message, which names the field, is kept);
/// - a body that ends inside a message (shorter than its 5-byte prefix or than the length
///   the prefix declares): INTERNAL, here INVALID_ARGUMENT;
/// - a unary call without a request message: INTERNAL, here UNIMPLEMENTED, the code gRPC's
///   status-code guide gives for a call with the wrong number of messages.
pub fn client_fault(status: &Status) -> Option<Status> {
    let message = status.message();
    let (code, message) = match status.code() {
        Code::OutOfRange if message.starts_with("Error, decoded message length too large") => {
            (Code::ResourceExhausted, message.to_string())
        }
        Code::Internal if message.starts_with("failed to decode Protobuf message") => {
            (Code::InvalidArgument, message.to_string())
        }
        Code::Internal if message.starts_with("Unexpected EOF decoding stream") => (
            Code::InvalidArgument,
            "truncated request: the body ends inside a gRPC message (before the end of its \
             5-byte prefix or of the length the prefix declares)"
                .to_string(),
        ),
        Code::Internal if message.starts_with("Missing request message") => (
            Code::Unimplemented,
            "a unary call carries exactly one request message; this one has none".to_string(),
        ),
        _ => return None,
    };
    Some(Status::new(code, message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_names_are_echoed_as_a_prefix_of_whole_characters() {
        assert_eq!(echo("bbc"), "\"bbc\"");
        let long = "é".repeat(100);
        let echoed = echo(&long);
        assert!(
            echoed.starts_with(&format!("\"{}\"…", "é".repeat(32))),
            "{echoed}"
        );
        assert!(echoed.ends_with("(200 bytes)"), "{echoed}");
        let error = ServiceError::UnknownModel {
            task: crate::model::Task::Stance,
            name: "x".repeat(1_000_000),
            loaded: "fnc1".into(),
        };
        assert!(error.to_string().len() < 200, "{error}");
    }
}

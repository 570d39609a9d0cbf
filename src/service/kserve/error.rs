//! What an Open Inference Protocol request can get wrong that the native API has no word for:
//! unknown model versions, malformed tensors and parameters. `service::status` turns each
//! into its status code, beside every other error.

use crate::service::status::echo;
use crate::service::ServiceError;

/// A v2 request the server cannot answer.
#[derive(Debug, thiserror::Error)]
pub enum InferError {
    /// No model of that name is loaded.
    #[error("no model named {} (loaded: {loaded})", echo(.name))]
    UnknownModel {
        /// The requested name.
        name: String,
        /// The names of the loaded models.
        loaded: String,
    },
    /// The model is loaded, but not in that version.
    #[error("model {name} has no version {} (loaded: {loaded})", echo(.version))]
    UnknownVersion {
        /// The model's name.
        name: String,
        /// The requested version.
        version: String,
        /// The version that is loaded.
        loaded: String,
    },
    /// An input tensor is malformed (name, datatype, shape or contents).
    #[error("input tensor {}: {message}", echo(.tensor))]
    Input {
        /// The tensor's name, as the client sent it.
        tensor: String,
        /// What is wrong with it.
        message: String,
    },
    /// A required input tensor is missing.
    #[error("input tensor {tensor:?} is missing (model {model} takes {inputs})")]
    MissingInput {
        /// The missing tensor.
        tensor: &'static str,
        /// The model asked for.
        model: String,
        /// The model's inputs.
        inputs: String,
    },
    /// One document of the batch fails the checks every protocol applies (the message of
    /// `source` names the tensor: `text`, `title` or `target`).
    #[error("document {index} of the batch: {source}")]
    Element {
        /// The document's position in the batch (0-based).
        index: usize,
        /// What is wrong with it.
        source: Box<ServiceError>,
    },
    /// A requested output tensor is unknown or asked for twice.
    #[error("output tensor {}: {message}", echo(.tensor))]
    Output {
        /// The tensor's name, as the client sent it.
        tensor: String,
        /// What is wrong with it.
        message: String,
    },
    /// A request parameter is unknown or has a value of the wrong type or range.
    #[error("parameter {}: {message}", echo(.name))]
    Parameter {
        /// The parameter's name, as the client sent it.
        name: String,
        /// What is wrong with it.
        message: String,
    },
}

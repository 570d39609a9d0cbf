//! Input tensors of a `ModelInfer` request, decoded: each input the model takes as the UTF-8
//! text of its N elements (one per document of the batch), borrowed from the request.
//!
//! Every input is `BYTES` of shape `[N]`, with the same N for all of them. Its elements come
//! either in `contents.bytes_contents` or, for every input at once, in `raw_input_contents`
//! (what tritonclient sends): each element a 4-byte little-endian length followed by that
//! many bytes, with nothing after the last. Anything else is refused, naming the tensor.

use super::error::InferError;
use super::models::InputSpec;
use crate::pb::inference::model_infer_request::InferInputTensor;
use crate::pb::inference::{InferTensorContents, ModelInferRequest};
use crate::service::ServiceError;

/// The only datatype of docclass's inputs.
pub const BYTES: &str = "BYTES";

/// Most documents in one `ModelInfer` request.
pub const MAX_BATCH_DOCUMENTS: usize = 1024;

/// The decoded inputs of one request.
#[derive(Debug)]
pub(super) struct Inputs<'a> {
    /// Documents in the batch (N).
    batch: usize,
    /// The elements of each input the request carries, in the order of the model's inputs
    /// (`None`: not sent).
    by_spec: Vec<Option<Vec<&'a str>>>,
}

impl<'a> Inputs<'a> {
    /// Decodes the inputs of `request` for a model taking `specs` (called `model`).
    pub(super) fn decode(
        request: &'a ModelInferRequest,
        specs: &[InputSpec],
        model: &str,
    ) -> Result<Self, ServiceError> {
        let raw = &request.raw_input_contents;
        if !raw.is_empty() && raw.len() != request.inputs.len() {
            return Err(ServiceError::InvalidField {
                field: "raw_input_contents",
                message: format!(
                    "has {} entries for {} input tensors (one per input, in their order)",
                    raw.len(),
                    request.inputs.len()
                ),
            });
        }
        let mut by_spec: Vec<Option<Vec<&str>>> = vec![None; specs.len()];
        let mut batch: Option<(usize, &str)> = None;
        for (position, tensor) in request.inputs.iter().enumerate() {
            let Some(slot) = specs.iter().position(|spec| spec.name == tensor.name) else {
                return Err(input_error(
                    tensor,
                    format!(
                        "model {model} takes no such input (it takes {})",
                        names(specs)
                    ),
                )
                .into());
            };
            if by_spec[slot].is_some() {
                return Err(input_error(tensor, "sent twice".to_string()).into());
            }
            if let Some(name) = tensor.parameters.keys().min() {
                return Err(input_error(
                    tensor,
                    format!(
                        "has parameter {}, but no input of docclass takes parameters",
                        crate::service::status::echo(name)
                    ),
                )
                .into());
            }
            let length = check_header(tensor)?;
            match batch {
                None => batch = Some((length, tensor.name.as_str())),
                Some((first, first_name)) if first != length => {
                    return Err(input_error(
                        tensor,
                        format!(
                            "has {length} elements but input {first_name:?} has {first}: \
                             every input holds one element per document"
                        ),
                    )
                    .into())
                }
                Some(_) => {}
            }
            let elements = match raw.get(position) {
                Some(bytes) => {
                    if tensor.contents.is_some() {
                        return Err(input_error(
                            tensor,
                            "has contents while the request uses raw_input_contents (one or \
                             the other for all inputs)"
                                .to_string(),
                        )
                        .into());
                    }
                    split_raw(tensor, bytes, length)?
                }
                None => typed(tensor, length)?,
            };
            by_spec[slot] = Some(elements);
        }
        for (spec, elements) in specs.iter().zip(&by_spec) {
            if spec.required && elements.is_none() {
                return Err(InferError::MissingInput {
                    tensor: spec.name,
                    model: model.to_string(),
                    inputs: names(specs),
                }
                .into());
            }
        }
        let batch = batch.map_or(0, |(length, _)| length);
        Ok(Self { batch, by_spec })
    }

    /// Documents in the batch.
    pub(super) fn batch(&self) -> usize {
        self.batch
    }

    /// Element `index` of the input of `specs[slot]`, or "" when the request does not carry
    /// that input.
    pub(super) fn get(&self, slot: usize, index: usize) -> &'a str {
        self.by_spec
            .get(slot)
            .and_then(Option::as_ref)
            .and_then(|elements| elements.get(index))
            .copied()
            .unwrap_or("")
    }
}

/// The number of elements `tensor` declares, after checking its datatype and shape.
fn check_header(tensor: &InferInputTensor) -> Result<usize, InferError> {
    if tensor.datatype != BYTES {
        return Err(input_error(
            tensor,
            format!(
                "datatype is {}, expected BYTES (UTF-8 text)",
                crate::service::status::echo(&tensor.datatype)
            ),
        ));
    }
    let length = match tensor.shape.as_slice() {
        [length] if *length >= 0 => *length as u64,
        shape => {
            return Err(input_error(
                tensor,
                format!(
                    "shape is {}, expected [N] (one element per document)",
                    shape_text(shape)
                ),
            ))
        }
    };
    if length == 0 {
        return Err(input_error(
            tensor,
            "shape is [0]: the batch is empty".to_string(),
        ));
    }
    if length > MAX_BATCH_DOCUMENTS as u64 {
        return Err(input_error(
            tensor,
            format!("shape is [{length}], over the limit of {MAX_BATCH_DOCUMENTS} documents per request"),
        ));
    }
    Ok(length as usize)
}

/// The elements of `tensor` from its typed contents.
fn typed(tensor: &InferInputTensor, length: usize) -> Result<Vec<&str>, InferError> {
    let Some(contents) = &tensor.contents else {
        return Err(input_error(
            tensor,
            "has no contents (send contents.bytes_contents or raw_input_contents)".to_string(),
        ));
    };
    if holds_other_than_bytes(contents) {
        return Err(input_error(
            tensor,
            "has contents of another datatype than BYTES (use bytes_contents)".to_string(),
        ));
    }
    let elements = &contents.bytes_contents;
    if elements.len() != length {
        return Err(input_error(
            tensor,
            format!(
                "shape [{length}] but {} elements in bytes_contents",
                elements.len()
            ),
        ));
    }
    elements
        .iter()
        .enumerate()
        .map(|(index, bytes)| utf8(tensor, index, bytes))
        .collect()
}

fn holds_other_than_bytes(contents: &InferTensorContents) -> bool {
    !(contents.bool_contents.is_empty()
        && contents.int_contents.is_empty()
        && contents.int64_contents.is_empty()
        && contents.uint_contents.is_empty()
        && contents.uint64_contents.is_empty()
        && contents.fp32_contents.is_empty()
        && contents.fp64_contents.is_empty())
}

/// The `length` elements of `tensor` from its raw contents `bytes` (length-prefixed).
fn split_raw<'a>(
    tensor: &InferInputTensor,
    mut bytes: &'a [u8],
    length: usize,
) -> Result<Vec<&'a str>, InferError> {
    let total = bytes.len();
    let mut elements = Vec::with_capacity(length);
    for index in 0..length {
        let at = total - bytes.len();
        let Some((prefix, rest)) = bytes.split_first_chunk::<4>() else {
            return Err(input_error(
                tensor,
                format!(
                    "raw contents end at byte {at}, inside the 4-byte length of element \
                     {index} of {length}"
                ),
            ));
        };
        let size = u32::from_le_bytes(*prefix) as usize;
        if size > rest.len() {
            return Err(input_error(
                tensor,
                format!(
                    "raw element {index} declares {size} bytes but only {} follow",
                    rest.len()
                ),
            ));
        }
        let (element, rest) = rest.split_at(size);
        elements.push(utf8(tensor, index, element)?);
        bytes = rest;
    }
    if !bytes.is_empty() {
        return Err(input_error(
            tensor,
            format!(
                "raw contents hold {} bytes after the last of its {length} elements",
                bytes.len()
            ),
        ));
    }
    Ok(elements)
}

fn utf8<'a>(
    tensor: &InferInputTensor,
    index: usize,
    bytes: &'a [u8],
) -> Result<&'a str, InferError> {
    std::str::from_utf8(bytes).map_err(|error| {
        input_error(
            tensor,
            format!(
                "element {index} is not UTF-8 (invalid byte at offset {})",
                error.valid_up_to()
            ),
        )
    })
}

fn input_error(tensor: &InferInputTensor, message: String) -> InferError {
    InferError::Input {
        tensor: tensor.name.clone(),
        message,
    }
}

/// `shape` as a message shows it, at most 8 dimensions.
fn shape_text(shape: &[i64]) -> String {
    let shown: Vec<String> = shape.iter().take(8).map(i64::to_string).collect();
    let more = if shape.len() > 8 { ", …" } else { "" };
    format!("[{}{more}]", shown.join(", "))
}

/// The names of `specs`, for messages: `text, title (optional)`.
fn names(specs: &[InputSpec]) -> String {
    specs
        .iter()
        .map(|spec| {
            if spec.required {
                spec.name.to_string()
            } else {
                format!("{} (optional)", spec.name)
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The first element of the request's `text` input, when it can be read without decoding
/// the rest (for `--log-text`).
pub(super) fn first_text(request: &ModelInferRequest) -> Option<&str> {
    let position = request.inputs.iter().position(|t| t.name == "text")?;
    let bytes: &[u8] = match request.raw_input_contents.get(position) {
        Some(raw) => {
            let (prefix, rest) = raw.split_first_chunk::<4>()?;
            rest.get(..u32::from_le_bytes(*prefix) as usize)?
        }
        None => request.inputs[position]
            .contents
            .as_ref()?
            .bytes_contents
            .first()?,
    };
    std::str::from_utf8(bytes).ok()
}

/// Bytes of input the request carries (the work it asks for).
pub(super) fn input_bytes(request: &ModelInferRequest) -> usize {
    let raw: usize = request.raw_input_contents.iter().map(Vec::len).sum();
    let typed: usize = request
        .inputs
        .iter()
        .filter_map(|t| t.contents.as_ref())
        .flat_map(|c| &c.bytes_contents)
        .map(Vec::len)
        .sum();
    raw + typed
}

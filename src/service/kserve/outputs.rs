//! Output tensors of a `ModelInfer` answer: which ones the request asks for, built from the
//! answers of the core, and put on the wire the way the request came, typed contents for a
//! request with typed contents and `raw_output_contents` for one with `raw_input_contents`
//! (tritonclient reads only raw numeric outputs). Conversion only: nothing is counted or
//! logged here.

use std::borrow::Cow;

use super::error::InferError;
use super::models::{Output, V2Model};
use crate::model::Prediction;
use crate::pb::inference::model_infer_request::InferRequestedOutputTensor;
use crate::pb::inference::model_infer_response::InferOutputTensor;
use crate::pb::inference::{InferTensorContents, ModelInferResponse};
use crate::service::convert;
use crate::summarize::Summary;

/// One output tensor's elements, flattened, row-major.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Data<'a> {
    /// BYTES, each element UTF-8 text.
    Bytes(Vec<Cow<'a, str>>),
    /// FP32.
    Fp32(Vec<f32>),
    /// INT64.
    Int64(Vec<i64>),
    /// INT32.
    Int32(Vec<i32>),
}

/// One output tensor of an answer.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Tensor<'a> {
    /// Which output it is.
    pub output: Output,
    /// Its shape.
    pub shape: Vec<i64>,
    /// Its elements.
    pub data: Data<'a>,
}

/// The outputs `requested` asks of `model`, in the order asked (none: the model's default
/// outputs), refusing unknown names and repeats.
pub(super) fn requested(
    requested: &[InferRequestedOutputTensor],
    model: &V2Model,
    top_k_set: bool,
) -> Result<Vec<Output>, InferError> {
    if requested.is_empty() {
        return Ok(model.default_outputs(top_k_set));
    }
    let mut outputs = Vec::with_capacity(requested.len());
    for tensor in requested {
        let error = |message: String| InferError::Output {
            tensor: tensor.name.clone(),
            message,
        };
        let Some(output) = model
            .outputs()
            .iter()
            .copied()
            .find(|o| o.name() == tensor.name)
        else {
            let names: Vec<&str> = model.outputs().iter().map(|o| o.name()).collect();
            return Err(error(format!(
                "model {} has no such output (it has {})",
                model.name(),
                names.join(", ")
            )));
        };
        if outputs.contains(&output) {
            return Err(error("asked for twice".to_string()));
        }
        // Triton's classification extension asks for the best classes this way; silently
        // answering the plain tensor would not be what the caller asked for.
        if let Some(name) = tensor.parameters.keys().min() {
            return Err(error(format!(
                "has parameter {}, but no output of docclass takes parameters (for the best \
                 classes set the request parameter top_k and ask for top_labels and top_scores)",
                crate::service::status::echo(name)
            )));
        }
        outputs.push(output);
    }
    Ok(outputs)
}

/// The `wanted` outputs of a classifier with `labels` for `answers` (one per document);
/// `top_k` classes (`None`, 0 or more than there are: all) in `top_labels`/`top_scores`.
/// A document without an answer (a sentence-level model's target that the text never
/// mentions) gets an empty label, confidence 0 and scores of 0, as the native API leaves
/// out its stance.
pub(super) fn classifications<'a>(
    labels: &'a [String],
    answers: &[Option<Prediction>],
    top_k: Option<usize>,
    wanted: &[Output],
) -> Vec<Tensor<'a>> {
    let batch = answers.len() as i64;
    let classes = labels.len();
    let k = match top_k {
        Some(k) if k > 0 && k < classes => k,
        _ => classes,
    };
    let zeros = vec![0.0_f32; classes];
    let probabilities = |a: &'_ Option<Prediction>| -> Vec<f32> {
        a.as_ref()
            .map_or_else(|| zeros.clone(), |a| a.probabilities.clone())
    };
    // Per document: the classes in rank order, or `None` without an answer.
    let ranked: Vec<Option<Vec<usize>>> = if wanted
        .iter()
        .any(|o| matches!(o, Output::TopLabels | Output::TopScores))
    {
        answers
            .iter()
            .map(|a| {
                a.as_ref().map(|a| {
                    let mut ranked = convert::ranking(labels, &a.probabilities);
                    ranked.truncate(k);
                    ranked
                })
            })
            .collect()
    } else {
        Vec::new()
    };
    let label = |class: usize| Cow::Borrowed(labels[class].as_str());
    let no_label = || Cow::Borrowed("");
    wanted
        .iter()
        .map(|&output| {
            let (shape, data) = match output {
                Output::Label => (
                    vec![batch],
                    Data::Bytes(
                        answers
                            .iter()
                            .map(|a| a.as_ref().map_or_else(no_label, |a| label(a.best())))
                            .collect(),
                    ),
                ),
                Output::Confidence => (
                    vec![batch],
                    Data::Fp32(
                        answers
                            .iter()
                            .map(|a| a.as_ref().map_or(0.0, |a| a.probabilities[a.best()]))
                            .collect(),
                    ),
                ),
                Output::Scores => (
                    vec![batch, classes as i64],
                    Data::Fp32(answers.iter().flat_map(probabilities).collect()),
                ),
                Output::Classes => (
                    vec![classes as i64],
                    Data::Bytes((0..classes).map(label).collect()),
                ),
                Output::TopLabels => (
                    vec![batch, k as i64],
                    Data::Bytes(
                        ranked
                            .iter()
                            .flat_map(|r| match r {
                                Some(r) => r.iter().map(|&c| label(c)).collect::<Vec<_>>(),
                                None => vec![no_label(); k],
                            })
                            .collect(),
                    ),
                ),
                Output::TopScores => (
                    vec![batch, k as i64],
                    Data::Fp32(
                        ranked
                            .iter()
                            .zip(answers)
                            .flat_map(|(r, a)| match (r, a) {
                                (Some(r), Some(a)) => {
                                    r.iter().map(|&c| a.probabilities[c]).collect::<Vec<_>>()
                                }
                                _ => vec![0.0; k],
                            })
                            .collect(),
                    ),
                ),
                // Not outputs of a classifier: `requested` only lets through the model's own.
                Output::Summary
                | Output::Sentences
                | Output::SentenceStart
                | Output::SentenceEnd
                | Output::SentenceCount => (vec![0], Data::Bytes(Vec::new())),
            };
            Tensor {
                output,
                shape,
                data,
            }
        })
        .collect()
}

/// The `wanted` outputs of the summarizer for `summaries` of `texts` (one per document);
/// per-sentence outputs are padded to the longest summary of the batch.
pub(super) fn summaries<'a>(
    texts: &[&'a str],
    summaries: &[Summary],
    wanted: &[Output],
) -> Vec<Tensor<'a>> {
    let batch = summaries.len() as i64;
    let longest = summaries
        .iter()
        .map(|s| s.sentences.len())
        .max()
        .unwrap_or(0);
    let padded = |each: &dyn Fn(&'a str, &crate::summarize::SummarySentence) -> i64| {
        let mut values = Vec::with_capacity(summaries.len() * longest);
        for (text, summary) in texts.iter().zip(summaries) {
            values.extend(summary.sentences.iter().map(|s| each(text, s)));
            values.resize(values.len() + longest - summary.sentences.len(), -1);
        }
        values
    };
    wanted
        .iter()
        .map(|&output| {
            let per_sentence = vec![batch, longest as i64];
            let (shape, data) = match output {
                Output::Summary => (
                    vec![batch],
                    Data::Bytes(
                        texts
                            .iter()
                            .zip(summaries)
                            .map(|(text, s)| Cow::Owned(s.joined(text)))
                            .collect(),
                    ),
                ),
                Output::Sentences => {
                    let mut values = Vec::with_capacity(summaries.len() * longest);
                    for (text, summary) in texts.iter().zip(summaries) {
                        values.extend(
                            summary
                                .sentences
                                .iter()
                                .map(|s| Cow::Borrowed(text.get(s.start..s.end).unwrap_or(""))),
                        );
                        values.resize(
                            values.len() + longest - summary.sentences.len(),
                            Cow::Borrowed(""),
                        );
                    }
                    (per_sentence, Data::Bytes(values))
                }
                Output::SentenceStart => {
                    (per_sentence, Data::Int64(padded(&|_, s| s.start as i64)))
                }
                Output::SentenceEnd => (per_sentence, Data::Int64(padded(&|_, s| s.end as i64))),
                Output::SentenceCount => (
                    vec![batch],
                    Data::Int32(summaries.iter().map(|s| s.sentences.len() as i32).collect()),
                ),
                // Not outputs of the summarizer: `requested` only lets through the model's own.
                Output::Label
                | Output::Confidence
                | Output::Scores
                | Output::Classes
                | Output::TopLabels
                | Output::TopScores => (vec![0], Data::Bytes(Vec::new())),
            };
            Tensor {
                output,
                shape,
                data,
            }
        })
        .collect()
}

/// The answer carrying `tensors`, in raw form when `raw` (see the module documentation).
pub(super) fn response(
    tensors: Vec<Tensor<'_>>,
    raw: bool,
    model_name: String,
    model_version: String,
    id: String,
) -> ModelInferResponse {
    let mut outputs = Vec::with_capacity(tensors.len());
    let mut raw_output_contents = Vec::new();
    for tensor in tensors {
        let contents = if raw {
            raw_output_contents.push(raw_bytes(&tensor.data));
            None
        } else {
            Some(typed(tensor.data))
        };
        outputs.push(InferOutputTensor {
            name: tensor.output.name().to_string(),
            datatype: tensor.output.datatype().to_string(),
            shape: tensor.shape,
            parameters: Default::default(),
            contents,
        });
    }
    ModelInferResponse {
        model_name,
        model_version,
        id,
        parameters: Default::default(),
        outputs,
        raw_output_contents,
    }
}

/// `data` as typed contents.
fn typed(data: Data<'_>) -> InferTensorContents {
    let mut contents = InferTensorContents::default();
    match data {
        Data::Bytes(values) => {
            contents.bytes_contents = values
                .into_iter()
                .map(|v| v.into_owned().into_bytes())
                .collect()
        }
        Data::Fp32(values) => contents.fp32_contents = values,
        Data::Int64(values) => contents.int64_contents = values,
        Data::Int32(values) => contents.int_contents = values,
    }
    contents
}

/// `data` in raw form: little-endian numbers, and BYTES elements each after its 4-byte
/// little-endian length.
fn raw_bytes(data: &Data<'_>) -> Vec<u8> {
    match data {
        Data::Bytes(values) => {
            let size = values.iter().map(|v| 4 + v.len()).sum();
            let mut bytes = Vec::with_capacity(size);
            for value in values {
                // Elements are documents within the message limit, far below 4 GiB.
                bytes.extend_from_slice(&(value.len() as u32).to_le_bytes());
                bytes.extend_from_slice(value.as_bytes());
            }
            bytes
        }
        Data::Fp32(values) => values.iter().flat_map(|v| v.to_le_bytes()).collect(),
        Data::Int64(values) => values.iter().flat_map(|v| v.to_le_bytes()).collect(),
        Data::Int32(values) => values.iter().flat_map(|v| v.to_le_bytes()).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_form_is_little_endian_with_length_prefixed_bytes() {
        let bytes = raw_bytes(&Data::Bytes(vec![Cow::Borrowed("ab"), Cow::Borrowed("")]));
        assert_eq!(bytes, [2, 0, 0, 0, b'a', b'b', 0, 0, 0, 0]);
        assert_eq!(raw_bytes(&Data::Fp32(vec![1.0])), 1.0f32.to_le_bytes());
        assert_eq!(raw_bytes(&Data::Int32(vec![-1])), [0xff; 4]);
    }

    #[test]
    fn classifier_outputs_hold_every_document_in_class_order() {
        let labels = vec!["a".to_string(), "b".to_string(), "c".to_string()];
        let answers = [
            Some(Prediction {
                probabilities: vec![0.2, 0.5, 0.3],
                explanation: Vec::new(),
            }),
            None,
            Some(Prediction {
                probabilities: vec![0.6, 0.1, 0.3],
                explanation: Vec::new(),
            }),
        ];
        let wanted = [
            Output::Label,
            Output::Scores,
            Output::TopLabels,
            Output::TopScores,
            Output::Confidence,
        ];
        let tensors = classifications(&labels, &answers, Some(2), &wanted);
        assert_eq!(
            tensors[0].data,
            Data::Bytes(vec!["b".into(), "".into(), "a".into()])
        );
        assert_eq!(tensors[1].shape, [3, 3]);
        assert_eq!(
            tensors[1].data,
            Data::Fp32(vec![0.2, 0.5, 0.3, 0.0, 0.0, 0.0, 0.6, 0.1, 0.3])
        );
        assert_eq!(tensors[2].shape, [3, 2]);
        assert_eq!(
            tensors[2].data,
            Data::Bytes(vec![
                "b".into(),
                "c".into(),
                "".into(),
                "".into(),
                "a".into(),
                "c".into()
            ])
        );
        assert_eq!(
            tensors[3].data,
            Data::Fp32(vec![0.5, 0.3, 0.0, 0.0, 0.6, 0.3])
        );
        assert_eq!(tensors[4].data, Data::Fp32(vec![0.5, 0.0, 0.6]));
    }
}

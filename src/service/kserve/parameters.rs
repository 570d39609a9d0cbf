//! Request `parameters` of `ModelInfer`: the options the native API has as request fields.
//! A classifier takes `top_k` (int64); the summarizer `max_sentences` (int64) and `ratio`
//! (a string such as "0.3": the v2 protocol's parameters hold no floating-point value). Any
//! other name, or a value of another type or out of range, is refused, naming the parameter.

use std::collections::HashMap;

use super::error::InferError;
use crate::pb::inference::infer_parameter::ParameterChoice;
use crate::pb::inference::InferParameter;

/// The parameters a classifier takes.
const CLASSIFIER_PARAMETERS: &str = "top_k (int64)";
/// The parameters the summarizer takes.
const SUMMARIZER_PARAMETERS: &str = "max_sentences (int64), ratio (string, e.g. \"0.3\")";

/// What a classification request asks for beyond its inputs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct ClassifyParameters {
    /// Classes in `top_labels`/`top_scores` (`None`: not set; 0 or more than the model's
    /// classes: all of them).
    pub top_k: Option<usize>,
}

/// What a summary request asks for beyond its inputs (0 = not set, as in `SummarizeRequest`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(super) struct SummaryParameters {
    /// At most this many sentences.
    pub max_sentences: u32,
    /// Fraction of the sentences to keep, in (0, 1].
    pub ratio: f32,
}

impl ClassifyParameters {
    /// The parameters of a request to a classifier called `model`.
    pub(super) fn parse(
        parameters: &HashMap<String, InferParameter>,
        model: &str,
    ) -> Result<Self, InferError> {
        let mut parsed = Self::default();
        for (name, value) in parameters {
            match name.as_str() {
                "top_k" => parsed.top_k = Some(count(name, value, usize::MAX as u64)? as usize),
                _ => return Err(unknown(name, model, CLASSIFIER_PARAMETERS)),
            }
        }
        Ok(parsed)
    }
}

impl SummaryParameters {
    /// The parameters of a request to the summarizer called `model`.
    pub(super) fn parse(
        parameters: &HashMap<String, InferParameter>,
        model: &str,
    ) -> Result<Self, InferError> {
        let mut parsed = Self::default();
        for (name, value) in parameters {
            match name.as_str() {
                "max_sentences" => {
                    parsed.max_sentences = count(name, value, u64::from(u32::MAX))? as u32
                }
                "ratio" => parsed.ratio = ratio(name, value)?,
                _ => return Err(unknown(name, model, SUMMARIZER_PARAMETERS)),
            }
        }
        Ok(parsed)
    }
}

/// A non-negative int64 value of at most `max`.
fn count(name: &str, value: &InferParameter, max: u64) -> Result<u64, InferError> {
    match value.parameter_choice {
        Some(ParameterChoice::Int64Param(n)) if n >= 0 && n as u64 <= max => Ok(n as u64),
        Some(ParameterChoice::Int64Param(n)) => {
            Err(error(name, format!("must be between 0 and {max}, got {n}")))
        }
        _ => Err(error(
            name,
            format!("must be an int64, got {}", kind(value)),
        )),
    }
}

/// A fraction in [0, 1], sent as a string.
fn ratio(name: &str, value: &InferParameter) -> Result<f32, InferError> {
    let Some(ParameterChoice::StringParam(text)) = &value.parameter_choice else {
        return Err(error(
            name,
            format!(
                "must be a string holding a number between 0 and 1 (e.g. \"0.3\"), got {}",
                kind(value)
            ),
        ));
    };
    match text.trim().parse::<f32>() {
        Ok(ratio) if (0.0..=1.0).contains(&ratio) => Ok(ratio),
        _ => Err(error(
            name,
            format!(
                "must be a number between 0 and 1, got {}",
                crate::service::status::echo(text)
            ),
        )),
    }
}

/// What `value` holds, for messages.
fn kind(value: &InferParameter) -> &'static str {
    match value.parameter_choice {
        Some(ParameterChoice::BoolParam(_)) => "a bool",
        Some(ParameterChoice::Int64Param(_)) => "an int64",
        Some(ParameterChoice::StringParam(_)) => "a string",
        // A value in a field the v2 protocol does not define (tritonclient sends Python
        // floats as Triton's `double_param`), or none at all.
        None => "no bool, int64 or string value (a float must be sent as a string)",
    }
}

fn unknown(name: &str, model: &str, accepted: &str) -> InferError {
    error(
        name,
        format!("model {model} takes no such parameter (it takes {accepted})"),
    )
}

fn error(name: &str, message: String) -> InferError {
    InferError::Parameter {
        name: name.to_string(),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parameters(entries: &[(&str, ParameterChoice)]) -> HashMap<String, InferParameter> {
        entries
            .iter()
            .map(|(name, choice)| {
                (
                    name.to_string(),
                    InferParameter {
                        parameter_choice: Some(choice.clone()),
                    },
                )
            })
            .collect()
    }

    #[test]
    fn options_parse_and_bad_ones_name_the_parameter() {
        let top = parameters(&[("top_k", ParameterChoice::Int64Param(2))]);
        assert_eq!(
            ClassifyParameters::parse(&top, "bbc").unwrap().top_k,
            Some(2)
        );
        let summary = parameters(&[
            ("max_sentences", ParameterChoice::Int64Param(4)),
            ("ratio", ParameterChoice::StringParam("0.5".into())),
        ]);
        let parsed = SummaryParameters::parse(&summary, "summarizer").unwrap();
        assert_eq!((parsed.max_sentences, parsed.ratio), (4, 0.5));
        for (entries, expected) in [
            (
                parameters(&[("top_k", ParameterChoice::Int64Param(-1))]),
                "parameter \"top_k\": must be between 0",
            ),
            (
                parameters(&[("top_k", ParameterChoice::StringParam("2".into()))]),
                "parameter \"top_k\": must be an int64, got a string",
            ),
            (
                parameters(&[("explain", ParameterChoice::BoolParam(true))]),
                "parameter \"explain\": model bbc takes no such parameter (it takes top_k",
            ),
        ] {
            let error = ClassifyParameters::parse(&entries, "bbc").unwrap_err();
            assert!(error.to_string().starts_with(expected), "{error}");
        }
        let no_value = HashMap::from([(
            "ratio".to_string(),
            InferParameter {
                parameter_choice: None,
            },
        )]);
        let error = SummaryParameters::parse(&no_value, "summarizer").unwrap_err();
        assert!(error.to_string().contains("sent as a string"), "{error}");
        let too_big = parameters(&[("ratio", ParameterChoice::StringParam("1.5".into()))]);
        let error = SummaryParameters::parse(&too_big, "summarizer").unwrap_err();
        assert!(error.to_string().contains("got \"1.5\""), "{error}");
    }
}

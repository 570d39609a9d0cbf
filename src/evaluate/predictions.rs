//! Per-document results of an evaluation, for reports that show more than the totals: the
//! reliability diagram needs each document's confidence and correctness, the list of worst
//! mistakes needs the document itself.

use std::path::Path;

use serde::Serialize;

use super::{EvaluateError, Evaluation};
use crate::corpus::{self, FieldNames};
use crate::model::Classifier;
use crate::progress::Progress;

/// One evaluated document.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ExamplePrediction {
    /// Line (JSONL) or record (CSV) of the document in the data file.
    pub line: usize,
    /// Identifier, when the data has one.
    pub id: Option<String>,
    /// Headline.
    pub title: String,
    /// Body text.
    pub text: String,
    /// Stance target, when the data has one.
    pub target: Option<String>,
    /// Index of the true label.
    pub truth: usize,
    /// Index of the predicted label.
    pub predicted: usize,
    /// Probability of the predicted label.
    pub confidence: f32,
    /// Probability of every label, in the model's label order.
    pub probabilities: Vec<f32>,
    /// The `--group-field` value, when asked for and present.
    pub group: Option<String>,
}

/// Documents whose confidence falls in `[lower, upper)` (the last bin includes 1).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ReliabilityBin {
    /// Lower confidence bound.
    pub lower: f64,
    /// Upper confidence bound.
    pub upper: f64,
    /// Documents in the bin.
    pub count: usize,
    /// Mean confidence of those documents.
    pub confidence: f64,
    /// Fraction of them predicted correctly.
    pub accuracy: f64,
}

/// The model's figures on labeled data, with every document's prediction.
#[derive(Debug, Clone)]
pub struct DetailedEvaluation {
    /// The model's name.
    pub model: String,
    /// The totals ([`super::evaluate`] returns only these).
    pub evaluation: Evaluation,
    /// Every document, in data order.
    pub examples: Vec<ExamplePrediction>,
}

/// Evaluates the model file at `model` on the labeled data at `data_path` (fields named by
/// `fields`), keeping each document's prediction.
pub fn predict_examples(
    model: &Path,
    data_path: &Path,
    fields: &FieldNames,
) -> Result<DetailedEvaluation, EvaluateError> {
    let classifier = Classifier::load(model)?;
    let metadata = classifier.metadata();
    let data = corpus::load_fields(data_path, metadata.task, fields)?;
    let progress = Progress::bar(data.examples.len() as u64, "evaluating");
    let mut truth = Vec::with_capacity(data.examples.len());
    let mut probabilities = Vec::with_capacity(data.examples.len());
    let mut examples = Vec::with_capacity(data.examples.len());
    for example in data.examples {
        let label = metadata
            .labels
            .iter()
            .position(|l| *l == example.label)
            .ok_or_else(|| EvaluateError::UnknownLabel {
                path: data_path.to_path_buf(),
                line: example.line,
                label: example.label.clone(),
                labels: metadata.labels.clone(),
            })?;
        let prediction = classifier.predict(&example.document(), 0);
        let predicted = prediction.best();
        examples.push(ExamplePrediction {
            line: example.line,
            id: example.id,
            title: example.title,
            text: example.text,
            target: example.target,
            truth: label,
            predicted,
            confidence: prediction.probabilities[predicted],
            probabilities: prediction.probabilities.clone(),
            group: example.group,
        });
        truth.push(label);
        probabilities.push(prediction.probabilities);
        progress.inc(1);
    }
    progress.finish_and_clear();
    Ok(DetailedEvaluation {
        model: metadata.name.clone(),
        evaluation: Evaluation::compute(&metadata.labels, &truth, &probabilities),
        examples,
    })
}

/// Confidence against accuracy in `bins` equal-width bins (empty bins included).
pub fn reliability(examples: &[ExamplePrediction], bins: usize) -> Vec<ReliabilityBin> {
    let bins = bins.max(1);
    let mut sums = vec![(0usize, 0.0f64, 0usize); bins];
    for e in examples {
        let bin = ((f64::from(e.confidence) * bins as f64) as usize).min(bins - 1);
        sums[bin].0 += 1;
        sums[bin].1 += f64::from(e.confidence);
        sums[bin].2 += usize::from(e.truth == e.predicted);
    }
    sums.into_iter()
        .enumerate()
        .map(|(i, (count, confidence, correct))| {
            let n = count.max(1) as f64;
            ReliabilityBin {
                lower: i as f64 / bins as f64,
                upper: (i + 1) as f64 / bins as f64,
                count,
                confidence: confidence / n,
                accuracy: correct as f64 / n,
            }
        })
        .collect()
}

/// The `limit` misclassified documents the model was most confident about.
pub fn worst_mistakes(examples: &[ExamplePrediction], limit: usize) -> Vec<&ExamplePrediction> {
    let mut wrong: Vec<&ExamplePrediction> =
        examples.iter().filter(|e| e.truth != e.predicted).collect();
    wrong.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
    wrong.truncate(limit);
    wrong
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example(truth: usize, predicted: usize, confidence: f32) -> ExamplePrediction {
        ExamplePrediction {
            line: 1,
            id: None,
            title: String::new(),
            text: String::new(),
            target: None,
            truth,
            predicted,
            confidence,
            probabilities: Vec::new(),
            group: None,
        }
    }

    #[test]
    fn reliability_bins_average_confidence_and_accuracy() {
        let examples = [
            example(0, 0, 0.92),
            example(0, 1, 0.96),
            example(1, 1, 0.35),
        ];
        let bins = reliability(&examples, 10);
        assert_eq!(bins.len(), 10);
        assert_eq!(bins[9].count, 2);
        assert!((bins[9].confidence - 0.94).abs() < 1e-6);
        assert_eq!(bins[9].accuracy, 0.5);
        assert_eq!(bins[3].count, 1);
        assert_eq!(bins[3].accuracy, 1.0);
    }

    #[test]
    fn worst_mistakes_are_confident_and_wrong() {
        let examples = [example(0, 1, 0.6), example(0, 0, 0.99), example(1, 0, 0.8)];
        let worst = worst_mistakes(&examples, 5);
        assert_eq!(worst.len(), 2);
        assert_eq!(worst[0].confidence, 0.8);
    }
}

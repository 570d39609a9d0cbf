//! Fitting one candidate setting (L2 penalty and class weights) on a subset of the examples
//! and scoring examples with the result: the steps the final fit, the validation figures and
//! cross-validation share. Model selection (`selection.rs`) builds on these; nothing here
//! looks back at it.

use linfa::dataset::DatasetBase;
use linfa::traits::Fit;
use ndarray::Array1;

use super::TrainError;
use crate::corpus::Example;
use crate::features::{FeatureExtractor, FeatureSettings, Scratch, SparseVector};
use crate::model::estimator::{
    softmax_in_place, SoftmaxRegression, SoftmaxRegressionParams, SparseRecords,
};
use crate::text::Document;

/// One setting of the estimator's hyperparameters, as tried by cross-validation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    /// L2 penalty.
    pub l2: f64,
    /// Class weights are (inverse class frequency)^power: 0 = unweighted, 1 = balanced.
    pub class_weight_power: f64,
}

/// The estimator's hyperparameters for `candidate`, class weights counted over `rows`.
pub(super) fn params(
    labels: &[String],
    targets: &[usize],
    rows: &[usize],
    candidate: Candidate,
) -> SoftmaxRegressionParams {
    SoftmaxRegressionParams::new(labels.len())
        .l2_penalty(candidate.l2)
        .class_weights(class_weights(
            labels.len(),
            targets,
            rows,
            candidate.class_weight_power,
        ))
}

/// Fits the feature extractor and the regression on the examples at `rows` (with untargeted
/// copies of weight `untargeted_copies`, see [`training_set`]).
pub(super) fn fit(
    settings: &FeatureSettings,
    examples: &[Example],
    targets: &[usize],
    labels: &[String],
    rows: &[usize],
    candidate: Candidate,
    untargeted_copies: f32,
) -> Result<(FeatureExtractor, SoftmaxRegression), TrainError> {
    let docs: Vec<_> = rows.iter().map(|i| examples[*i].document()).collect();
    let extractor = FeatureExtractor::fit(settings.clone(), &docs)?;
    let dataset = training_set(&extractor, examples, targets, rows, untargeted_copies);
    let regression = params(labels, targets, rows, candidate).fit(&dataset)?;
    Ok((extractor, regression))
}

/// The feature vectors and labels of the examples at `rows`, stacked as sparse records.
///
/// With `untargeted_copies > 0`, every example that has a target is also added once more
/// without it, weighing `untargeted_copies` (the examples themselves weigh 1). A per-target
/// model sees only its shared features on such a copy, so its shared weights learn to answer
/// on their own, as they must for a target never seen in training. The vocabulary is the
/// extractor's, learned from the examples alone.
pub(super) fn training_set(
    extractor: &FeatureExtractor,
    examples: &[Example],
    targets: &[usize],
    rows: &[usize],
    untargeted_copies: f32,
) -> DatasetBase<SparseRecords, Array1<usize>> {
    let copied: Vec<usize> = if untargeted_copies > 0.0 {
        rows.iter()
            .copied()
            .filter(|i| examples[*i].target.is_some())
            .collect()
    } else {
        Vec::new()
    };
    let mut scratch = Scratch::default();
    let originals = rows.iter().map(|i| examples[*i].document());
    let copies = copied.iter().map(|i| Document {
        target: None,
        ..examples[*i].document()
    });
    let vectors: Vec<_> = originals
        .chain(copies)
        .map(|document| extractor.transform(&document, &mut scratch))
        .collect();
    let labels = rows.iter().chain(&copied).map(|i| targets[*i]);
    let dataset = DatasetBase::new(
        SparseRecords::from_rows(&vectors, extractor.dimension()),
        Array1::from_iter(labels),
    );
    if copied.is_empty() {
        return dataset;
    }
    let weights = std::iter::repeat_n(1.0, rows.len())
        .chain(std::iter::repeat_n(untargeted_copies, copied.len()));
    dataset.with_weights(Array1::from_iter(weights))
}

/// The class scores (before softmax) of the examples at `rows`.
pub(super) fn logits(
    extractor: &FeatureExtractor,
    regression: &SoftmaxRegression,
    examples: &[Example],
    rows: &[usize],
) -> Vec<Vec<f32>> {
    logits_of(regression, &vectors(extractor, examples, rows))
}

/// The feature vectors of the examples at `rows`.
pub(super) fn vectors(
    extractor: &FeatureExtractor,
    examples: &[Example],
    rows: &[usize],
) -> Vec<SparseVector> {
    let mut scratch = Scratch::default();
    rows.iter()
        .map(|i| extractor.transform(&examples[*i].document(), &mut scratch))
        .collect()
}

/// The class scores (before softmax) of feature vectors already extracted.
pub(super) fn logits_of(regression: &SoftmaxRegression, vectors: &[SparseVector]) -> Vec<Vec<f32>> {
    vectors
        .iter()
        .map(|v| {
            let mut out = vec![0.0; regression.classes()];
            regression.logits_into(&v.indices, &v.values, &mut out);
            out
        })
        .collect()
}

/// `logits` turned into probabilities in place at `temperature`.
pub(super) fn probabilities(mut logits: Vec<Vec<f32>>, temperature: f32) -> Vec<Vec<f32>> {
    logits
        .iter_mut()
        .for_each(|l| softmax_in_place(l, temperature));
    logits
}

/// Class weights (n / (k · count))^power over the rows `rows`; `None` for power 0.
fn class_weights(
    classes: usize,
    targets: &[usize],
    rows: &[usize],
    power: f64,
) -> Option<Vec<f64>> {
    if power == 0.0 {
        return None;
    }
    let mut counts = vec![0u64; classes];
    rows.iter().for_each(|i| counts[targets[*i]] += 1);
    weights_from_counts(&counts, power)
}

/// Class weights (n / (k · count))^power from the number of rows of each of the k classes
/// (n rows in all; a class without rows weighs 0); `None` for power 0.
pub(super) fn weights_from_counts(counts: &[u64], power: f64) -> Option<Vec<f64>> {
    if power == 0.0 {
        return None;
    }
    let classes = counts.len() as f64;
    let n = counts.iter().sum::<u64>() as f64;
    Some(
        counts
            .iter()
            .map(|&c| {
                if c == 0 {
                    0.0
                } else {
                    (n / (classes * c as f64)).powf(power)
                }
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::{NgramRange, TargetFeatures};
    use linfa::dataset::Records;

    fn example(text: &str, target: Option<&str>, label: &str) -> Example {
        Example {
            id: None,
            title: String::new(),
            text: text.into(),
            target: target.map(str::to_string),
            mentions: Vec::new(),
            label: label.into(),
            group: None,
            line: 0,
        }
    }

    #[test]
    fn untargeted_copies_repeat_targeted_examples_without_their_target() {
        let examples = vec![
            example("good policy indeed", Some("policy"), "FAVOR"),
            example("bad policy indeed", Some("policy"), "AGAINST"),
            example("good plan indeed", Some("plan"), "FAVOR"),
            example("bad plan, no target", None, "AGAINST"),
        ];
        let targets = [1, 0, 1, 0];
        let settings = FeatureSettings {
            word_ngrams: NgramRange { min: 1, max: 1 },
            min_df: 1,
            target_features: TargetFeatures::PerTarget,
            ..Default::default()
        };
        let rows = [0, 1, 2, 3];
        let docs: Vec<_> = examples.iter().map(Example::document).collect();
        let extractor = FeatureExtractor::fit(settings, &docs).expect("vocabulary");

        let plain = training_set(&extractor, &examples, &targets, &rows, 0.0);
        assert_eq!(plain.records.nsamples(), 4);
        assert!(plain.weights().is_none());

        let copied = training_set(&extractor, &examples, &targets, &rows, 0.5);
        assert_eq!(copied.records.nsamples(), 7);
        assert_eq!(copied.targets.to_vec(), vec![1, 0, 1, 0, 1, 0, 1]);
        assert_eq!(
            copied.weights().expect("weights"),
            &[1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5]
        );
        // Copy k is example k's features without its target: the shared ones only.
        let mut scratch = Scratch::default();
        for (copy, original) in [(4, 0), (5, 1), (6, 2)] {
            let untargeted = Document {
                target: None,
                ..examples[original].document()
            };
            let expected = extractor.transform(&untargeted, &mut scratch);
            let targeted = extractor.transform(&examples[original].document(), &mut scratch);
            let row = copied.records.row(copy).expect("row");
            let expected: Vec<usize> = expected.indices.iter().map(|c| *c as usize).collect();
            assert_eq!(row.indices(), expected.as_slice());
            assert!(row.indices().len() < targeted.indices.len());
        }
    }

    #[test]
    fn class_weights_interpolate_between_unweighted_and_balanced() {
        // Three rows of class 0, one of class 1.
        let targets = [0, 0, 0, 1];
        let rows = [0, 1, 2, 3];
        assert_eq!(class_weights(2, &targets, &rows, 0.0), None);
        let balanced = class_weights(2, &targets, &rows, 1.0).expect("weights");
        assert!((balanced[0] - 4.0 / 6.0).abs() < 1e-12);
        assert!((balanced[1] - 2.0).abs() < 1e-12);
        let half = class_weights(2, &targets, &rows, 0.5).expect("weights");
        assert!((half[1] - 2f64.sqrt()).abs() < 1e-12);
    }
}

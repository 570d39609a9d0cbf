//! Fitting one candidate setting on a subset of the examples and scoring examples with the
//! result: the steps the final fit, the validation figures and cross-validation share.

use linfa::dataset::DatasetBase;
use linfa::traits::Fit;
use ndarray::Array1;

use super::{selection, Candidate, Example, TrainError};
use crate::features::{FeatureExtractor, FeatureSettings, Scratch};
use crate::model::estimator::{
    softmax_in_place, SoftmaxRegression, SoftmaxRegressionParams, SparseRecords,
};

/// The estimator's hyperparameters for `candidate`, class weights counted over `rows`.
pub(super) fn params(
    labels: &[String],
    targets: &[usize],
    rows: &[usize],
    candidate: Candidate,
) -> SoftmaxRegressionParams {
    SoftmaxRegressionParams::new(labels.len())
        .l2_penalty(candidate.l2)
        .class_weights(selection::class_weights(
            labels.len(),
            targets,
            rows,
            candidate.class_weight_power,
        ))
}

/// Fits the feature extractor and the regression on the examples at `rows`.
pub(super) fn fit(
    settings: &FeatureSettings,
    examples: &[Example],
    targets: &[usize],
    labels: &[String],
    rows: &[usize],
    candidate: Candidate,
) -> Result<(FeatureExtractor, SoftmaxRegression), TrainError> {
    let docs: Vec<_> = rows.iter().map(|i| examples[*i].document()).collect();
    let extractor = FeatureExtractor::fit(settings.clone(), &docs)?;
    let dataset = DatasetBase::new(
        records(&extractor, examples, rows),
        Array1::from_iter(rows.iter().map(|i| targets[*i])),
    );
    let regression = params(labels, targets, rows, candidate).fit(&dataset)?;
    Ok((extractor, regression))
}

/// The feature vectors of the examples at `rows`, stacked as sparse records.
pub(super) fn records(
    extractor: &FeatureExtractor,
    examples: &[Example],
    rows: &[usize],
) -> SparseRecords {
    let mut scratch = Scratch::default();
    let vectors: Vec<_> = rows
        .iter()
        .map(|i| extractor.transform(&examples[*i].document(), &mut scratch))
        .collect();
    SparseRecords::from_rows(&vectors, extractor.dimension())
}

/// The class scores (before softmax) of the examples at `rows`.
pub(super) fn logits(
    extractor: &FeatureExtractor,
    regression: &SoftmaxRegression,
    examples: &[Example],
    rows: &[usize],
) -> Vec<Vec<f32>> {
    let mut scratch = Scratch::default();
    rows.iter()
        .map(|i| {
            let v = extractor.transform(&examples[*i].document(), &mut scratch);
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

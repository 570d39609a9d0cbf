//! A multinomial logistic (softmax) regression over sparse records, written against linfa's
//! traits (`ParamGuard`, `Fit`, `PredictInplace`, `DatasetBase`).
//!
//! linfa's own logistic regression and naive Bayes take dense `Array2` records: documents ×
//! vocabulary as a dense matrix is gigabytes for the corpora we train on (see README), so this
//! estimator keeps the records in compressed sparse rows and optimises the L2-regularised
//! cross-entropy (`model::objective`) with argmin's L-BFGS (the optimiser linfa-logistic
//! itself uses).

use argmin::core::{Executor, State};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use linfa::dataset::{DatasetBase, Records};
use linfa::traits::{Fit, PredictInplace};
use linfa::ParamGuard;
use ndarray::{Array1, Array2, ArrayView1, Axis};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::objective::Objective;
pub use super::sparse_records::SparseRecords;

/// Errors of [`SoftmaxRegression`] fitting.
#[derive(Debug, Error)]
pub enum EstimatorError {
    /// The L2 penalty is negative or not finite.
    #[error("L2 penalty must be a finite number >= 0, got {0}")]
    InvalidPenalty(f64),
    /// Fewer than two classes.
    #[error("need at least two classes, got {0}")]
    TooFewClasses(usize),
    /// A target is not below the number of classes.
    #[error("target {target} out of range for {classes} classes")]
    TargetOutOfRange {
        /// The offending target.
        target: usize,
        /// Number of classes.
        classes: usize,
    },
    /// No record to learn from.
    #[error("the dataset is empty")]
    EmptyDataset,
    /// The dataset's sample weights do not fit its records.
    #[error("invalid sample weights: {0}")]
    InvalidWeights(String),
    /// The warm start's shape differs from the dataset's and the classes'.
    #[error(
        "warm start has {given_features} features × {given_classes} classes, the fit needs \
         {features} × {classes}"
    )]
    WarmStartShape {
        /// Features of the warm start.
        given_features: usize,
        /// Classes of the warm start.
        given_classes: usize,
        /// Features of the dataset.
        features: usize,
        /// Classes of the fit.
        classes: usize,
    },
    /// The optimiser failed.
    #[error("optimiser failed: {0}")]
    Optimizer(String),
    /// An error from linfa.
    #[error(transparent)]
    Linfa(#[from] linfa::Error),
}

/// Hyperparameters of [`SoftmaxRegression`], not yet checked.
#[derive(Debug, Clone, PartialEq)]
pub struct SoftmaxRegressionParams(SoftmaxRegressionValidParams);

/// Checked hyperparameters of [`SoftmaxRegression`].
#[derive(Debug, Clone, PartialEq)]
pub struct SoftmaxRegressionValidParams {
    classes: usize,
    l2_penalty: f64,
    max_iterations: u64,
    gradient_tolerance: f64,
    class_weights: Option<Vec<f64>>,
    initial: Option<WarmStart>,
}

impl SoftmaxRegressionParams {
    /// Defaults for `classes` classes: L2 penalty 1e-4, 300 L-BFGS iterations.
    pub fn new(classes: usize) -> Self {
        Self(SoftmaxRegressionValidParams {
            classes,
            l2_penalty: 1e-4,
            max_iterations: 300,
            gradient_tolerance: 1e-4,
            class_weights: None,
            initial: None,
        })
    }

    /// L2 penalty λ on the weights (the loss is mean cross-entropy + λ/2 ‖W‖²).
    pub fn l2_penalty(mut self, penalty: f64) -> Self {
        self.0.l2_penalty = penalty;
        self
    }

    /// Upper bound on optimiser iterations.
    pub fn max_iterations(mut self, iterations: u64) -> Self {
        self.0.max_iterations = iterations;
        self
    }

    /// Per-class sample weights (e.g. inverse frequency for imbalanced classes).
    pub fn class_weights(mut self, weights: Option<Vec<f64>>) -> Self {
        self.0.class_weights = weights;
        self
    }

    /// Starts the optimiser from `model`'s weights instead of zeros (a warm start, as along a
    /// path of L2 penalties on the same records). The objective is strictly convex, so the
    /// optimum is the same from any start; a nearby one only takes fewer iterations. `model`
    /// must have the dataset's number of features and this number of classes.
    pub fn warm_start(mut self, model: &SoftmaxRegression) -> Self {
        let mut theta = Vec::with_capacity((model.features() + 1) * model.classes());
        for row in model.weights.rows() {
            theta.extend(row.iter().map(|w| f64::from(*w)));
        }
        theta.extend(model.bias.iter().map(|b| f64::from(*b)));
        self.0.initial = Some(WarmStart {
            features: model.features(),
            classes: model.classes(),
            theta: Array1::from(theta),
        });
        self
    }
}

/// The parameters a fit starts from, with the shape they were taken from.
#[derive(Debug, Clone, PartialEq)]
struct WarmStart {
    features: usize,
    classes: usize,
    /// [weights (features × classes); bias], row-major, as the objective lays them out.
    theta: Array1<f64>,
}

impl ParamGuard for SoftmaxRegressionParams {
    type Checked = SoftmaxRegressionValidParams;
    type Error = EstimatorError;

    fn check_ref(&self) -> Result<&Self::Checked, Self::Error> {
        let p = &self.0;
        if !p.l2_penalty.is_finite() || p.l2_penalty < 0.0 {
            return Err(EstimatorError::InvalidPenalty(p.l2_penalty));
        }
        if p.classes < 2 {
            return Err(EstimatorError::TooFewClasses(p.classes));
        }
        Ok(p)
    }

    fn check(self) -> Result<Self::Checked, Self::Error> {
        self.check_ref()?;
        Ok(self.0)
    }
}

/// A fitted softmax regression: one weight per (feature, class) and one bias per class.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SoftmaxRegression {
    weights: Array2<f32>,
    bias: Array1<f32>,
}

impl SoftmaxRegression {
    /// A regression from its weights (features × classes) and bias (one per class), as an
    /// estimator other than this module's fit produces them.
    pub fn from_parts(weights: Array2<f32>, bias: Array1<f32>) -> Self {
        Self { weights, bias }
    }

    /// Number of classes.
    pub fn classes(&self) -> usize {
        self.bias.len()
    }

    /// Number of class columns of the weight matrix (equal to [`classes`](Self::classes)
    /// unless a model file is damaged).
    pub fn weight_columns(&self) -> usize {
        self.weights.ncols()
    }

    /// Number of input features.
    pub fn features(&self) -> usize {
        self.weights.nrows()
    }

    /// The first weight or bias that is NaN or infinite, described for an error message
    /// (e.g. `weights[12, 3] is NaN`); `None` when every number is finite.
    pub fn first_non_finite(&self) -> Option<String> {
        if let Some(((row, column), value)) =
            self.weights.indexed_iter().find(|(_, v)| !v.is_finite())
        {
            return Some(format!("weights[{row}, {column}] is {value}"));
        }
        self.bias
            .iter()
            .enumerate()
            .find(|(_, v)| !v.is_finite())
            .map(|(class, value)| format!("bias[{class}] is {value}"))
    }

    /// Weight of `feature` toward `class`.
    pub fn weight(&self, feature: u32, class: usize) -> f32 {
        self.weights[[feature as usize, class]]
    }

    /// Class scores (logits) of one sparse row, written to `out`.
    pub fn logits_into(&self, indices: &[u32], values: &[f32], out: &mut [f32]) {
        out.copy_from_slice(self.bias.as_slice().unwrap_or(&[]));
        // Rows as plain slices of the (row-major) weights: no view or stride per feature.
        let weights = self.weights.as_standard_layout();
        let (Some(weights), classes) = (weights.as_slice(), weights.ncols()) else {
            return;
        };
        if out.len() != classes {
            return add_rows_of_any_width(weights, classes, indices, values, out);
        }
        // A fixed class count lets each row's update compile to straight-line code.
        match classes {
            2 => add_rows::<2>(weights, indices, values, out),
            3 => add_rows::<3>(weights, indices, values, out),
            4 => add_rows::<4>(weights, indices, values, out),
            5 => add_rows::<5>(weights, indices, values, out),
            6 => add_rows::<6>(weights, indices, values, out),
            _ => add_rows_of_any_width(weights, classes, indices, values, out),
        }
    }
}

/// Adds `values[i]` times row `indices[i]` of the `N`-column `weights` to `out` (of length
/// `N`); rows past the end of `weights` are skipped.
fn add_rows<const N: usize>(weights: &[f32], indices: &[u32], values: &[f32], out: &mut [f32]) {
    let Ok(out) = <&mut [f32; N]>::try_from(out) else {
        return;
    };
    let mut sums = *out;
    for (feature, value) in indices.iter().zip(values) {
        let start = *feature as usize * N;
        if let Some(Ok(row)) = weights.get(start..start + N).map(<&[f32; N]>::try_from) {
            for (sum, weight) in sums.iter_mut().zip(row) {
                *sum += value * weight;
            }
        }
    }
    *out = sums;
}

/// [`add_rows`] for any number of columns (`classes`).
fn add_rows_of_any_width(
    weights: &[f32],
    classes: usize,
    indices: &[u32],
    values: &[f32],
    out: &mut [f32],
) {
    for (feature, value) in indices.iter().zip(values) {
        let start = *feature as usize * classes;
        if let Some(row) = weights.get(start..start + classes) {
            for (sum, weight) in out.iter_mut().zip(row) {
                *sum += value * weight;
            }
        }
    }
}

/// Softmax of `logits / temperature`, in place.
///
/// Logits that overflowed (a model with huge but finite weights) are clamped to the finite
/// range first, NaN to the lowest, so the probabilities are always finite and sum to 1.
pub fn softmax_in_place(logits: &mut [f32], temperature: f32) {
    for l in logits.iter_mut() {
        *l = if l.is_nan() {
            f32::MIN
        } else {
            l.clamp(f32::MIN, f32::MAX)
        };
    }
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for l in logits.iter_mut() {
        *l = ((*l - max) / temperature).exp();
        sum += *l;
    }
    logits.iter_mut().for_each(|l| *l /= sum);
}

impl PredictInplace<SparseRecords, Array2<f32>> for SoftmaxRegression {
    fn predict_inplace(&self, records: &SparseRecords, probabilities: &mut Array2<f32>) {
        for (i, mut out) in probabilities.axis_iter_mut(Axis(0)).enumerate() {
            if let (Some(row), Some(out)) = (records.row(i), out.as_slice_mut()) {
                let indices: Vec<u32> = row.indices().iter().map(|i| *i as u32).collect();
                self.logits_into(&indices, row.data(), out);
                softmax_in_place(out, 1.0);
            }
        }
    }

    fn default_target(&self, records: &SparseRecords) -> Array2<f32> {
        Array2::zeros((records.nsamples(), self.classes()))
    }
}

impl PredictInplace<SparseRecords, Array1<usize>> for SoftmaxRegression {
    fn predict_inplace(&self, records: &SparseRecords, predictions: &mut Array1<usize>) {
        let probabilities: Array2<f32> = {
            let mut p = PredictInplace::<_, Array2<f32>>::default_target(self, records);
            self.predict_inplace(records, &mut p);
            p
        };
        for (prediction, row) in predictions.iter_mut().zip(probabilities.rows()) {
            *prediction = argmax(row);
        }
    }

    fn default_target(&self, records: &SparseRecords) -> Array1<usize> {
        Array1::zeros(records.nsamples())
    }
}

/// Index of the largest value (the first on ties).
pub fn argmax(values: ArrayView1<f32>) -> usize {
    values
        .iter()
        .enumerate()
        .fold((0, f32::NEG_INFINITY), |best, (i, v)| {
            if *v > best.1 {
                (i, *v)
            } else {
                best
            }
        })
        .0
}

impl Fit<SparseRecords, Array1<usize>, EstimatorError> for SoftmaxRegressionValidParams {
    type Object = SoftmaxRegression;

    /// Fits the weights; each record counts with its class weight times its own weight in
    /// the dataset (`DatasetBase::with_weights`; 1 when the dataset has none).
    fn fit(
        &self,
        dataset: &DatasetBase<SparseRecords, Array1<usize>>,
    ) -> Result<Self::Object, EstimatorError> {
        let samples = dataset.records.nsamples();
        if samples == 0 {
            return Err(EstimatorError::EmptyDataset);
        }
        if let Some(target) = dataset.targets.iter().find(|t| **t >= self.classes) {
            return Err(EstimatorError::TargetOutOfRange {
                target: *target,
                classes: self.classes,
            });
        }
        if let Some(weights) = dataset.weights() {
            if weights.len() != samples {
                return Err(EstimatorError::InvalidWeights(format!(
                    "{} weights for {samples} records",
                    weights.len()
                )));
            }
            if let Some(bad) = weights.iter().find(|w| !w.is_finite() || **w < 0.0) {
                return Err(EstimatorError::InvalidWeights(format!(
                    "{bad} is not a finite number >= 0"
                )));
            }
        }
        // A sample weighs its class weight times its own weight in the dataset (1 if none).
        let sample_weights: Vec<f64> = dataset
            .targets
            .iter()
            .enumerate()
            .map(|(i, t)| {
                self.class_weights.as_ref().map_or(1.0, |w| w[*t])
                    * f64::from(dataset.weight_for(i))
            })
            .collect();
        let features = dataset.records.nfeatures();
        if let Some(start) = &self.initial {
            if (start.features, start.classes) != (features, self.classes) {
                return Err(EstimatorError::WarmStartShape {
                    given_features: start.features,
                    given_classes: start.classes,
                    features,
                    classes: self.classes,
                });
            }
        }
        let objective = Objective::new(
            &dataset.records,
            dataset.targets.as_slice().unwrap_or(&[]),
            sample_weights,
            self.classes,
            self.l2_penalty,
        );
        let initial = self.initial.as_ref().map_or_else(
            || Array1::<f64>::zeros(objective.parameters()),
            |start| start.theta.clone(),
        );
        let solver = LBFGS::new(MoreThuenteLineSearch::new(), 10)
            .with_tolerance_grad(self.gradient_tolerance)
            .and_then(|s| s.with_tolerance_cost(1e-10))
            .map_err(|e| EstimatorError::Optimizer(e.to_string()))?;
        let result = Executor::new(objective, solver)
            .configure(|state| state.param(initial).max_iters(self.max_iterations))
            .run()
            .map_err(|e| EstimatorError::Optimizer(e.to_string()))?;
        let state = result.state();
        tracing::debug!(
            iterations = state.get_iter(),
            evaluations = ?state.get_func_counts(),
            loss = state.get_best_cost(),
            gradient_norm = state.get_gradient().map(|g| g.dot(g).sqrt()),
            termination = %state.get_termination_status(),
            "softmax regression fitted"
        );
        let theta = state
            .get_best_param()
            .cloned()
            .ok_or_else(|| EstimatorError::Optimizer("no parameters found".into()))?;
        let theta = theta.mapv(|v| v as f32);
        let all = theta
            .into_shape_with_order((features + 1, self.classes))
            .map_err(|e| EstimatorError::Optimizer(e.to_string()))?;
        Ok(SoftmaxRegression {
            weights: all.slice(ndarray::s![..features, ..]).to_owned(),
            bias: all.row(features).to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::SparseVector;
    use linfa::traits::Predict;

    /// Row i of the toy problem and its class: feature 0 marks class 0, feature 1 class 1,
    /// feature 2 class 2; feature 3 is noise.
    fn toy_row(i: usize) -> (SparseVector, usize) {
        let row = SparseVector {
            indices: vec![(i % 3) as u32, 3],
            values: vec![1.0, 0.5],
        };
        (row, i % 3)
    }

    /// A dataset of the toy rows `rows`, in that order.
    fn toy_of(rows: impl Iterator<Item = usize>) -> DatasetBase<SparseRecords, Array1<usize>> {
        let (rows, targets): (Vec<_>, Vec<_>) = rows.map(toy_row).unzip();
        DatasetBase::new(SparseRecords::from_rows(&rows, 4), Array1::from(targets))
    }

    fn toy() -> DatasetBase<SparseRecords, Array1<usize>> {
        toy_of(0..30)
    }

    #[test]
    fn fixed_width_row_sums_equal_the_any_width_ones() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(11);
        for classes in 2..=7 {
            let weights: Vec<f32> = (0..50 * classes)
                .map(|_| rng.gen_range(-1.0..1.0))
                .collect();
            // Row 60 is past the end and must be skipped by both.
            let indices = [0u32, 7, 7, 19, 49, 60];
            let values: Vec<f32> = indices.iter().map(|_| rng.gen_range(0.0..1.0)).collect();
            let bias: Vec<f32> = (0..classes).map(|c| c as f32 * 0.25).collect();
            let mut expected = bias.clone();
            add_rows_of_any_width(&weights, classes, &indices, &values, &mut expected);
            let model = SoftmaxRegression {
                weights: Array2::from_shape_vec((50, classes), weights).expect("shape"),
                bias: Array1::from(bias),
            };
            let mut logits = vec![0.0; classes];
            model.logits_into(&indices, &values, &mut logits);
            assert_eq!(logits, expected, "{classes} classes");
            assert_ne!(logits, model.bias.to_vec(), "{classes} classes");
        }
    }

    #[test]
    fn learns_a_separable_problem() {
        let dataset = toy();
        let model = SoftmaxRegressionParams::new(3)
            .l2_penalty(1e-3)
            .fit(&dataset)
            .expect("fit");
        let predicted: Array1<usize> = model.predict(&dataset);
        assert_eq!(predicted, dataset.targets);
        let probabilities: Array2<f32> = model.predict(&dataset);
        for row in probabilities.rows() {
            assert!((row.sum() - 1.0).abs() < 1e-5);
            assert!(row.iter().any(|p| *p > 0.8));
        }
    }

    #[test]
    fn a_record_of_weight_two_counts_as_two_records() {
        let params = SoftmaxRegressionParams::new(3).l2_penalty(1e-2);
        let dataset = toy();
        let mut weights = Array1::from_elem(30, 1.0f32);
        weights[4] = 2.0;
        let weighted = params
            .fit(&dataset.clone().with_weights(weights))
            .expect("fit");
        let repeated = params.fit(&toy_of((0..30).chain([4]))).expect("fit");
        let unweighted = params.fit(&dataset).expect("fit");
        let logits = |model: &SoftmaxRegression| {
            let mut out = vec![0.0; 3];
            model.logits_into(&[1, 3], &[1.0, 0.5], &mut out);
            out
        };
        let (weighted, repeated, unweighted) =
            (logits(&weighted), logits(&repeated), logits(&unweighted));
        for (a, b) in weighted.iter().zip(&repeated) {
            assert!((a - b).abs() < 1e-3, "{weighted:?} vs {repeated:?}");
        }
        assert!(
            weighted[1] - unweighted[1] > 1e-3,
            "the weight changed nothing"
        );
    }

    #[test]
    fn sample_weights_that_do_not_fit_are_typed_errors() {
        let params = SoftmaxRegressionParams::new(3);
        let short = params.fit(&toy().with_weights(Array1::from_elem(29, 1.0)));
        assert!(matches!(short, Err(EstimatorError::InvalidWeights(_))));
        let mut negative = Array1::from_elem(30, 1.0f32);
        negative[7] = -1.0;
        let negative = params.fit(&toy().with_weights(negative));
        assert!(matches!(negative, Err(EstimatorError::InvalidWeights(_))));
    }

    #[test]
    fn bad_hyperparameters_are_typed_errors() {
        let dataset = toy();
        let negative = SoftmaxRegressionParams::new(3)
            .l2_penalty(-1.0)
            .fit(&dataset);
        assert!(matches!(negative, Err(EstimatorError::InvalidPenalty(_))));
        let one_class = SoftmaxRegressionParams::new(1).fit(&dataset);
        assert!(matches!(one_class, Err(EstimatorError::TooFewClasses(1))));
        let too_few = SoftmaxRegressionParams::new(2).fit(&dataset);
        assert!(matches!(
            too_few,
            Err(EstimatorError::TargetOutOfRange { .. })
        ));
    }

    #[test]
    fn a_warm_start_reaches_the_same_model_and_a_wrong_shape_is_refused() {
        let dataset = toy();
        let strong = SoftmaxRegressionParams::new(3)
            .l2_penalty(1e-1)
            .fit(&dataset)
            .expect("fit");
        let weak = SoftmaxRegressionParams::new(3).l2_penalty(1e-3);
        let cold = weak.fit(&dataset).expect("fit");
        let warm = weak.clone().warm_start(&strong).fit(&dataset).expect("fit");
        let logits = |model: &SoftmaxRegression| {
            let mut out = vec![0.0; 3];
            model.logits_into(&[0, 3], &[1.0, 0.5], &mut out);
            out
        };
        for (c, w) in logits(&cold).iter().zip(logits(&warm)) {
            assert!(
                (c - w).abs() < 1e-2,
                "{:?} vs {:?}",
                logits(&cold),
                logits(&warm)
            );
        }
        assert!(
            (logits(&strong)[0] - logits(&cold)[0]).abs() > 0.1,
            "the two penalties give the same model: the test shows nothing"
        );
        let narrow = toy_of(0..30);
        let narrow = DatasetBase::new(
            SparseRecords::from_rows(&(0..30).map(|i| toy_row(i).0).collect::<Vec<_>>(), 5),
            narrow.targets,
        );
        let refused = weak.warm_start(&strong).fit(&narrow);
        assert!(
            matches!(
                refused,
                Err(EstimatorError::WarmStartShape {
                    given_features: 4,
                    features: 5,
                    ..
                })
            ),
            "{refused:?}"
        );
    }
}

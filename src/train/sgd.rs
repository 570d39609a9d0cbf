//! The softmax regression fitted by stochastic gradient descent over passes (epochs) of the
//! disk feature cache, through linfa's `Fit` trait: memory holds the weights and a few blocks
//! of rows, whatever the number of documents.
//!
//! It minimises the same objective as the in-memory L-BFGS fit (weighted mean cross-entropy
//! plus λ/2 ‖W‖², `model::objective`), one row at a time. The L2 step shrinks every weight
//! each row, which would cost the whole matrix per row; the weights are kept as a scale
//! times a matrix instead (W = a·V, as in Bottou's SGD), so the shrink is one multiplication
//! of `a` and a row touches only its own features. The learning rate falls as
//! η₀ / (1 + λ η₀ t)^¾ after t rows, η₀ chosen by the objective one pass reaches on a sample
//! of the rows (Bottou's calibration; `--learning-rate` fixes it). Each epoch visits the
//! cache's blocks in a seeded random order, a few blocks at a time with their rows shuffled
//! together, so a file sorted by label is not learned one class at a time.
//!
//! The model returned is the average of the iterates of the second half of the passes
//! (averaged SGD, Polyak–Ruppert), which lands much nearer the optimum than the last iterate
//! for the same passes; the average is kept as (A + f·V)/d with scalars f and d (Bottou,
//! "Stochastic Gradient Descent Tricks", 2012, §5.3), so averaging too costs a row its own
//! features only.

use linfa::dataset::DatasetBase;
use linfa::traits::Fit;
use ndarray::{Array1, Array2};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;

use super::cache::{Block, CachedRecords, CachedTargets};
use super::TrainError;
use crate::model::estimator::{softmax_in_place, SoftmaxRegression};
use crate::progress::Progress;

/// Blocks read and shuffled together.
const SHUFFLE_BLOCKS: usize = 8;

/// Hyperparameters of the streaming fit.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamingSoftmaxParams {
    /// Number of classes.
    pub classes: usize,
    /// L2 penalty λ (the loss is weighted mean cross-entropy + λ/2 ‖W‖²).
    pub l2_penalty: f64,
    /// Passes over the cache.
    pub epochs: usize,
    /// Learning rate at the start; `None` chooses it on a sample of the rows.
    pub learning_rate: Option<f64>,
    /// Per-class sample weights.
    pub class_weights: Option<Vec<f64>>,
    /// Seed of the block and row order.
    pub seed: u64,
}

impl StreamingSoftmaxParams {
    fn check(&self) -> Result<(), TrainError> {
        if !self.l2_penalty.is_finite() || self.l2_penalty < 0.0 {
            return Err(TrainError::InvalidOption(format!(
                "L2 penalty must be a finite number >= 0, got {}",
                self.l2_penalty
            )));
        }
        if self.epochs == 0 {
            return Err(TrainError::InvalidOption(
                "epochs must be at least 1".into(),
            ));
        }
        if let Some(rate) = self.learning_rate.filter(|r| !(r.is_finite() && *r > 0.0)) {
            return Err(TrainError::InvalidOption(format!(
                "learning rate must be a finite number > 0, got {rate}"
            )));
        }
        Ok(())
    }
}

/// The weights being learned, W = scale · V, with the bias, and their running average
/// (A + fraction · V) / divisor, with its bias.
struct Weights {
    v: Vec<f32>,
    scale: f64,
    bias: Vec<f32>,
    classes: usize,
    averaging: bool,
    a: Vec<f64>,
    fraction: f64,
    divisor: f64,
    average_bias: Vec<f64>,
}

/// The average's divisor past which it is folded into A (keeps f and d in range).
const MAX_DIVISOR: f64 = 1e6;

impl Weights {
    fn new(dimension: usize, classes: usize) -> Self {
        Self {
            v: vec![0.0; dimension * classes],
            scale: 1.0,
            bias: vec![0.0; classes],
            classes,
            averaging: false,
            a: Vec::new(),
            fraction: 0.0,
            divisor: 1.0,
            average_bias: vec![0.0; classes],
        }
    }

    fn logits(&self, indices: &[u32], values: &[f32], out: &mut [f32]) {
        out.fill(0.0);
        let c = self.classes;
        for (f, x) in indices.iter().zip(values) {
            let row = &self.v[*f as usize * c..(*f as usize + 1) * c];
            out.iter_mut().zip(row).for_each(|(o, w)| *o += x * w);
        }
        let scale = self.scale as f32;
        out.iter_mut()
            .zip(&self.bias)
            .for_each(|(o, b)| *o = *o * scale + b);
    }

    /// Subtracts `step · x · gradient` from V at the row's features (and keeps the average
    /// unchanged by it: A takes `fraction` times the change back).
    fn descend(&mut self, indices: &[u32], values: &[f32], gradient: &[f32], step: f32) {
        let c = self.classes;
        let fraction = self.fraction;
        for (f, x) in indices.iter().zip(values) {
            let start = *f as usize * c;
            let row = &mut self.v[start..start + c];
            if self.averaging {
                let a = &mut self.a[start..start + c];
                for ((w, g), a) in row.iter_mut().zip(gradient).zip(a) {
                    let change = step * x * g;
                    *w -= change;
                    *a += fraction * f64::from(change);
                }
            } else {
                row.iter_mut()
                    .zip(gradient)
                    .for_each(|(w, g)| *w -= step * x * g);
            }
        }
    }

    /// Moves the average a share `mu` of the way to the current weights; `mu` ≥ 1 starts
    /// it at the current weights.
    fn average(&mut self, mu: f64) {
        if mu >= 1.0 || !self.averaging {
            self.averaging = true;
            self.a = vec![0.0; self.v.len()];
            self.divisor = 1.0 / self.scale;
            self.fraction = 1.0;
            self.average_bias = self.bias.iter().map(|b| f64::from(*b)).collect();
            return;
        }
        self.divisor /= 1.0 - mu;
        self.fraction += mu * self.divisor * self.scale;
        self.average_bias
            .iter_mut()
            .zip(&self.bias)
            .for_each(|(a, b)| *a += mu * (f64::from(*b) - *a));
        if self.divisor > MAX_DIVISOR {
            self.renormalise();
        }
    }

    /// Folds the scalars into the vectors: V ← scale · V, A ← the average (keeps the
    /// numbers in range).
    fn renormalise(&mut self) {
        if self.averaging {
            let (fraction, divisor) = (self.fraction, self.divisor);
            self.a
                .iter_mut()
                .zip(&self.v)
                .for_each(|(a, v)| *a = (*a + fraction * f64::from(*v)) / divisor);
            self.fraction = 0.0;
            self.divisor = 1.0;
        }
        let scale = self.scale as f32;
        self.v.iter_mut().for_each(|w| *w *= scale);
        self.scale = 1.0;
    }

    /// The model: the average when averaging began, else the current weights.
    fn into_parts(mut self) -> (Vec<f32>, Vec<f32>) {
        self.renormalise();
        if self.averaging {
            let weights = self.a.iter().map(|a| *a as f32).collect();
            let bias = self.average_bias.iter().map(|b| *b as f32).collect();
            (weights, bias)
        } else {
            (self.v, self.bias)
        }
    }
}

/// One row's SGD step at learning rate `eta`: the L2 shrink, then the loss gradient
/// (`sample` is the row's weight); `logits` and `gradient` are scratch of one per class.
#[allow(clippy::too_many_arguments)]
fn step(
    weights: &mut Weights,
    (indices, values): (&[u32], &[f32]),
    class: usize,
    sample: f32,
    eta: f64,
    lambda: f64,
    logits: &mut [f32],
    gradient: &mut [f32],
) {
    weights.logits(indices, values, logits);
    softmax_in_place(logits, 1.0);
    for (c, (g, p)) in gradient.iter_mut().zip(logits.iter()).enumerate() {
        *g = sample * (p - if c == class { 1.0 } else { 0.0 });
    }
    weights.scale *= 1.0 - (eta * lambda).min(0.5);
    if weights.scale < 1e-6 {
        weights.renormalise();
    }
    let step = (eta / weights.scale) as f32;
    weights.descend(indices, values, gradient, step);
    let eta = eta as f32;
    weights
        .bias
        .iter_mut()
        .zip(gradient.iter())
        .for_each(|(b, g)| *b -= eta * g);
}

/// The learning rate after `seen` rows: η₀ / (1 + λ η₀ t)^¾ (Bottou's schedule for averaged
/// SGD; it decays slowly enough for the average to be of good iterates).
fn learning_rate(start: f64, lambda: f64, seen: u64) -> f64 {
    start / (1.0 + lambda * start * seen as f64).powf(0.75)
}

/// Rows of the sample the starting learning rate is chosen on.
const CALIBRATION_ROWS: usize = 10_000;
/// Starting learning rates tried on the sample.
const CALIBRATION_RATES: [f64; 8] = [0.125, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0];

/// A row of the calibration sample: its class and features.
type SampleRow = (usize, Vec<u32>, Vec<f32>);

impl StreamingSoftmaxParams {
    /// The starting learning rate: the one of [`CALIBRATION_RATES`] whose pass over a sample
    /// of the rows reaches the lowest objective on it (Bottou's `determineEta0`), unless
    /// one was given.
    fn starting_rate(
        &self,
        sample: &[SampleRow],
        dimension: usize,
        weight: &dyn Fn(usize) -> f32,
    ) -> f64 {
        if let Some(rate) = self.learning_rate {
            return rate;
        }
        let classes = self.classes;
        let (mut logits, mut gradient) = (vec![0.0f32; classes], vec![0.0f32; classes]);
        let mut objective = |rate: f64| {
            let mut weights = Weights::new(dimension, classes);
            for (seen, (class, indices, values)) in sample.iter().enumerate() {
                let eta = learning_rate(rate, self.l2_penalty, seen as u64);
                step(
                    &mut weights,
                    (indices, values),
                    *class,
                    weight(*class),
                    eta,
                    self.l2_penalty,
                    &mut logits,
                    &mut gradient,
                );
            }
            let mut loss = 0.0;
            for (class, indices, values) in sample {
                weights.logits(indices, values, &mut logits);
                softmax_in_place(&mut logits, 1.0);
                loss += -f64::from(logits[*class].max(1e-30)).ln() * f64::from(weight(*class));
            }
            let scale = weights.scale;
            let norm: f64 = weights
                .v
                .iter()
                .map(|w| (f64::from(*w) * scale).powi(2))
                .sum();
            loss / sample.len().max(1) as f64 + 0.5 * self.l2_penalty * norm
        };
        let mut best = (f64::INFINITY, CALIBRATION_RATES[0]);
        for rate in CALIBRATION_RATES {
            let value = objective(rate);
            if value < best.0 {
                best = (value, rate);
            }
        }
        best.1
    }
}

impl Fit<CachedRecords<'_>, CachedTargets, TrainError> for StreamingSoftmaxParams {
    type Object = SoftmaxRegression;

    fn fit(
        &self,
        dataset: &DatasetBase<CachedRecords<'_>, CachedTargets>,
    ) -> Result<SoftmaxRegression, TrainError> {
        self.check()?;
        let records = &dataset.records;
        let cache = records.cache;
        let counts = cache.class_counts(&records.included);
        if counts.len() > self.classes {
            return Err(TrainError::InvalidOption(format!(
                "the cache holds {} classes, the fit {}",
                counts.len(),
                self.classes
            )));
        }
        let rows: u64 = counts.iter().sum();
        if rows == 0 {
            return Err(crate::model::estimator::EstimatorError::EmptyDataset.into());
        }
        let class_weight = |class: usize| self.class_weights.as_ref().map_or(1.0, |w| w[class]);
        let total_weight: f64 = counts
            .iter()
            .enumerate()
            .map(|(c, n)| class_weight(c) * *n as f64)
            .sum();
        // Per-row gradients are scaled so that their mean is the weighted mean's gradient.
        let normaliser = rows as f64 / total_weight.max(f64::MIN_POSITIVE);
        let sample_weight = |class: usize| (class_weight(class) * normaliser) as f32;
        let classes = self.classes;
        let dimension = cache.dimension();
        let mut rng = StdRng::seed_from_u64(self.seed);
        let mut reader = cache.reader()?;
        let mut blocks: Vec<Block> = (0..SHUFFLE_BLOCKS).map(|_| Block::default()).collect();

        let mut block_order: Vec<usize> = (0..cache.blocks()).collect();
        block_order.shuffle(&mut rng);
        let mut sample: Vec<SampleRow> = Vec::new();
        if self.learning_rate.is_none() {
            for b in &block_order {
                if sample.len() >= CALIBRATION_ROWS {
                    break;
                }
                reader.read_block(*b, &mut blocks[0])?;
                let block = &blocks[0];
                for r in (0..block.len()).filter(|r| records.includes(block.parts[*r])) {
                    let (indices, values) = block.row(r);
                    sample.push((
                        usize::from(block.classes[r]),
                        indices.to_vec(),
                        values.to_vec(),
                    ));
                }
            }
            sample.shuffle(&mut rng);
        }
        let start = self.starting_rate(&sample, dimension, &sample_weight);
        drop(sample);

        let mut weights = Weights::new(dimension, classes);
        // Rows before the average starts: the first half of the passes.
        let average_from = rows * self.epochs as u64 / 2;
        let mut order: Vec<(usize, usize)> = Vec::new();
        let (mut logits, mut gradient) = (vec![0.0f32; classes], vec![0.0f32; classes]);
        let progress = Progress::bar(
            (self.epochs * cache.blocks()) as u64,
            &format!(
                "fitting {rows} rows, {} epochs, learning rate {start}",
                self.epochs
            ),
        );
        let mut seen = 0u64;
        let lambda = self.l2_penalty;
        for epoch in 0..self.epochs {
            if epoch > 0 {
                block_order.shuffle(&mut rng);
            }
            for group in block_order.chunks(SHUFFLE_BLOCKS) {
                order.clear();
                for (slot, b) in group.iter().enumerate() {
                    reader.read_block(*b, &mut blocks[slot])?;
                    let block = &blocks[slot];
                    order.extend(
                        (0..block.len())
                            .filter(|r| records.includes(block.parts[*r]))
                            .map(|r| (slot, r)),
                    );
                }
                order.shuffle(&mut rng);
                for (slot, r) in &order {
                    let block = &blocks[*slot];
                    let class = usize::from(block.classes[*r]);
                    let eta = learning_rate(start, lambda, seen);
                    seen += 1;
                    step(
                        &mut weights,
                        block.row(*r),
                        class,
                        sample_weight(class),
                        eta,
                        lambda,
                        &mut logits,
                        &mut gradient,
                    );
                    if seen > average_from {
                        weights.average(1.0 / (seen - average_from) as f64);
                    }
                }
                progress.inc(group.len() as u64);
            }
        }
        progress.finish_and_clear();
        let (matrix, bias) = weights.into_parts();
        let matrix = Array2::from_shape_vec((dimension, classes), matrix)
            .map_err(|e| TrainError::InvalidOption(e.to_string()))?;
        Ok(SoftmaxRegression::from_parts(matrix, Array1::from(bias)))
    }
}

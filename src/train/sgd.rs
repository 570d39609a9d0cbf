//! The softmax regression fitted by stochastic gradient descent over passes (epochs) of the
//! disk feature cache, through linfa's `Fit` trait: memory holds the weights and a few blocks
//! of rows, whatever the number of documents.
//!
//! It minimises the same objective as the in-memory L-BFGS fit (weighted mean cross-entropy
//! plus λ/2 ‖W‖², `model::objective`), one row at a time. The L2 step shrinks every weight
//! each row, which would cost the whole matrix per row; the weights are kept as a scale
//! times a matrix instead (W = a·V, as in Bottou's SGD), so the shrink is one multiplication
//! of `a` and a row touches only its own features. The learning rate falls as 1/(1 + epoch
//! fraction). Each epoch visits the cache's blocks in a seeded random order, a few blocks at
//! a time with their rows shuffled together, so a file sorted by label is not learned one
//! class at a time.

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
    /// Learning rate at the start.
    pub learning_rate: f64,
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
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return Err(TrainError::InvalidOption(format!(
                "learning rate must be a finite number > 0, got {}",
                self.learning_rate
            )));
        }
        Ok(())
    }
}

/// The weights being learned: W = scale · V, and the bias.
struct Weights {
    v: Vec<f32>,
    scale: f64,
    bias: Vec<f32>,
    classes: usize,
}

impl Weights {
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

    /// Folds the scale into V when it gets small (keeps V's numbers in range).
    fn renormalise(&mut self) {
        let scale = self.scale as f32;
        self.v.iter_mut().for_each(|w| *w *= scale);
        self.scale = 1.0;
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
        let classes = self.classes;
        let dimension = cache.dimension();
        let mut weights = Weights {
            v: vec![0.0; dimension * classes],
            scale: 1.0,
            bias: vec![0.0; classes],
            classes,
        };
        let mut rng = StdRng::seed_from_u64(self.seed);
        let mut reader = cache.reader()?;
        let mut blocks: Vec<Block> = (0..SHUFFLE_BLOCKS).map(|_| Block::default()).collect();
        let mut order: Vec<(usize, usize)> = Vec::new();
        let (mut logits, mut gradient) = (vec![0.0f32; classes], vec![0.0f32; classes]);
        let progress = Progress::bar(
            (self.epochs * cache.blocks()) as u64,
            &format!("fitting {rows} rows, {} epochs", self.epochs),
        );
        let mut seen = 0u64;
        let lambda = self.l2_penalty;
        for _ in 0..self.epochs {
            let mut block_order: Vec<usize> = (0..cache.blocks()).collect();
            block_order.shuffle(&mut rng);
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
                    let (indices, values) = block.row(*r);
                    let eta = self.learning_rate / (1.0 + seen as f64 / rows as f64);
                    seen += 1;
                    weights.logits(indices, values, &mut logits);
                    softmax_in_place(&mut logits, 1.0);
                    let sample = (class_weight(class) * normaliser) as f32;
                    for (c, (g, p)) in gradient.iter_mut().zip(&logits).enumerate() {
                        *g = sample * (p - if c == class { 1.0 } else { 0.0 });
                    }
                    weights.scale *= 1.0 - (eta * lambda).min(0.5);
                    if weights.scale < 1e-6 {
                        weights.renormalise();
                    }
                    let step = (eta / weights.scale) as f32;
                    for (f, x) in indices.iter().zip(values) {
                        let start = *f as usize * classes;
                        let row = &mut weights.v[start..start + classes];
                        row.iter_mut()
                            .zip(&gradient)
                            .for_each(|(w, g)| *w -= step * x * g);
                    }
                    let eta = eta as f32;
                    weights
                        .bias
                        .iter_mut()
                        .zip(&gradient)
                        .for_each(|(b, g)| *b -= eta * g);
                }
                progress.inc(group.len() as u64);
            }
        }
        progress.finish_and_clear();
        weights.renormalise();
        let matrix = Array2::from_shape_vec((dimension, classes), weights.v)
            .map_err(|e| TrainError::InvalidOption(e.to_string()))?;
        Ok(SoftmaxRegression::from_parts(
            matrix,
            Array1::from(weights.bias),
        ))
    }
}

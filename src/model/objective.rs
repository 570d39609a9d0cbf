//! The training objective of the softmax regression: weighted mean cross-entropy plus
//! λ/2 ‖W‖², with its gradient, over sparse records.
//!
//! Sparse logistic regression is bound by memory, not arithmetic: a row-by-row pass reads
//! and writes a random (feature × class) row of the weights and of the gradient for every
//! non-zero, and both are megabytes. The objective therefore keeps a column-major copy of
//! the records and walks the features in order: the weights are read and the gradient is
//! written sequentially, and only the per-document arrays (documents × classes, small) are
//! touched at random. Both passes are split over threads by feature ranges.

use std::sync::Mutex;

use argmin::core::{CostFunction, Gradient};
use ndarray::Array1;
use rayon::prelude::*;

use super::sparse_records::SparseRecords;

/// The records in compressed sparse columns: for each feature, the documents it occurs in
/// and its values there.
struct Columns {
    /// `starts[f]..starts[f + 1]` are feature `f`'s entries.
    starts: Vec<usize>,
    rows: Vec<u32>,
    values: Vec<f32>,
}

impl Columns {
    fn of(records: &SparseRecords) -> Self {
        let matrix = records.matrix();
        let features = matrix.cols();
        let mut starts = vec![0usize; features + 1];
        for column in matrix.indices() {
            starts[*column + 1] += 1;
        }
        for f in 0..features {
            starts[f + 1] += starts[f];
        }
        let mut next = starts.clone();
        let mut rows = vec![0u32; matrix.nnz()];
        let mut values = vec![0f32; matrix.nnz()];
        for (row, vector) in matrix.outer_iterator().enumerate() {
            for (column, value) in vector.iter() {
                let slot = &mut next[column];
                rows[*slot] = row as u32;
                values[*slot] = *value;
                *slot += 1;
            }
        }
        Self {
            starts,
            rows,
            values,
        }
    }

    /// Feature ranges holding about equal numbers of entries, one per part.
    fn split(&self, parts: usize) -> Vec<std::ops::Range<usize>> {
        let features = self.starts.len() - 1;
        let total = self.rows.len().max(1);
        let mut ranges = Vec::with_capacity(parts);
        let mut start = 0;
        for part in 1..=parts {
            let wanted = total * part / parts;
            let end = if part == parts {
                features
            } else {
                self.starts
                    .partition_point(|s| *s < wanted)
                    .clamp(start, features)
            };
            ranges.push(start..end);
            start = end;
        }
        ranges
    }
}

/// A parameter vector with its loss and gradient.
type Evaluated = (Array1<f64>, f64, Array1<f64>);

/// Weighted mean cross-entropy + λ/2 ‖W‖² over parameters θ = [W (features × classes); b],
/// row-major.
pub(super) struct Objective<'a> {
    columns: Columns,
    documents: usize,
    targets: &'a [usize],
    sample_weights: Vec<f64>,
    total_weight: f64,
    classes: usize,
    l2_penalty: f64,
    /// Feature ranges of the parallel passes.
    parts: Vec<std::ops::Range<usize>>,
    /// The last θ evaluated with its loss and gradient: L-BFGS asks for both at one point.
    cache: Mutex<Option<Evaluated>>,
}

impl<'a> Objective<'a> {
    /// The objective of `records` with class `targets`, each document weighted by
    /// `sample_weights`.
    pub(super) fn new(
        records: &SparseRecords,
        targets: &'a [usize],
        sample_weights: Vec<f64>,
        classes: usize,
        l2_penalty: f64,
    ) -> Self {
        let columns = Columns::of(records);
        // A few parts per thread, so a thread that finishes early takes another.
        let parts = columns.split(4 * rayon::current_num_threads().max(1));
        Self {
            columns,
            documents: records.matrix().rows(),
            targets,
            total_weight: sample_weights.iter().sum(),
            sample_weights,
            classes,
            l2_penalty,
            parts,
            cache: Mutex::new(None),
        }
    }

    /// Number of parameters: (features + 1) × classes.
    pub(super) fn parameters(&self) -> usize {
        self.columns.starts.len() * self.classes
    }

    fn evaluate(&self, theta: &Array1<f64>) -> (f64, Array1<f64>) {
        if let Ok(cache) = self.cache.lock() {
            if let Some((at, loss, gradient)) = cache.as_ref() {
                if at == theta {
                    return (*loss, gradient.clone());
                }
            }
        }
        let Some(theta_s) = theta.as_slice() else {
            return (f64::INFINITY, Array1::zeros(theta.len()));
        };
        let (loss, gradient) = self.loss_and_gradient(theta_s);
        let gradient = Array1::from(gradient);
        if let Ok(mut cache) = self.cache.lock() {
            *cache = Some((theta.clone(), loss, gradient.clone()));
        }
        (loss, gradient)
    }

    fn loss_and_gradient(&self, theta: &[f64]) -> (f64, Vec<f64>) {
        let k = self.classes;
        let bias_at = theta.len() - k;
        let Columns {
            starts,
            rows,
            values,
        } = &self.columns;

        // Logits: each part adds its features' contributions into its own copy.
        let mut logits = self
            .parts
            .par_iter()
            .map(|range| {
                let mut logits = vec![0.0f64; self.documents * k];
                for feature in range.clone() {
                    let weights = &theta[feature * k..feature * k + k];
                    for entry in starts[feature]..starts[feature + 1] {
                        let (row, x) = (rows[entry] as usize, f64::from(values[entry]));
                        let out = &mut logits[row * k..row * k + k];
                        for (o, w) in out.iter_mut().zip(weights) {
                            *o += x * w;
                        }
                    }
                }
                logits
            })
            .reduce_with(|mut a, b| {
                a.iter_mut().zip(&b).for_each(|(a, b)| *a += b);
                a
            })
            .unwrap_or_else(|| vec![0.0; self.documents * k]);

        // Loss, and the residuals (weighted p − y) in place of the logits.
        let bias = &theta[bias_at..];
        let mut loss = 0.0;
        for (row, z) in logits.chunks_exact_mut(k).enumerate() {
            z.iter_mut().zip(bias).for_each(|(z, b)| *z += b);
            let max = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let log_normalizer = max + z.iter().map(|v| (v - max).exp()).sum::<f64>().ln();
            let (weight, target) = (self.sample_weights[row], self.targets[row]);
            loss += weight * (log_normalizer - z[target]);
            for (c, zc) in z.iter_mut().enumerate() {
                let indicator = if c == target { 1.0 } else { 0.0 };
                *zc = weight * ((*zc - log_normalizer).exp() - indicator);
            }
        }
        let residuals = logits;

        // Gradient: each part writes its own features' rows, nothing shared.
        let scale = 1.0 / self.total_weight;
        let mut gradient = vec![0.0f64; theta.len()];
        let (weight_gradient, bias_gradient) = gradient.split_at_mut(bias_at);
        let mut pieces = Vec::with_capacity(self.parts.len());
        let mut rest = weight_gradient;
        for range in &self.parts {
            let (piece, tail) = rest.split_at_mut(range.len() * k);
            pieces.push((range.clone(), piece));
            rest = tail;
        }
        pieces.into_par_iter().for_each(|(range, piece)| {
            for (feature, out) in range.zip(piece.chunks_exact_mut(k)) {
                for entry in starts[feature]..starts[feature + 1] {
                    let (row, x) = (rows[entry] as usize, f64::from(values[entry]));
                    let r = &residuals[row * k..row * k + k];
                    for (o, r) in out.iter_mut().zip(r) {
                        *o += x * r;
                    }
                }
                let weights = &theta[feature * k..feature * k + k];
                for (o, w) in out.iter_mut().zip(weights) {
                    *o = *o * scale + self.l2_penalty * w;
                }
            }
        });
        for r in residuals.chunks_exact(k) {
            bias_gradient.iter_mut().zip(r).for_each(|(g, r)| *g += r);
        }
        bias_gradient.iter_mut().for_each(|g| *g *= scale);
        let penalty = theta[..bias_at].iter().map(|t| t * t).sum::<f64>();
        (loss * scale + 0.5 * self.l2_penalty * penalty, gradient)
    }
}

impl CostFunction for Objective<'_> {
    type Param = Array1<f64>;
    type Output = f64;

    fn cost(&self, theta: &Self::Param) -> Result<f64, argmin::core::Error> {
        Ok(self.evaluate(theta).0)
    }
}

impl Gradient for Objective<'_> {
    type Param = Array1<f64>;
    type Gradient = Array1<f64>;

    fn gradient(&self, theta: &Self::Param) -> Result<Array1<f64>, argmin::core::Error> {
        Ok(self.evaluate(theta).1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::SparseVector;

    /// The gradient agrees with central differences of the loss.
    #[test]
    fn gradient_matches_finite_differences() {
        let rows: Vec<SparseVector> = (0..12)
            .map(|i| SparseVector {
                indices: vec![(i % 5) as u32, 5 + (i % 2) as u32],
                values: vec![0.8, 0.6 - 0.05 * i as f32],
            })
            .collect();
        let records = SparseRecords::from_rows(&rows, 7);
        let targets: Vec<usize> = (0..12).map(|i| i % 3).collect();
        let weights = (0..12).map(|i| 1.0 + (i % 4) as f64).collect();
        let objective = Objective::new(&records, &targets, weights, 3, 0.01);
        let theta: Vec<f64> = (0..objective.parameters())
            .map(|i| ((i * 37 % 11) as f64 - 5.0) / 10.0)
            .collect();
        let (_, gradient) = objective.loss_and_gradient(&theta);
        for i in 0..theta.len() {
            let (mut plus, mut minus) = (theta.clone(), theta.clone());
            plus[i] += 1e-6;
            minus[i] -= 1e-6;
            let numeric = (objective.loss_and_gradient(&plus).0
                - objective.loss_and_gradient(&minus).0)
                / 2e-6;
            assert!(
                (numeric - gradient[i]).abs() < 1e-6,
                "parameter {i}: analytic {} numeric {numeric}",
                gradient[i]
            );
        }
    }

    #[test]
    fn feature_ranges_cover_every_feature_once() {
        let rows: Vec<SparseVector> = (0..40)
            .map(|i| SparseVector {
                indices: vec![(i % 9) as u32, 9 + (i % 13) as u32],
                values: vec![1.0, 1.0],
            })
            .collect();
        let columns = Columns::of(&SparseRecords::from_rows(&rows, 30));
        for parts in [1, 2, 3, 8, 64] {
            let ranges = columns.split(parts);
            assert_eq!(ranges.len(), parts);
            assert_eq!(ranges[0].start, 0);
            assert_eq!(ranges[parts - 1].end, 30);
            assert!(ranges.windows(2).all(|w| w[0].end == w[1].start));
        }
    }
}

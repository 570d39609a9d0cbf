//! How far a figure measured on one test set is from chance: bootstrap intervals of accuracy
//! and macro-F1 (resampling documents, or whole groups when the test data names them, since
//! documents of one outlet are not independent), and the paired bootstrap of the difference
//! between two models' predictions on the same documents.
//!
//! A difference between two models that is inside the paired interval is within what
//! resampling the test set produces by chance; for two figures compared without pairing,
//! the difference must exceed about √2 times the half-width of one interval.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rustc_hash::FxHashMap;
use serde::Serialize;

/// Bootstrap resamples drawn.
pub const RESAMPLES: usize = 1000;

/// A 95% percentile interval, in percentage points.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Interval {
    /// 2.5th percentile.
    pub low: f64,
    /// 97.5th percentile.
    pub high: f64,
}

impl Interval {
    /// Half the interval's width.
    pub fn half_width(&self) -> f64 {
        (self.high - self.low) / 2.0
    }
}

/// Bootstrap intervals of one model's figures on one test set.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Spread {
    /// Accuracy, %.
    pub accuracy: Interval,
    /// Macro-F1, %.
    pub macro_f1: Interval,
    /// Units resampled: documents, or groups when groups were given.
    pub units: usize,
    /// The smallest difference in macro-F1 between two independently compared models on
    /// this test set that is beyond chance (√2 × the half-width), in points.
    pub macro_f1_difference_beyond_chance: f64,
}

/// Accuracy and macro-F1 (%) of `predicted` against `truth` over `classes` classes, each
/// document counted `weight[i]` times.
fn figures(classes: usize, truth: &[usize], predicted: &[usize], weight: &[u32]) -> (f64, f64) {
    let (mut tp, mut fp, mut fn_) = (
        vec![0u64; classes],
        vec![0u64; classes],
        vec![0u64; classes],
    );
    let (mut correct, mut total) = (0u64, 0u64);
    for ((t, p), w) in truth.iter().zip(predicted).zip(weight) {
        let w = u64::from(*w);
        total += w;
        if t == p {
            tp[*t] += w;
            correct += w;
        } else {
            fp[*p] += w;
            fn_[*t] += w;
        }
    }
    let f1: f64 = (0..classes)
        .map(|c| {
            let denominator = 2 * tp[c] + fp[c] + fn_[c];
            if denominator == 0 {
                0.0
            } else {
                2.0 * tp[c] as f64 / denominator as f64
            }
        })
        .sum();
    (
        100.0 * correct as f64 / total.max(1) as f64,
        100.0 * f1 / classes.max(1) as f64,
    )
}

/// Units to resample: one per document, or one per group (documents without a group are
/// units of their own).
fn units(groups: Option<&[Option<String>]>, documents: usize) -> Vec<usize> {
    let Some(groups) = groups else {
        return (0..documents).collect();
    };
    let mut ids: FxHashMap<&str, usize> = FxHashMap::default();
    let mut unit_of = Vec::with_capacity(groups.len());
    for group in groups {
        let fresh = ids.len();
        let unit = match group {
            Some(g) => *ids.entry(g.as_str()).or_insert(fresh),
            None => usize::MAX,
        };
        unit_of.push(unit);
    }
    // Documents without a group are units of their own, numbered after the groups.
    let mut next = ids.len();
    for unit in &mut unit_of {
        if *unit == usize::MAX {
            *unit = next;
            next += 1;
        }
    }
    unit_of
}

/// Document weights of `resamples` bootstrap draws of the units (documents or groups).
fn draws(unit_of: &[usize], resamples: usize, seed: u64) -> impl Iterator<Item = Vec<u32>> + '_ {
    let count = unit_of.iter().max().map_or(0, |m| m + 1);
    let mut rng = StdRng::seed_from_u64(seed);
    (0..resamples).map(move |_| {
        let mut unit_weight = vec![0u32; count];
        for _ in 0..count {
            unit_weight[rng.gen_range(0..count)] += 1;
        }
        unit_of.iter().map(|u| unit_weight[*u]).collect()
    })
}

fn percentile_interval(mut values: Vec<f64>) -> Interval {
    values.sort_by(f64::total_cmp);
    let at =
        |q: f64| values[((q * (values.len() - 1) as f64).round() as usize).min(values.len() - 1)];
    Interval {
        low: at(0.025),
        high: at(0.975),
    }
}

/// Bootstrap intervals of accuracy and macro-F1 (seeded, [`RESAMPLES`] draws).
pub fn spread(
    classes: usize,
    truth: &[usize],
    predicted: &[usize],
    groups: Option<&[Option<String>]>,
) -> Spread {
    let unit_of = units(groups, truth.len());
    let (mut accuracy, mut macro_f1) = (Vec::new(), Vec::new());
    for weight in draws(&unit_of, RESAMPLES, 0x5eed) {
        let (a, f) = figures(classes, truth, predicted, &weight);
        accuracy.push(a);
        macro_f1.push(f);
    }
    let macro_f1 = percentile_interval(macro_f1);
    Spread {
        accuracy: percentile_interval(accuracy),
        macro_f1,
        units: unit_of.iter().max().map_or(0, |m| m + 1),
        macro_f1_difference_beyond_chance: std::f64::consts::SQRT_2 * macro_f1.half_width(),
    }
}

/// The paired comparison of two models' predictions on the same documents.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PairedDifference {
    /// Macro-F1 of the first minus the second, in points.
    pub macro_f1: f64,
    /// 95% bootstrap interval of that difference.
    pub macro_f1_interval: Interval,
    /// Accuracy of the first minus the second, in points.
    pub accuracy: f64,
    /// 95% bootstrap interval of that difference.
    pub accuracy_interval: Interval,
}

impl PairedDifference {
    /// Whether the macro-F1 difference is beyond chance (its interval excludes 0).
    pub fn macro_f1_beyond_chance(&self) -> bool {
        self.macro_f1_interval.low > 0.0 || self.macro_f1_interval.high < 0.0
    }
}

/// The paired bootstrap of (first − second): both models' figures on the same draws.
pub fn paired(
    classes: usize,
    truth: &[usize],
    first: &[usize],
    second: &[usize],
    groups: Option<&[Option<String>]>,
) -> PairedDifference {
    let unit_of = units(groups, truth.len());
    let all = vec![1; truth.len()];
    let (a1, f1) = figures(classes, truth, first, &all);
    let (a2, f2) = figures(classes, truth, second, &all);
    let (mut accuracy, mut macro_f1) = (Vec::new(), Vec::new());
    for weight in draws(&unit_of, RESAMPLES, 0x9a1e) {
        let (a1, f1) = figures(classes, truth, first, &weight);
        let (a2, f2) = figures(classes, truth, second, &weight);
        accuracy.push(a1 - a2);
        macro_f1.push(f1 - f2);
    }
    PairedDifference {
        macro_f1: f1 - f2,
        macro_f1_interval: percentile_interval(macro_f1),
        accuracy: a1 - a2,
        accuracy_interval: percentile_interval(accuracy),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_match_the_definitions() {
        let truth = [0, 0, 1, 1];
        let predicted = [0, 1, 1, 1];
        let (accuracy, macro_f1) = figures(2, &truth, &predicted, &[1, 1, 1, 1]);
        assert_eq!(accuracy, 75.0);
        // F1 class 0 = 2/3, class 1 = 0.8.
        assert!((macro_f1 - 100.0 * (2.0 / 3.0 + 0.8) / 2.0).abs() < 1e-9);
    }

    #[test]
    fn intervals_narrow_with_more_documents_and_widen_with_groups() {
        let make = |n: usize| -> (Vec<usize>, Vec<usize>) {
            let truth: Vec<usize> = (0..n).map(|i| i % 2).collect();
            let predicted: Vec<usize> = (0..n)
                .map(|i| if i % 5 == 0 { 1 - i % 2 } else { i % 2 })
                .collect();
            (truth, predicted)
        };
        let (t, p) = make(200);
        let small = spread(2, &t, &p, None);
        let (t2, p2) = make(5000);
        let large = spread(2, &t2, &p2, None);
        assert!(
            small.macro_f1.low <= 80.0 && 80.0 <= small.macro_f1.high,
            "{small:?}"
        );
        assert!(large.macro_f1.half_width() < small.macro_f1.half_width() / 2.0);
        // Errors concentrated in a few groups: resampling groups spreads the figure more.
        let groups: Vec<Option<String>> =
            (0..5000).map(|i| Some(format!("g{}", i / 500))).collect();
        let predicted: Vec<usize> = (0..5000)
            .map(|i| if i < 1000 { 1 - i % 2 } else { i % 2 })
            .collect();
        let by_doc = spread(2, &t2, &predicted, None);
        let by_group = spread(2, &t2, &predicted, Some(&groups));
        assert_eq!(by_group.units, 10);
        assert!(by_group.macro_f1.half_width() > 2.0 * by_doc.macro_f1.half_width());
    }

    #[test]
    fn a_paired_difference_is_beyond_chance_only_when_real() {
        let truth: Vec<usize> = (0..2000).map(|i| i % 3).collect();
        let good: Vec<usize> = (0..2000)
            .map(|i| if i % 10 == 0 { (i + 1) % 3 } else { i % 3 })
            .collect();
        let worse: Vec<usize> = (0..2000)
            .map(|i| if i % 4 == 0 { (i + 1) % 3 } else { i % 3 })
            .collect();
        let clear = paired(3, &truth, &good, &worse, None);
        assert!(
            clear.macro_f1 > 10.0 && clear.macro_f1_beyond_chance(),
            "{clear:?}"
        );
        let same = paired(3, &truth, &good, &good, None);
        assert_eq!(same.macro_f1, 0.0);
        assert!(!same.macro_f1_beyond_chance());
    }
}

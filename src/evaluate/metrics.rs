//! Evaluation figures: accuracy, per-class precision/recall/F1, confusion matrix, the
//! official metric of the corpora we train on, and expected calibration error.

use serde::Serialize;

/// Precision, recall and F1 of one class.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ClassMetrics {
    /// The class label.
    pub label: String,
    /// Correct predictions of this class / all predictions of this class.
    pub precision: f64,
    /// Correct predictions of this class / all documents of this class.
    pub recall: f64,
    /// Harmonic mean of precision and recall.
    pub f1: f64,
    /// Documents of this class.
    pub support: u64,
}

/// A corpus' own headline figure.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct OfficialMetric {
    /// Its name, e.g. `f_avg` or `fnc_relative_score`.
    pub name: &'static str,
    /// Its value, in percent.
    pub value: f64,
}

/// Everything measured on one labeled set.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Evaluation {
    /// Number of documents.
    pub documents: u64,
    /// Labels in model order (rows/columns of the confusion matrix).
    pub labels: Vec<String>,
    /// Fraction of correct predictions.
    pub accuracy: f64,
    /// Unweighted mean of per-class F1.
    pub macro_f1: f64,
    /// Per-class figures, in label order.
    pub per_class: Vec<ClassMetrics>,
    /// `confusion[truth][predicted]` counts.
    pub confusion: Vec<Vec<u64>>,
    /// The corpus' official metric, when its labels identify it.
    pub official: Option<OfficialMetric>,
    /// Expected calibration error of the top-label confidence (15 equal-width bins).
    pub expected_calibration_error: f64,
}

/// Number of bins for the expected calibration error.
pub const CALIBRATION_BINS: usize = 15;

impl Evaluation {
    /// Computes every figure from true label indices and predicted probability rows.
    pub fn compute(labels: &[String], truth: &[usize], probabilities: &[Vec<f32>]) -> Self {
        let k = labels.len();
        let predicted: Vec<usize> = probabilities.iter().map(|p| best(p)).collect();
        let mut confusion = vec![vec![0u64; k]; k];
        for (t, p) in truth.iter().zip(&predicted) {
            confusion[*t][*p] += 1;
        }
        let documents = truth.len() as u64;
        let correct: u64 = (0..k).map(|c| confusion[c][c]).sum();
        let per_class: Vec<ClassMetrics> = (0..k)
            .map(|c| {
                let tp = confusion[c][c] as f64;
                let predicted_c: u64 = (0..k).map(|t| confusion[t][c]).sum();
                let support: u64 = confusion[c].iter().sum();
                let precision = ratio(tp, predicted_c as f64);
                let recall = ratio(tp, support as f64);
                ClassMetrics {
                    label: labels[c].clone(),
                    precision,
                    recall,
                    f1: ratio(2.0 * precision * recall, precision + recall),
                    support,
                }
            })
            .collect();
        let macro_f1 = per_class.iter().map(|c| c.f1).sum::<f64>() / k.max(1) as f64;
        let confidences: Vec<(f32, bool)> = probabilities
            .iter()
            .zip(truth.iter().zip(&predicted))
            .map(|(p, (t, hat))| (p[*hat], t == hat))
            .collect();
        Self {
            documents,
            labels: labels.to_vec(),
            accuracy: ratio(correct as f64, documents as f64),
            macro_f1,
            official: official_metric(labels, &per_class, &confusion),
            per_class,
            confusion,
            expected_calibration_error: expected_calibration_error(&confidences),
        }
    }
}

fn best(probabilities: &[f32]) -> usize {
    crate::model::estimator::argmax(ndarray::ArrayView1::from(probabilities))
}

fn ratio(numerator: f64, denominator: f64) -> f64 {
    if denominator > 0.0 {
        numerator / denominator
    } else {
        0.0
    }
}

/// SemEval-2016 F_avg or FNC-1 relative score, chosen by the label set.
fn official_metric(
    labels: &[String],
    per_class: &[ClassMetrics],
    confusion: &[Vec<u64>],
) -> Option<OfficialMetric> {
    let index = |name: &str| labels.iter().position(|l| l == name);
    let mut sorted: Vec<&str> = labels.iter().map(String::as_str).collect();
    sorted.sort_unstable();
    match sorted.as_slice() {
        ["AGAINST", "FAVOR", "NONE"] => {
            let f = |name| index(name).map_or(0.0, |i| per_class[i].f1);
            Some(OfficialMetric {
                name: "f_avg",
                value: 100.0 * (f("FAVOR") + f("AGAINST")) / 2.0,
            })
        }
        ["agree", "disagree", "discuss", "unrelated"] => {
            let unrelated = index("unrelated")?;
            let (mut score, mut best) = (0.0, 0.0);
            for (t, row) in confusion.iter().enumerate() {
                for (p, count) in row.iter().enumerate() {
                    let n = *count as f64;
                    best += n * if t == unrelated { 0.25 } else { 1.0 };
                    if t == p {
                        score += n * if t == unrelated { 0.25 } else { 1.0 };
                    } else if t != unrelated && p != unrelated {
                        score += n * 0.25;
                    }
                }
            }
            Some(OfficialMetric {
                name: "fnc_relative_score",
                value: 100.0 * ratio(score, best),
            })
        }
        _ => None,
    }
}

/// Expected calibration error over equal-width confidence bins.
pub fn expected_calibration_error(confidence_correct: &[(f32, bool)]) -> f64 {
    let mut bins = [(0usize, 0.0f64, 0usize); CALIBRATION_BINS];
    for (confidence, correct) in confidence_correct {
        let bin =
            ((*confidence as f64 * CALIBRATION_BINS as f64) as usize).min(CALIBRATION_BINS - 1);
        bins[bin].0 += 1;
        bins[bin].1 += *confidence as f64;
        bins[bin].2 += usize::from(*correct);
    }
    let total = confidence_correct.len().max(1) as f64;
    bins.iter()
        .filter(|(n, _, _)| *n > 0)
        .map(|(n, sum, correct)| {
            let n = *n as f64;
            (n / total) * (sum / n - *correct as f64 / n).abs()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    fn one_hot(k: usize, i: usize) -> Vec<f32> {
        (0..k).map(|j| if i == j { 1.0 } else { 0.0 }).collect()
    }

    #[test]
    fn per_class_figures_match_hand_computation() {
        let l = labels(&["a", "b"]);
        let truth = [0, 0, 1, 1];
        let probs: Vec<_> = [0, 1, 1, 1].iter().map(|p| one_hot(2, *p)).collect();
        let e = Evaluation::compute(&l, &truth, &probs);
        assert_eq!(e.accuracy, 0.75);
        assert_eq!(e.per_class[0].precision, 1.0);
        assert_eq!(e.per_class[0].recall, 0.5);
        assert!((e.per_class[1].precision - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(e.confusion, vec![vec![1, 1], vec![0, 2]]);
        assert_eq!(e.expected_calibration_error, 0.25);
    }

    #[test]
    fn fnc_score_follows_the_official_weights() {
        let l = labels(&["agree", "disagree", "discuss", "unrelated"]);
        // agree→disagree (related, wrong: 0.25 of 1), unrelated→unrelated (0.25 of 0.25),
        // discuss→discuss (1 of 1).
        let truth = [0, 3, 2];
        let probs: Vec<_> = [1, 3, 2].iter().map(|p| one_hot(4, *p)).collect();
        let e = Evaluation::compute(&l, &truth, &probs);
        let official = e.official.expect("fnc");
        assert!((official.value - 100.0 * 1.5 / 2.25).abs() < 1e-9);
    }

    #[test]
    fn semeval_f_avg_ignores_none() {
        let l = labels(&["AGAINST", "FAVOR", "NONE"]);
        let truth = [0, 1, 2];
        let probs: Vec<_> = [0, 1, 0].iter().map(|p| one_hot(3, *p)).collect();
        let e = Evaluation::compute(&l, &truth, &probs);
        // AGAINST: P=1/2 R=1 F=2/3; FAVOR: F=1.
        assert!((e.official.expect("f_avg").value - 100.0 * (2.0 / 3.0 + 1.0) / 2.0).abs() < 1e-9);
    }
}

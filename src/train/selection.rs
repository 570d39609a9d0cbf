//! Model selection on the training data only: the validation split, group-aware
//! cross-validation folds and the grid of candidate settings (L2 penalty × class-weight
//! power) scored by cross-validation.

use linfa::traits::Fit;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rustc_hash::FxHashMap;
use xxhash_rust::xxh3::xxh3_64;

use super::fitting::{logits, params, probabilities, training_set, Candidate};
use super::{TrainError, TrainOptions};
use crate::corpus::Example;
use crate::evaluate::Evaluation;
use crate::features::{FeatureExtractor, FeatureSettings};
use crate::progress::Progress;

/// Which cross-validation figure picks the candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SelectBy {
    /// The corpus' official metric (SemEval F_avg, FNC-1 relative score), else macro-F1.
    Official,
    /// Macro-F1 over all classes.
    MacroF1,
    /// The mean of the official metric and macro-F1 (for FNC-1, whose relative score
    /// ignores the rare `disagree` class while macro-F1 does not).
    Mean,
}

/// Mean cross-validation figures of one candidate, in percent.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CvScore {
    /// The candidate.
    pub candidate: Candidate,
    /// Mean official metric (macro-F1 when the corpus has none).
    pub official: f64,
    /// Mean macro-F1.
    pub macro_f1: f64,
    /// Mean accuracy.
    pub accuracy: f64,
}

impl CvScore {
    /// The figure `select_by` maximises.
    pub fn criterion(&self, select_by: SelectBy) -> f64 {
        match select_by {
            SelectBy::Official => self.official,
            SelectBy::MacroF1 => self.macro_f1,
            SelectBy::Mean => (self.official + self.macro_f1) / 2.0,
        }
    }
}

/// The candidates of `options`: every L2 penalty with every class-weight power.
pub fn candidates(options: &TrainOptions) -> Vec<Candidate> {
    options
        .class_weight_powers
        .iter()
        .flat_map(|power| {
            options.l2_penalties.iter().map(|l2| Candidate {
                l2: *l2,
                class_weight_power: *power,
            })
        })
        .collect()
}

/// Splits example indices into (train, validation), keeping documents with identical text on
/// the same side (FNC-1 pairs one body with many headlines).
pub fn split_by_text(examples: &[Example], fraction: f64, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let groups = groups_by_text(examples, seed);
    let wanted = (fraction * examples.len() as f64).round() as usize;
    let (mut train, mut validation) = (Vec::new(), Vec::new());
    for group in groups {
        if validation.len() < wanted {
            validation.extend(group);
        } else {
            train.extend(group);
        }
    }
    train.sort_unstable();
    validation.sort_unstable();
    (train, validation)
}

/// Example indices grouped by identical text, groups in seeded random order.
fn groups_by_text(examples: &[Example], seed: u64) -> Vec<Vec<usize>> {
    let mut by_text: FxHashMap<u64, Vec<usize>> = FxHashMap::default();
    for (i, e) in examples.iter().enumerate() {
        by_text
            .entry(xxh3_64(e.text.as_bytes()))
            .or_default()
            .push(i);
    }
    let mut groups: Vec<(u64, Vec<usize>)> = by_text.into_iter().collect();
    groups.sort_unstable_by_key(|(key, _)| *key);
    let mut groups: Vec<Vec<usize>> = groups.into_iter().map(|(_, g)| g).collect();
    groups.shuffle(&mut StdRng::seed_from_u64(seed));
    groups
}

/// Mean validation figures of each candidate over `options.folds` group-aware folds of the
/// training part.
pub fn cross_validate(
    options: &TrainOptions,
    settings: &FeatureSettings,
    examples: &[Example],
    targets: &[usize],
    labels: &[String],
    train_part: &[usize],
) -> Result<Vec<CvScore>, TrainError> {
    let subset: Vec<Example> = train_part.iter().map(|i| examples[*i].clone()).collect();
    let mut folds = vec![Vec::new(); options.folds];
    for (g, group) in groups_by_text(&subset, options.seed ^ 0x5eed)
        .into_iter()
        .enumerate()
    {
        folds[g % options.folds].extend(group.into_iter().map(|i| train_part[i]));
    }
    let grid = candidates(options);
    let progress = Progress::bar((options.folds * grid.len()) as u64, "cross-validation");
    let mut totals = vec![[0.0; 3]; grid.len()];
    for (f, held_out) in folds.iter().enumerate() {
        let fit_on: Vec<usize> = folds
            .iter()
            .enumerate()
            .filter(|(g, _)| *g != f)
            .flat_map(|(_, fold)| fold.iter().copied())
            .collect();
        let docs: Vec<_> = fit_on.iter().map(|i| examples[*i].document()).collect();
        let extractor = FeatureExtractor::fit(settings.clone(), &docs)?;
        let dataset = training_set(
            &extractor,
            examples,
            targets,
            &fit_on,
            options.untargeted_copies,
        );
        let truth: Vec<usize> = held_out.iter().map(|i| targets[*i]).collect();
        for (c, candidate) in grid.iter().enumerate() {
            let regression = params(labels, targets, &fit_on, *candidate).fit(&dataset)?;
            let probabilities =
                probabilities(logits(&extractor, &regression, examples, held_out), 1.0);
            let evaluation = Evaluation::compute(labels, &truth, &probabilities);
            let macro_f1 = evaluation.macro_f1 * 100.0;
            totals[c][0] += evaluation.official.map_or(macro_f1, |o| o.value);
            totals[c][1] += macro_f1;
            totals[c][2] += evaluation.accuracy * 100.0;
            progress.inc(1);
        }
    }
    progress.finish_and_clear();
    let folds = options.folds as f64;
    Ok(grid
        .into_iter()
        .zip(totals)
        .map(|(candidate, [official, macro_f1, accuracy])| CvScore {
            candidate,
            official: official / folds,
            macro_f1: macro_f1 / folds,
            accuracy: accuracy / folds,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_criterion_follows_select_by() {
        let score = CvScore {
            candidate: Candidate {
                l2: 1e-4,
                class_weight_power: 0.5,
            },
            official: 80.0,
            macro_f1: 60.0,
            accuracy: 90.0,
        };
        assert_eq!(score.criterion(SelectBy::Official), 80.0);
        assert_eq!(score.criterion(SelectBy::MacroF1), 60.0);
        assert_eq!(score.criterion(SelectBy::Mean), 70.0);
    }
}

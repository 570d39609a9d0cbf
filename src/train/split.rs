//! Which part of the split each training document falls in: the validation part (for the
//! figures and the calibration) or one of the cross-validation folds. The in-memory and the
//! streaming paths assign parts by the same rule, so that on one corpus they validate on the
//! same documents and their model selections can agree:
//!
//! - a document with a `--group-field` value goes where its value goes: the values, in a
//!   seeded random order, fill the validation part up to a share `fraction` of the grouped
//!   records, and the others go, largest first, each to the fold with the fewest records
//!   (scikit-learn's GroupKFold), so every value stays on one side;
//! - a document without one goes by two seeded hashes of its text, so identical texts (FNC-1
//!   pairs one body with many headlines, NewsMTSC one sentence with several targets) stay
//!   on one side and fold sizes are balanced on average.
//!
//! The rule needs the number of records per group value, not the documents: the streaming
//! path counts them in its vocabulary pass. Only the in-memory path, which holds every text,
//! also joins identical texts that carry different group values ([`parts_of`]).

use std::collections::BTreeMap;

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rustc_hash::FxHashMap;
use xxhash_rust::xxh3::xxh3_64_with_seed;

use crate::corpus::{groups, Example};

/// The part of the validation split, beside folds `0..folds`.
pub const VALIDATION_PART: u8 = u8::MAX;

/// The most cross-validation folds a split has (a part is a `u8`, one value is
/// [`VALIDATION_PART`]).
pub const MAX_FOLDS: usize = 200;

/// The split's rule for one corpus: its shares, its seed, and the part of each group value.
pub struct SplitPlan {
    fraction: f64,
    folds: usize,
    seed: u64,
    group_parts: FxHashMap<String, u8>,
}

impl SplitPlan {
    /// The plan for a corpus whose group values have the record counts `group_sizes`, with a
    /// share `fraction` of it for validation and `folds` folds (clamped to 1..=[`MAX_FOLDS`]).
    pub fn new(
        group_sizes: &BTreeMap<String, u64>,
        fraction: f64,
        folds: usize,
        seed: u64,
    ) -> Self {
        let folds = folds.clamp(1, MAX_FOLDS);
        let mut values: Vec<(&String, u64)> = group_sizes.iter().map(|(g, n)| (g, *n)).collect();
        values.shuffle(&mut StdRng::seed_from_u64(seed));
        let grouped: u64 = values.iter().map(|(_, n)| n).sum();
        let wanted = (fraction * grouped as f64).round() as u64;
        let mut group_parts = FxHashMap::default();
        let mut validation = 0u64;
        let mut rest = Vec::new();
        for (value, size) in values {
            if validation < wanted {
                validation += size;
                group_parts.insert(value.clone(), VALIDATION_PART);
            } else {
                rest.push((value, size));
            }
        }
        // A stable sort: equal sizes keep the seeded order.
        rest.sort_by_key(|(_, size)| std::cmp::Reverse(*size));
        let mut fold_rows = vec![0u64; folds];
        for (value, size) in rest {
            let lightest = (0..folds).min_by_key(|f| fold_rows[*f]).unwrap_or(0);
            fold_rows[lightest] += size;
            group_parts.insert(value.clone(), lightest as u8);
        }
        Self {
            fraction,
            folds,
            seed,
            group_parts,
        }
    }

    /// The number of folds.
    pub fn folds(&self) -> usize {
        self.folds
    }

    /// The part of a document with text `text` and group value `group`: a fold index or
    /// [`VALIDATION_PART`].
    pub fn part(&self, text: &str, group: Option<&str>) -> u8 {
        if let Some(part) = group.and_then(|g| self.group_parts.get(g)) {
            return *part;
        }
        let share = xxh3_64_with_seed(text.as_bytes(), self.seed);
        if (share % 1_000_000) as f64 / 1e6 < self.fraction {
            VALIDATION_PART
        } else {
            (xxh3_64_with_seed(text.as_bytes(), self.seed ^ 0x5eed) % self.folds as u64) as u8
        }
    }
}

/// The records of each `--group-field` value among `examples`.
pub fn group_sizes(examples: &[Example]) -> BTreeMap<String, u64> {
    let mut sizes = BTreeMap::new();
    for group in examples.iter().filter_map(|e| e.group.as_deref()) {
        count_group(&mut sizes, group);
    }
    sizes
}

/// Counts one more record of group value `group` in `sizes` (allocating the key only for
/// a new value).
pub fn count_group(sizes: &mut BTreeMap<String, u64>, group: &str) {
    match sizes.get_mut(group) {
        Some(size) => *size += 1,
        None => {
            sizes.insert(group.to_string(), 1);
        }
    }
}

/// An in-memory corpus split: example indices of the validation part and of each fold
/// (each in increasing order; folds that received no document are left out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    /// The validation part.
    pub validation: Vec<usize>,
    /// The cross-validation folds; together they are the training part.
    pub folds: Vec<Vec<usize>>,
}

impl Split {
    /// The training part: every fold's examples, in increasing order.
    pub fn train_part(&self) -> Vec<usize> {
        let mut train: Vec<usize> = self.folds.iter().flatten().copied().collect();
        train.sort_unstable();
        train
    }
}

/// The split of `examples` by [`SplitPlan`]'s rule. Identical texts with different group
/// values (or one with a value and one without) are then joined, with everything they are
/// connected to, in the part of the first of them: no text is on both sides.
pub fn parts_of(examples: &[Example], fraction: f64, folds: usize, seed: u64) -> Split {
    let plan = SplitPlan::new(&group_sizes(examples), fraction, folds, seed);
    let mut parts: Vec<u8> = examples
        .iter()
        .map(|e| plan.part(&e.text, e.group.as_deref()))
        .collect();
    let everything: Vec<usize> = (0..examples.len()).collect();
    for group in groups::group_rows(examples, &everything, seed) {
        let first = parts[group[0]];
        for row in group {
            parts[row] = first;
        }
    }
    let mut split = Split {
        validation: Vec::new(),
        folds: vec![Vec::new(); plan.folds()],
    };
    for (row, part) in parts.into_iter().enumerate() {
        match part {
            VALIDATION_PART => split.validation.push(row),
            fold => split.folds[fold as usize].push(row),
        }
    }
    split.folds.retain(|fold| !fold.is_empty());
    split
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::groups::tests::example;

    #[test]
    fn every_group_value_and_every_text_stays_on_one_side() {
        // Texts 0..100 occur twice, each time under the same outlet (or none).
        let mut examples: Vec<Example> = (0..400)
            .map(|i| {
                let text = i % 300;
                let outlet = format!("outlet{}", text % 23);
                example(&format!("text {text}"), (text % 5 != 0).then_some(&*outlet))
            })
            .collect();
        // One text under two outlets: the two outlets end up on one side.
        examples.push(example("text 7", Some("outlet9")));
        let split = parts_of(&examples, 0.2, 3, 11);
        let side = |row: usize| -> Option<usize> {
            if split.validation.contains(&row) {
                return Some(usize::MAX);
            }
            split.folds.iter().position(|f| f.contains(&row))
        };
        assert_eq!(split.folds.len(), 3);
        assert_eq!(
            split.validation.len() + split.train_part().len(),
            examples.len()
        );
        for a in 0..examples.len() {
            for b in a + 1..examples.len() {
                let (x, y) = (&examples[a], &examples[b]);
                if x.text == y.text || (x.group.is_some() && x.group == y.group) {
                    assert_eq!(side(a), side(b), "{a} and {b}");
                }
            }
        }
        let share = split.validation.len() as f64 / examples.len() as f64;
        assert!((0.1..0.3).contains(&share), "validation share {share}");
        for fold in &split.folds {
            assert!(fold.len() > 60, "fold of {}", fold.len());
        }
    }

    #[test]
    fn the_plan_alone_gives_the_in_memory_parts() {
        // What the streaming path sees (group sizes and each record) gives the same parts as
        // the in-memory split, when no text is shared across groups.
        let examples: Vec<Example> = (0..300)
            .map(|i| {
                let outlet = format!("o{}", i % 13);
                example(&format!("t{i}"), (i % 3 == 0).then_some(&*outlet))
            })
            .collect();
        let split = parts_of(&examples, 0.25, 4, 5);
        let plan = SplitPlan::new(&group_sizes(&examples), 0.25, 4, 5);
        for (row, e) in examples.iter().enumerate() {
            let part = plan.part(&e.text, e.group.as_deref());
            if part == VALIDATION_PART {
                assert!(split.validation.contains(&row));
            } else {
                assert!(split.folds[part as usize].contains(&row));
            }
        }
        // Another seed gives another split.
        assert_ne!(parts_of(&examples, 0.25, 4, 6), split);
    }

    #[test]
    fn group_values_go_largest_first_to_the_lightest_fold() {
        let sizes: BTreeMap<String, u64> = [("a", 4), ("b", 1), ("c", 2), ("d", 1), ("e", 3)]
            .into_iter()
            .map(|(g, n)| (g.to_string(), n))
            .collect();
        let plan = SplitPlan::new(&sizes, 0.0, 3, 9);
        let mut rows = [0u64; 3];
        for (value, size) in &sizes {
            let part = plan.part("any text", Some(value));
            assert_ne!(part, VALIDATION_PART, "{value}");
            rows[part as usize] += size;
        }
        rows.sort_unstable();
        assert_eq!(rows, [3, 4, 4]);
    }

    #[test]
    fn no_validation_share_puts_everything_in_folds() {
        let examples: Vec<Example> = (0..50).map(|i| example(&format!("t{i}"), None)).collect();
        let split = parts_of(&examples, 0.0, 5, 1);
        assert!(split.validation.is_empty());
        assert_eq!(split.train_part(), (0..50).collect::<Vec<_>>());
    }
}

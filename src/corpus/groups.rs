//! Which documents must stay on the same side of a validation split or cross-validation
//! fold: those with identical text (FNC-1 pairs one body with many headlines, NewsMTSC one
//! sentence with several targets) and those sharing a value of the `--group-field` (an
//! outlet, author or event), so that the figures estimate performance on unseen ones.
//! The two relations are merged with a disjoint-set union: a group is a connected set.
//! Which side each group goes to is `train::split`'s job.

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rustc_hash::FxHashMap;
use xxhash_rust::xxh3::xxh3_64;

use super::Example;

/// Disjoint-set forest over example indices (union by size, path halving).
struct DisjointSets {
    parent: Vec<usize>,
    size: Vec<usize>,
}

impl DisjointSets {
    fn new(n: usize) -> Self {
        Self {
            parent: (0..n).collect(),
            size: vec![1; n],
        }
    }

    fn root(&mut self, mut i: usize) -> usize {
        while self.parent[i] != i {
            self.parent[i] = self.parent[self.parent[i]];
            i = self.parent[i];
        }
        i
    }

    fn union(&mut self, a: usize, b: usize) {
        let (mut a, mut b) = (self.root(a), self.root(b));
        if a == b {
            return;
        }
        if self.size[a] < self.size[b] {
            std::mem::swap(&mut a, &mut b);
        }
        self.parent[b] = a;
        self.size[a] += self.size[b];
    }
}

/// The groups of `rows` (indices into `examples`): rows with identical text or the same
/// group value are in one group. Groups are in seeded random order, each listing its rows
/// in increasing order.
pub fn group_rows(examples: &[Example], rows: &[usize], seed: u64) -> Vec<Vec<usize>> {
    let mut sets = DisjointSets::new(rows.len());
    let mut first_by_text: FxHashMap<u64, usize> = FxHashMap::default();
    let mut first_by_group: FxHashMap<&str, usize> = FxHashMap::default();
    for (position, row) in rows.iter().enumerate() {
        let example = &examples[*row];
        let first = *first_by_text
            .entry(xxh3_64(example.text.as_bytes()))
            .or_insert(position);
        sets.union(first, position);
        if let Some(group) = example.group.as_deref() {
            let first = *first_by_group.entry(group).or_insert(position);
            sets.union(first, position);
        }
    }
    let mut by_root: FxHashMap<usize, Vec<usize>> = FxHashMap::default();
    for (position, row) in rows.iter().enumerate() {
        by_root.entry(sets.root(position)).or_default().push(*row);
    }
    let mut groups: Vec<Vec<usize>> = by_root.into_values().collect();
    // Positions are pushed in increasing order, so every group is sorted; order the groups
    // by their first row before shuffling, so the result depends on the seed only.
    groups.sort_unstable_by_key(|g| g[0]);
    groups.shuffle(&mut StdRng::seed_from_u64(seed));
    groups
}

/// The number of distinct `--group-field` values among `examples` (0 when none has one).
pub fn distinct_group_values(examples: &[Example]) -> usize {
    let mut values: Vec<&str> = examples.iter().filter_map(|e| e.group.as_deref()).collect();
    values.sort_unstable();
    values.dedup();
    values.len()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A training example with text `text` and group value `group` (label "x").
    pub(crate) fn example(text: &str, group: Option<&str>) -> Example {
        Example {
            id: None,
            title: String::new(),
            text: text.into(),
            target: None,
            mentions: Vec::new(),
            label: "x".into(),
            group: group.map(str::to_string),
            line: 1,
        }
    }

    #[test]
    fn groups_join_identical_texts_and_shared_values_transitively() {
        // 0 and 1 share an outlet, 1 and 2 share a text: 0, 1, 2 are one group.
        let examples = [
            example("a", Some("bbc")),
            example("b", Some("bbc")),
            example("b", Some("cnn")),
            example("c", Some("fox")),
            example("d", None),
        ];
        let mut groups = group_rows(&examples, &[0, 1, 2, 3, 4], 7);
        groups.sort();
        assert_eq!(groups, vec![vec![0, 1, 2], vec![3], vec![4]]);
        assert_eq!(distinct_group_values(&examples), 3);
        // Only the rows asked for, by their indices.
        let mut part = group_rows(&examples, &[2, 3], 7);
        part.sort();
        assert_eq!(part, vec![vec![2], vec![3]]);
    }
}

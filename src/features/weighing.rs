//! TF-IDF weighing: the vocabulary columns a document's terms fired (one entry per
//! occurrence) become a vector of term frequency (raw or sublinear) times IDF, L2-normalised,
//! and the valued relation features of claim models are added to it as they are.

use super::{FeatureExtractor, SparseVector};

impl FeatureExtractor {
    /// Turns column occurrences (sorted) into a normalised TF-IDF vector and adds the valued
    /// (relation) features as they are; `ends` is a reusable buffer.
    pub(super) fn weigh(
        &self,
        columns: &[u32],
        valued: Vec<(u32, f32)>,
        ends: &mut Vec<u32>,
    ) -> SparseVector {
        // Distinct columns and where each one's run ends, without a branch per occurrence
        // (the runs' lengths are unpredictable): every occurrence writes its run's slot.
        let mut indices = vec![0; columns.len()];
        ends.clear();
        ends.resize(columns.len(), 0);
        let mut distinct = 0;
        for (position, pair) in columns.windows(2).enumerate() {
            indices[distinct] = pair[0];
            ends[distinct] = position as u32 + 1;
            distinct += usize::from(pair[0] != pair[1]);
        }
        if let Some(last) = columns.last() {
            indices[distinct] = *last;
            ends[distinct] = columns.len() as u32;
            distinct += 1;
        }
        indices.truncate(distinct);
        let idf = self.vocabulary.idf_weights();
        let (sublinear, table) = (self.settings.sublinear_tf, &*SUBLINEAR_TF);
        let mut squares = 0.0f32;
        let mut start = 0;
        let values: Vec<f32> = indices
            .iter()
            .zip(&ends[..distinct])
            .map(|(column, end)| {
                let count = (end - start) as usize;
                start = *end;
                let tf = match (sublinear, table.get(count)) {
                    (true, Some(tf)) => *tf,
                    (true, None) => sublinear_tf(count),
                    (false, _) => count as f32,
                };
                let value = tf * idf.get(*column as usize).copied().unwrap_or(0.0);
                squares += value * value;
                value
            })
            .collect();
        let mut vector = SparseVector { indices, values };
        let norm = squares.sqrt();
        if norm > 0.0 {
            vector.values.iter_mut().for_each(|v| *v /= norm);
        }
        if valued.is_empty() {
            return vector;
        }
        let mut merged: Vec<(u32, f32)> = vector.indices.into_iter().zip(vector.values).collect();
        merged.extend(valued);
        merged.sort_unstable_by_key(|(column, _)| *column);
        merged.dedup_by(|later, earlier| {
            let same = later.0 == earlier.0;
            if same {
                earlier.1 += later.1;
            }
            same
        });
        let (indices, values) = merged.into_iter().unzip();
        SparseVector { indices, values }
    }
}

/// `1 + ln(count)`.
fn sublinear_tf(count: usize) -> f32 {
    1.0 + (count as f32).ln()
}

/// [`sublinear_tf`] of the small counts that make up nearly every term, computed once.
static SUBLINEAR_TF: std::sync::LazyLock<[f32; 64]> =
    std::sync::LazyLock::new(|| std::array::from_fn(sublinear_tf));

#[cfg(test)]
mod tests {
    use super::*;

    /// The TF-IDF weights of sorted `columns`, one run at a time (what `weigh` computes
    /// without a branch per occurrence).
    fn weigh_run_by_run(extractor: &FeatureExtractor, columns: &[u32]) -> SparseVector {
        let idf = extractor.vocabulary.idf_weights();
        let mut vector = SparseVector::default();
        for run in columns.chunk_by(|a, b| a == b) {
            let tf = if extractor.settings.sublinear_tf {
                sublinear_tf(run.len())
            } else {
                run.len() as f32
            };
            vector.indices.push(run[0]);
            vector.values.push(tf * idf[run[0] as usize]);
        }
        let norm = vector.values.iter().map(|v| v * v).sum::<f32>().sqrt();
        if norm > 0.0 {
            vector.values.iter_mut().for_each(|v| *v /= norm);
        }
        vector
    }

    #[test]
    fn weigh_matches_weighing_run_by_run() {
        use crate::features::{FeatureSettings, NgramRange};
        use crate::text::Document;
        use rand::{Rng, SeedableRng};
        let words: Vec<String> = (0..40).map(|i| format!("w{i}")).collect();
        let docs: Vec<String> = (0..40)
            .map(|i| words[..=i].join(" ") + " " + &words[i..].join(" "))
            .collect();
        let docs: Vec<Document> = docs.iter().map(|text| Document::new(text)).collect();
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let mut ends = Vec::new();
        for sublinear_tf in [true, false] {
            let settings = FeatureSettings {
                word_ngrams: NgramRange { min: 1, max: 1 },
                sublinear_tf,
                min_df: 1,
                ..Default::default()
            };
            let extractor = FeatureExtractor::fit(settings, &docs).expect("fit");
            let dimension = extractor.dimension() as u32;
            // Empty, one column, one long run (past the TF table) and random mixes.
            let mut cases = vec![vec![], vec![3], vec![5; 100]];
            for length in [2, 10, 300] {
                let mut columns: Vec<u32> =
                    (0..length).map(|_| rng.gen_range(0..dimension)).collect();
                columns.sort_unstable();
                cases.push(columns);
            }
            for columns in cases {
                let expected = weigh_run_by_run(&extractor, &columns);
                assert_eq!(extractor.weigh(&columns, Vec::new(), &mut ends), expected);
            }
        }
    }

    #[test]
    fn sublinear_tf_table_matches_the_formula() {
        for (count, tf) in SUBLINEAR_TF.iter().enumerate().skip(1) {
            assert_eq!(*tf, 1.0 + (count as f32).ln(), "{count}");
        }
    }
}

//! TF-IDF weighing: the vocabulary columns a document's terms fired (one entry per
//! occurrence) become a vector of term frequency (raw or sublinear) times IDF, L2-normalised,
//! and the valued relation features of claim models are added to it as they are.

use super::{FeatureExtractor, SparseVector};

impl FeatureExtractor {
    /// Turns column occurrences (sorted) into a normalised TF-IDF vector and adds the valued
    /// (relation) features as they are.
    pub(super) fn weigh(&self, columns: &[u32], valued: Vec<(u32, f32)>) -> SparseVector {
        let mut vector = SparseVector {
            indices: Vec::with_capacity(columns.len()),
            values: Vec::with_capacity(columns.len()),
        };
        let idf = self.vocabulary.idf_weights();
        let (sublinear, table) = (self.settings.sublinear_tf, &*SUBLINEAR_TF);
        let mut squares = 0.0f32;
        for run in columns.chunk_by(|a, b| a == b) {
            let (column, count) = (run[0], run.len());
            let tf = match (sublinear, table.get(count)) {
                (true, Some(tf)) => *tf,
                (true, None) => sublinear_tf(count),
                (false, _) => count as f32,
            };
            let value = tf * idf.get(column as usize).copied().unwrap_or(0.0);
            squares += value * value;
            vector.indices.push(column);
            vector.values.push(value);
        }
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

    #[test]
    fn sublinear_tf_table_matches_the_formula() {
        for (count, tf) in SUBLINEAR_TF.iter().enumerate().skip(1) {
            assert_eq!(*tf, 1.0 + (count as f32).ln(), "{count}");
        }
    }
}

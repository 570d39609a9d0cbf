//! Sentence vectors, centrality and selection.
//!
//! Kept apart from the public API so the numeric core (sparse TF-IDF vectors, LexRank power
//! iteration, centroid fallback, redundancy-aware selection) can be read and tested on its own.
//! Vectors are sorted `(term id, weight)` lists with ids from a per-call vocabulary, so the hot
//! path does no string work after tokenization.

use rustc_hash::FxHashMap;

use super::idf::IdfTable;
use super::terms::for_each_term;

/// A sparse, L2-normalized vector: `(term id, weight)` sorted by id.
pub(crate) type SparseVec = Vec<(u32, f32)>;

/// Above this many sentences the O(n²) similarity graph is replaced by the centroid method.
pub(crate) const GRAPH_MAX_SENTENCES: usize = 200;

/// LexRank damping factor.
const DAMPING: f32 = 0.85;
/// Power iteration stops after this many rounds or when the L1 change drops below `TOLERANCE`.
const MAX_ITERATIONS: usize = 50;
const TOLERANCE: f32 = 1e-4;

/// Maps terms to small ids for one request and remembers each term's IDF.
#[derive(Default)]
pub(crate) struct Vocabulary {
    ids: FxHashMap<String, u32>,
    idf: Vec<f32>,
    buf: String,
    scratch: Vec<u32>,
}

impl Vocabulary {
    /// The TF-IDF vector of `text` (sublinear tf), L2-normalized, its number of terms and its
    /// length before normalization.
    pub(crate) fn vectorize(&mut self, text: &str, table: &IdfTable) -> (SparseVec, usize, f32) {
        let mut ids = std::mem::take(&mut self.scratch);
        let mut buf = std::mem::take(&mut self.buf);
        ids.clear();
        for_each_term(text, &mut buf, |term| {
            let id = match self.ids.get(term) {
                Some(&id) => id,
                None => {
                    let id = self.idf.len() as u32;
                    self.ids.insert(term.to_owned(), id);
                    self.idf.push(table.idf(term));
                    id
                }
            };
            ids.push(id);
        });
        let count = ids.len();
        ids.sort_unstable();
        let mut vec: SparseVec = Vec::with_capacity(ids.len());
        for &id in &ids {
            match vec.last_mut() {
                Some((last, tf)) if *last == id => *tf += 1.0,
                _ => vec.push((id, 1.0)),
            }
        }
        for (id, w) in &mut vec {
            *w = (1.0 + w.ln()) * self.idf[*id as usize];
        }
        let norm = normalize(&mut vec);
        self.scratch = ids;
        self.buf = buf;
        (vec, count, norm)
    }
}

/// Scales `v` to unit length (a zero vector stays zero) and returns its former length.
fn normalize(v: &mut [(u32, f32)]) -> f32 {
    let norm = v.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|(_, w)| *w /= norm);
    }
    norm
}

/// Dot product of two sorted sparse vectors (their cosine, as both are normalized).
pub(crate) fn cosine(a: &[(u32, f32)], b: &[(u32, f32)]) -> f32 {
    let (mut i, mut j, mut sum) = (0, 0, 0.0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                sum += a[i].1 * b[j].1;
                i += 1;
                j += 1;
            }
        }
    }
    sum
}

/// Centrality of each sentence, scaled so the most central one scores 1: continuous LexRank
/// for up to [`GRAPH_MAX_SENTENCES`] sentences, similarity to the document centroid beyond.
pub(crate) fn centrality(vectors: &[SparseVec]) -> Vec<f32> {
    let mut scores = if vectors.len() <= GRAPH_MAX_SENTENCES {
        lexrank(vectors)
    } else {
        centroid(vectors)
    };
    let max = scores.iter().copied().fold(0.0f32, f32::max);
    if max > 0.0 {
        scores.iter_mut().for_each(|s| *s /= max);
    }
    scores
}

/// Continuous LexRank: stationary distribution of a random walk on the cosine graph.
fn lexrank(vectors: &[SparseVec]) -> Vec<f32> {
    let n = vectors.len();
    if n == 0 {
        return Vec::new();
    }
    // Row-normalized transition matrix, dense: n is bounded by GRAPH_MAX_SENTENCES. Cosines
    // are accumulated term by term from postings lists, which costs the sum of squared document
    // frequencies instead of n² list merges.
    let mut postings: Vec<Vec<(usize, f32)>> = vec![Vec::new(); dimensions(vectors)];
    for (i, v) in vectors.iter().enumerate() {
        for &(id, w) in v {
            postings[id as usize].push((i, w));
        }
    }
    let mut matrix = vec![0.0f32; n * n];
    for list in &postings {
        for (x, &(a, wa)) in list.iter().enumerate() {
            for &(b, wb) in &list[x + 1..] {
                matrix[a * n + b] += wa * wb;
                matrix[b * n + a] += wa * wb;
            }
        }
    }
    let mut dangling = vec![false; n];
    for (i, row) in matrix.chunks_exact_mut(n).enumerate() {
        let sum: f32 = row.iter().sum();
        if sum > 0.0 {
            row.iter_mut().for_each(|w| *w /= sum);
        } else {
            dangling[i] = true;
        }
    }
    let uniform = 1.0 / n as f32;
    let mut p = vec![uniform; n];
    let mut next = vec![0.0f32; n];
    for _ in 0..MAX_ITERATIONS {
        let dangling_mass: f32 = (0..n).filter(|&i| dangling[i]).map(|i| p[i]).sum();
        let base = (1.0 - DAMPING) * uniform + DAMPING * dangling_mass * uniform;
        next.iter_mut().for_each(|x| *x = base);
        for (j, row) in matrix.chunks_exact(n).enumerate() {
            let pj = DAMPING * p[j];
            if pj == 0.0 || dangling[j] {
                continue;
            }
            for (x, w) in next.iter_mut().zip(row) {
                *x += pj * w;
            }
        }
        let change: f32 = p.iter().zip(&next).map(|(a, b)| (a - b).abs()).sum();
        std::mem::swap(&mut p, &mut next);
        if change < TOLERANCE {
            break;
        }
    }
    p
}

/// Cosine of each sentence with the sum of all sentence vectors: O(n) for long documents.
fn centroid(vectors: &[SparseVec]) -> Vec<f32> {
    let dims = dimensions(vectors);
    let mut center = vec![0.0f32; dims];
    for v in vectors {
        for &(id, w) in v {
            center[id as usize] += w;
        }
    }
    let norm = center.iter().map(|w| w * w).sum::<f32>().sqrt();
    vectors
        .iter()
        .map(|v| {
            let dot: f32 = v.iter().map(|&(id, w)| w * center[id as usize]).sum();
            if norm > 0.0 {
                dot / norm
            } else {
                0.0
            }
        })
        .collect()
}

/// Luhn-style coverage: how much of the document's total TF-IDF mass each sentence carries
/// (unnormalized sentence vector · document sum vector), scaled to a maximum of 1. Unlike
/// cosine centrality it grows with the number of salient terms a sentence contains.
pub(crate) fn coverage(vectors: &[SparseVec], norms: &[f32]) -> Vec<f32> {
    let dims = dimensions(vectors);
    let mut total = vec![0.0f32; dims];
    for (v, &n) in vectors.iter().zip(norms) {
        for &(id, w) in v {
            total[id as usize] += w * n;
        }
    }
    let mut scores: Vec<f32> = vectors
        .iter()
        .zip(norms)
        .map(|(v, &n)| n * v.iter().map(|&(id, w)| w * total[id as usize]).sum::<f32>())
        .collect();
    let max = scores.iter().copied().fold(0.0f32, f32::max);
    if max > 0.0 {
        scores.iter_mut().for_each(|s| *s /= max);
    }
    scores
}

/// One past the largest term id in `vectors`.
fn dimensions(vectors: &[SparseVec]) -> usize {
    vectors
        .iter()
        .flat_map(|v| v.last())
        .map(|&(id, _)| id as usize + 1)
        .max()
        .unwrap_or(0)
}

/// Indices of up to `k` sentences by descending score, skipping any whose cosine with an
/// already chosen sentence exceeds `max_similarity`; returned in document order.
pub(crate) fn select(
    scores: &[f32],
    vectors: &[SparseVec],
    k: usize,
    max_similarity: f32,
) -> Vec<usize> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
    let mut chosen: Vec<usize> = Vec::with_capacity(k);
    for i in order {
        if chosen.len() == k {
            break;
        }
        if chosen
            .iter()
            .all(|&c| cosine(&vectors[c], &vectors[i]) <= max_similarity)
        {
            chosen.push(i);
        }
    }
    chosen.sort_unstable();
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vectors(sentences: &[&str]) -> Vec<SparseVec> {
        let table = IdfTable::from_documents(std::iter::empty());
        let mut vocab = Vocabulary::default();
        sentences
            .iter()
            .map(|s| vocab.vectorize(s, &table).0)
            .collect()
    }

    #[test]
    fn vectors_are_normalized_and_sorted() {
        let v = vectors(&["oil oil price market", ""]);
        let norm: f32 = v[0].iter().map(|(_, w)| w * w).sum();
        assert!((norm - 1.0).abs() < 1e-5);
        assert!(v[0].windows(2).all(|w| w[0].0 < w[1].0));
        assert!(v[1].is_empty());
        assert!((cosine(&v[0], &v[0]) - 1.0).abs() < 1e-5);
    }

    #[test]
    fn central_sentence_wins_in_both_methods() {
        let v = vectors(&[
            "oil price rose",
            "oil price market fell",
            "market fell sharply",
            "football match",
        ]);
        for scores in [lexrank(&v), centroid(&v)] {
            let best = (0..4).max_by(|&a, &b| scores[a].total_cmp(&scores[b]));
            assert_eq!(best, Some(1), "{scores:?}");
        }
        let c = centrality(&v);
        assert!(c.iter().all(|s| (0.0..=1.0).contains(s)));
    }

    #[test]
    fn select_skips_near_duplicates_and_keeps_document_order() {
        let v = vectors(&["oil price rose", "oil price rose", "football match won"]);
        assert_eq!(select(&[0.9, 1.0, 0.1], &v, 2, 0.8), vec![1, 2]);
        assert_eq!(select(&[0.9, 1.0, 0.1], &v, 5, 1.1), vec![0, 1, 2]);
        assert!(select(&[], &[], 3, 0.8).is_empty());
    }
}

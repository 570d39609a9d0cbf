//! The records the softmax regression learns from and predicts on: documents as rows of a
//! compressed-sparse-row matrix, implementing linfa's `Records` so they fit in a
//! `DatasetBase`.

use linfa::dataset::Records;
use sprs::{CsMat, CsVecView};

use crate::features::SparseVector;

/// Documents as sparse feature rows (CSR), usable as linfa records.
#[derive(Debug, Clone)]
pub struct SparseRecords {
    matrix: CsMat<f32>,
}

impl SparseRecords {
    /// Stacks sparse vectors into a `rows.len() × features` matrix.
    pub fn from_rows(rows: &[SparseVector], features: usize) -> Self {
        let mut indptr = Vec::with_capacity(rows.len() + 1);
        let nnz = rows.iter().map(|r| r.indices.len()).sum();
        let mut indices = Vec::with_capacity(nnz);
        let mut data = Vec::with_capacity(nnz);
        indptr.push(0);
        for row in rows {
            indices.extend(row.indices.iter().map(|i| *i as usize));
            data.extend_from_slice(&row.values);
            indptr.push(indices.len());
        }
        Self {
            matrix: CsMat::new((rows.len(), features), indptr, indices, data),
        }
    }

    /// The compressed-sparse-row matrix.
    pub fn matrix(&self) -> &CsMat<f32> {
        &self.matrix
    }

    /// Row `i` as a sparse vector view.
    pub fn row(&self, i: usize) -> Option<CsVecView<'_, f32>> {
        self.matrix.outer_view(i)
    }
}

impl Records for SparseRecords {
    type Elem = f32;

    fn nsamples(&self) -> usize {
        self.matrix.rows()
    }

    fn nfeatures(&self) -> usize {
        self.matrix.cols()
    }
}

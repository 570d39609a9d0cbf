//! The disk cache of feature vectors that streaming training fits from (as Vowpal Wabbit
//! caches its parsed examples): each document's TF-IDF vector, class and part (its
//! cross-validation fold or the validation part), written once by the cache pass over the
//! data and read back block by block by every epoch of every fit.
//!
//! The file lives in a temporary directory and is deleted when the cache is dropped, so a
//! failed or interrupted run leaves none behind. It starts with a key (a SHA-256 of the data
//! digest, the feature settings, the vocabulary and the split), checked whenever it is
//! opened for reading: a file that is not this run's cache is refused, never trusted.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::Path;

use linfa::dataset::Records;
use tempfile::NamedTempFile;

use super::split::VALIDATION_PART;
use crate::features::SparseVector;

/// Rows per block: the unit the epochs shuffle and read.
pub(super) const BLOCK_ROWS: usize = 1024;
const MAGIC: &[u8; 8] = b"DCFCACH1";

/// Why the cache could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// A read or write failed.
    #[error("feature cache {path}: {source}")]
    Io {
        /// The cache file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not the cache this run wrote (wrong magic or key) or is cut short.
    #[error("feature cache {path}: {problem}; not used")]
    Invalid {
        /// The cache file.
        path: String,
        /// What does not match.
        problem: String,
    },
}

/// Writes the cache, one row at a time.
pub(super) struct CacheWriter {
    file: NamedTempFile,
    out: BufWriter<File>,
    written: u64,
    rows: usize,
    block_offsets: Vec<u64>,
    /// Rows of each (part, class), part-major.
    counts: Vec<u64>,
    classes: usize,
    dimension: usize,
    key: [u8; 32],
}

/// The finished cache: the file, where each block starts and how many rows of each class
/// each part holds.
pub(super) struct FeatureCache {
    file: NamedTempFile,
    block_offsets: Vec<u64>,
    end: u64,
    /// `counts[part][class]`: parts are 0..folds, then the validation part last.
    counts: Vec<Vec<u64>>,
    folds: usize,
    dimension: usize,
    key: [u8; 32],
}

fn io_error(path: &Path) -> impl Fn(std::io::Error) -> CacheError + '_ {
    move |source| CacheError::Io {
        path: path.display().to_string(),
        source,
    }
}

impl CacheWriter {
    /// A new cache in `directory` for vectors of `dimension` columns and `classes` classes,
    /// tagged with `key`.
    pub(super) fn create(
        directory: &Path,
        key: [u8; 32],
        dimension: usize,
        classes: usize,
        folds: usize,
    ) -> Result<Self, CacheError> {
        let file = tempfile::Builder::new()
            .prefix("docclass-features-")
            .suffix(".cache")
            .tempfile_in(directory)
            .map_err(io_error(directory))?;
        let path = file.path().to_path_buf();
        let mut out = BufWriter::with_capacity(1 << 20, file.reopen().map_err(io_error(&path))?);
        out.write_all(MAGIC).map_err(io_error(&path))?;
        out.write_all(&key).map_err(io_error(&path))?;
        Ok(Self {
            file,
            out,
            written: (MAGIC.len() + key.len()) as u64,
            rows: 0,
            block_offsets: Vec::new(),
            counts: vec![0; (folds + 1) * classes],
            classes,
            dimension,
            key,
        })
    }

    /// Appends one row: its class, part (fold or [`VALIDATION_PART`]) and vector.
    pub(super) fn push(
        &mut self,
        class: u16,
        part: u8,
        vector: &SparseVector,
    ) -> Result<(), CacheError> {
        if self.rows % BLOCK_ROWS == 0 {
            self.block_offsets.push(self.written);
        }
        let path = self.file.path().to_path_buf();
        let io = io_error(&path);
        let nnz = vector.indices.len() as u32;
        self.out.write_all(&class.to_le_bytes()).map_err(&io)?;
        self.out.write_all(&[part]).map_err(&io)?;
        self.out.write_all(&nnz.to_le_bytes()).map_err(&io)?;
        for index in &vector.indices {
            self.out.write_all(&index.to_le_bytes()).map_err(&io)?;
        }
        for value in &vector.values {
            self.out.write_all(&value.to_le_bytes()).map_err(&io)?;
        }
        self.written += 7 + 8 * u64::from(nnz);
        self.rows += 1;
        let folds = self.counts.len() / self.classes - 1;
        let part_index = if part == VALIDATION_PART {
            folds
        } else {
            usize::from(part)
        };
        self.counts[part_index * self.classes + usize::from(class)] += 1;
        Ok(())
    }

    /// Flushes the file and returns the cache.
    pub(super) fn finish(mut self) -> Result<FeatureCache, CacheError> {
        let path = self.file.path().to_path_buf();
        self.out.flush().map_err(io_error(&path))?;
        let parts = self.counts.len() / self.classes;
        let counts = (0..parts)
            .map(|p| {
                (0..self.classes)
                    .map(|c| self.counts[p * self.classes + c])
                    .collect()
            })
            .collect();
        Ok(FeatureCache {
            file: self.file,
            block_offsets: self.block_offsets,
            end: self.written,
            counts,
            folds: parts - 1,
            dimension: self.dimension,
            key: self.key,
        })
    }
}

/// One block of cached rows, in flat buffers reused from block to block.
#[derive(Debug, Default)]
pub(super) struct Block {
    /// Class of each row.
    pub(super) classes: Vec<u16>,
    /// Part of each row.
    pub(super) parts: Vec<u8>,
    /// Row `r`'s entries are `starts[r]..starts[r + 1]`.
    pub(super) starts: Vec<usize>,
    /// Column of each entry.
    pub(super) indices: Vec<u32>,
    /// Value of each entry.
    pub(super) values: Vec<f32>,
    bytes: Vec<u8>,
}

impl Block {
    /// Number of rows.
    pub(super) fn len(&self) -> usize {
        self.classes.len()
    }

    /// Row `r`'s columns and values.
    pub(super) fn row(&self, r: usize) -> (&[u32], &[f32]) {
        let range = self.starts[r]..self.starts[r + 1];
        (&self.indices[range.clone()], &self.values[range])
    }
}

/// Reads blocks of a [`FeatureCache`] in any order.
pub(super) struct CacheReader<'a> {
    cache: &'a FeatureCache,
    file: BufReader<File>,
}

impl FeatureCache {
    /// Number of blocks.
    pub(super) fn blocks(&self) -> usize {
        self.block_offsets.len()
    }

    /// Number of feature columns.
    pub(super) fn dimension(&self) -> usize {
        self.dimension
    }

    /// Rows of each class over the parts `included` says (indexed like `counts`).
    pub(super) fn class_counts(&self, included: &[bool]) -> Vec<u64> {
        let classes = self.counts.first().map_or(0, Vec::len);
        let mut totals = vec![0; classes];
        for (part, counts) in self.counts.iter().enumerate() {
            if included.get(part).copied().unwrap_or(false) {
                totals.iter_mut().zip(counts).for_each(|(t, c)| *t += c);
            }
        }
        totals
    }

    /// Size of the cache file in bytes.
    pub(super) fn bytes(&self) -> u64 {
        self.end
    }

    /// Opens the file for reading after checking that it is this cache (magic and key).
    pub(super) fn reader(&self) -> Result<CacheReader<'_>, CacheError> {
        let path = self.file.path();
        let invalid = |problem: &str| CacheError::Invalid {
            path: path.display().to_string(),
            problem: problem.to_string(),
        };
        let file = File::open(path).map_err(io_error(path))?;
        if file.metadata().map_err(io_error(path))?.len() != self.end {
            return Err(invalid("its length is not the length written"));
        }
        let mut file = BufReader::with_capacity(1 << 20, file);
        let mut header = [0u8; 40];
        file.read_exact(&mut header).map_err(io_error(path))?;
        if &header[..8] != MAGIC {
            return Err(invalid("not a docclass feature cache"));
        }
        if header[8..] != self.key {
            return Err(invalid(
                "its key does not match this run's data and settings",
            ));
        }
        Ok(CacheReader { cache: self, file })
    }
}

impl CacheReader<'_> {
    /// Reads block `b` into `block`.
    pub(super) fn read_block(&mut self, b: usize, block: &mut Block) -> Result<(), CacheError> {
        let cache = self.cache;
        let path = cache.file.path();
        let start = cache.block_offsets[b];
        let end = cache.block_offsets.get(b + 1).copied().unwrap_or(cache.end);
        self.file
            .seek(SeekFrom::Start(start))
            .map_err(io_error(path))?;
        block.bytes.resize((end - start) as usize, 0);
        self.file
            .read_exact(&mut block.bytes)
            .map_err(io_error(path))?;
        block.classes.clear();
        block.parts.clear();
        block.starts.clear();
        block.indices.clear();
        block.values.clear();
        block.starts.push(0);
        let bytes = &block.bytes;
        let mut at = 0;
        let truncated = || CacheError::Invalid {
            path: path.display().to_string(),
            problem: format!("block {b} is cut short"),
        };
        let word = |at: usize| -> Option<[u8; 4]> { bytes.get(at..at + 4)?.try_into().ok() };
        while at < bytes.len() {
            let class = bytes.get(at..at + 2).ok_or_else(truncated)?;
            block.classes.push(u16::from_le_bytes([class[0], class[1]]));
            block.parts.push(*bytes.get(at + 2).ok_or_else(truncated)?);
            let nnz = u32::from_le_bytes(word(at + 3).ok_or_else(truncated)?) as usize;
            at += 7;
            let values_at = at + 4 * nnz;
            if values_at + 4 * nnz > bytes.len() {
                return Err(truncated());
            }
            for k in 0..nnz {
                let index = u32::from_le_bytes(word(at + 4 * k).ok_or_else(truncated)?);
                if index as usize >= cache.dimension {
                    return Err(truncated());
                }
                block.indices.push(index);
                let value = f32::from_le_bytes(word(values_at + 4 * k).ok_or_else(truncated)?);
                block.values.push(value);
            }
            at = values_at + 4 * nnz;
            block.starts.push(block.indices.len());
        }
        Ok(())
    }
}

/// The rows of a cache in the parts `included` (indexed like the cache's parts: folds, then
/// validation), as linfa records.
pub struct CachedRecords<'a> {
    pub(super) cache: &'a FeatureCache,
    pub(super) included: Vec<bool>,
}

impl CachedRecords<'_> {
    /// Whether a row of part `part` is in these records.
    pub(super) fn includes(&self, part: u8) -> bool {
        let index = if part == VALIDATION_PART {
            self.cache.folds
        } else {
            usize::from(part)
        };
        self.included.get(index).copied().unwrap_or(false)
    }
}

impl Records for CachedRecords<'_> {
    type Elem = f32;

    fn nsamples(&self) -> usize {
        self.cache.class_counts(&self.included).iter().sum::<u64>() as usize
    }

    fn nfeatures(&self) -> usize {
        self.cache.dimension
    }
}

/// The targets of [`CachedRecords`]: the classes are stored in the cache with the rows.
#[derive(Debug, Clone, Copy, Default)]
pub struct CachedTargets;

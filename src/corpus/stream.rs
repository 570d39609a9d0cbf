//! Reading labeled data one record at a time, so that training on a corpus larger than
//! memory holds one record (or one Parquet row group's pages) at a time, never the file.
//!
//! Every format the in-memory reader takes is read here too (JSON Lines, CSV, either
//! gzip-compressed, and Parquet), with the same field rules and messages naming the file and
//! line (Parquet: row group and row). The bytes read of the file are counted as they go, so
//! progress and an ETA can be shown as a share of the file size, and hashed, so the file's
//! digest is known when the stream ends without a second read.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use flate2::read::MultiGzDecoder;
use sha2::{Digest, Sha256};

use super::{parquet::ParquetRows, to_example, CorpusError, Example, FieldNames, Record};
use crate::model::{artifact::hex, Task};

/// Bytes read so far and the running SHA-256 of them, shared between the stream and
/// whoever shows progress.
#[derive(Debug, Default)]
pub struct ReadCounter {
    bytes: AtomicU64,
    hasher: Mutex<Sha256>,
}

impl ReadCounter {
    /// Bytes of the file read so far.
    pub fn bytes(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }

    /// Hashes `chunk` without counting it as read (a file hashed before it is parsed).
    pub(super) fn hash_only(&self, chunk: &[u8]) {
        if let Ok(mut hasher) = self.hasher.lock() {
            hasher.update(chunk);
        }
    }

    /// Sets the bytes read (a reader that knows its position another way).
    pub(super) fn set_bytes(&self, bytes: u64) {
        self.bytes.store(bytes, Ordering::Relaxed);
    }

    fn add(&self, chunk: &[u8]) {
        self.bytes.fetch_add(chunk.len() as u64, Ordering::Relaxed);
        if let Ok(mut hasher) = self.hasher.lock() {
            hasher.update(chunk);
        }
    }

    fn digest(&self) -> String {
        self.hasher
            .lock()
            .map(|hasher| hex(&hasher.clone().finalize()))
            .unwrap_or_default()
    }
}

/// A reader that counts and hashes what passes through it.
struct Counted<R> {
    inner: R,
    counter: Arc<ReadCounter>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.counter.add(&buf[..n]);
        Ok(n)
    }
}

/// Where the records come from.
enum Source {
    Lines(Box<dyn BufRead>, usize),
    Csv(Box<::csv::Reader<Box<dyn Read>>>, ::csv::StringRecord),
    Parquet(ParquetRows),
}

/// Labeled examples read from a file one at a time (an iterator of results; the first error
/// ends it).
pub struct ExampleStream {
    path: PathBuf,
    task: Option<Task>,
    fields: FieldNames,
    source: Source,
    counter: Arc<ReadCounter>,
    file_size: u64,
    failed: bool,
    line: String,
}

impl ExampleStream {
    /// Opens `path` for reading `task` examples with the field names `fields` (`task` `None`
    /// = no label required).
    pub fn open(path: &Path, task: Option<Task>, fields: &FieldNames) -> Result<Self, CorpusError> {
        let io = |source| CorpusError::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = File::open(path).map_err(io)?;
        let file_size = file.metadata().map_err(io)?.len();
        let counter = Arc::new(ReadCounter::default());
        let name = path.to_string_lossy().to_lowercase();
        let source = if name.ends_with(".parquet") {
            Source::Parquet(ParquetRows::open(
                path,
                file,
                Arc::clone(&counter),
                file_size,
            )?)
        } else {
            let counted = Counted {
                inner: file,
                counter: Arc::clone(&counter),
            };
            let (stem, reader): (&str, Box<dyn Read>) = match name.strip_suffix(".gz") {
                Some(stem) => (stem, Box::new(MultiGzDecoder::new(BufReader::new(counted)))),
                None => (name.as_str(), Box::new(counted)),
            };
            if stem.ends_with(".jsonl") || stem.ends_with(".ndjson") {
                Source::Lines(Box::new(BufReader::with_capacity(1 << 16, reader)), 0)
            } else if stem.ends_with(".csv") {
                let mut csv = ::csv::ReaderBuilder::new().from_reader(reader);
                let headers = csv.headers().map_err(|e| CorpusError::Malformed {
                    path: path.to_path_buf(),
                    line: 1,
                    message: e.to_string(),
                })?;
                let headers = headers.clone();
                Source::Csv(Box::new(csv), headers)
            } else {
                return Err(CorpusError::UnknownFormat {
                    path: path.to_path_buf(),
                });
            }
        };
        Ok(Self {
            path: path.to_path_buf(),
            task,
            fields: fields.clone(),
            source,
            counter,
            file_size,
            failed: false,
            line: String::new(),
        })
    }

    /// Size of the file in bytes (as stored: compressed files count compressed bytes).
    pub fn file_size(&self) -> u64 {
        self.file_size
    }

    /// The counter of bytes read, to show progress from another thread.
    pub fn counter(&self) -> Arc<ReadCounter> {
        Arc::clone(&self.counter)
    }

    /// Hex SHA-256 of the file's bytes as stored; complete once the stream has ended.
    pub fn digest(&self) -> String {
        self.counter.digest()
    }

    /// The next record with its line, `None` at the end of the file.
    fn next_record(&mut self) -> Option<Result<(usize, Record), CorpusError>> {
        let path = &self.path;
        let malformed = |line: usize, message: String| CorpusError::Malformed {
            path: path.to_path_buf(),
            line,
            message,
        };
        match &mut self.source {
            Source::Lines(reader, line_number) => loop {
                self.line.clear();
                *line_number += 1;
                match reader.read_line(&mut self.line) {
                    Ok(0) => return None,
                    Ok(_) if self.line.trim().is_empty() => continue,
                    Ok(_) => {
                        return Some(
                            serde_json::from_str(&self.line)
                                .map(|record| (*line_number, record))
                                .map_err(|e| malformed(*line_number, e.to_string())),
                        )
                    }
                    Err(e) => return Some(Err(malformed(*line_number, e.to_string()))),
                }
            },
            Source::Csv(csv, headers) => {
                let mut row = ::csv::StringRecord::new();
                match csv.read_record(&mut row) {
                    Ok(false) => None,
                    Ok(true) => Some(Ok(super::csv::numbered_record(headers, &row))),
                    Err(e) => {
                        let line = e.position().map_or(0, |p| p.line() as usize);
                        Some(Err(malformed(line, e.to_string())))
                    }
                }
            }
            Source::Parquet(rows) => rows.next_record(),
        }
    }
}

impl Iterator for ExampleStream {
    type Item = Result<Example, CorpusError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let item = self.next_record().map(|record| {
            let (line, record) = record?;
            let mut record = record;
            let example = to_example(&self.path, line, &mut record, self.task, &self.fields)
                .map(|(example, _)| example);
            match (&self.source, example) {
                (Source::Parquet(rows), Err(e)) => Err(rows.locate(e)),
                (_, example) => example,
            }
        });
        if matches!(item, Some(Err(_))) {
            self.failed = true;
        }
        item
    }
}

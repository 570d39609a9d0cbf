//! Parquet records, read a row group at a time through the `parquet` crate's record API
//! (no Arrow): each row becomes a record of its top-level columns, strings as strings,
//! integers and floats as numbers, nulls absent; anything else as its display text.
//! Messages name the row group and the row within it.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parquet::file::reader::FileReader;
use parquet::file::serialized_reader::SerializedFileReader;
use parquet::record::reader::RowIter;
use parquet::record::Field;

use super::stream::ReadCounter;
use super::{CorpusError, Record};

/// The rows of one Parquet file, with where each one is.
pub(super) struct ParquetRows {
    path: PathBuf,
    rows: RowIter<'static>,
    /// (rows, compressed bytes) of every row group, in file order.
    groups: Vec<(u64, u64)>,
    /// Row group and row of the next row.
    group: usize,
    row: u64,
    /// Compressed bytes of the row groups before `group`.
    bytes_before: u64,
    counter: Arc<ReadCounter>,
}

impl ParquetRows {
    /// Opens `file` (at `path`): hashes it into `counter` (one sequential read), then reads
    /// its footer. `file_size` is its length.
    pub(super) fn open(
        path: &Path,
        mut file: File,
        counter: Arc<ReadCounter>,
        file_size: u64,
    ) -> Result<Self, CorpusError> {
        let io = |source| CorpusError::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut buffer = vec![0u8; 1 << 16];
        loop {
            let n = file.read(&mut buffer).map_err(io)?;
            if n == 0 {
                break;
            }
            counter.hash_only(&buffer[..n]);
        }
        let reader = SerializedFileReader::new(file).map_err(|e| CorpusError::Malformed {
            path: path.to_path_buf(),
            line: 0,
            message: format!("not a readable Parquet file ({file_size} bytes): {e}"),
        })?;
        let groups = reader
            .metadata()
            .row_groups()
            .iter()
            .map(|g| {
                (
                    g.num_rows().max(0) as u64,
                    g.compressed_size().max(0) as u64,
                )
            })
            .collect();
        Ok(Self {
            path: path.to_path_buf(),
            rows: RowIter::from_file_into(Box::new(reader)),
            groups,
            group: 0,
            row: 0,
            bytes_before: 0,
            counter,
        })
    }

    /// Moves `group`/`row` past the row groups that are used up.
    fn settle(&mut self) {
        while let Some((rows, bytes)) = self.groups.get(self.group) {
            if self.row < *rows {
                break;
            }
            self.bytes_before += bytes;
            self.group += 1;
            self.row = 0;
        }
    }

    /// `error` (about the row just read) restated with its row group and row.
    pub(super) fn locate(&self, error: CorpusError) -> CorpusError {
        let message = match error {
            CorpusError::Malformed { message, .. } => message,
            CorpusError::MissingField { field, .. } => format!("missing field `{field}`"),
            CorpusError::EmptyText { .. } => "empty text".to_string(),
            other => return other,
        };
        let (group, row) = self.previous();
        CorpusError::MalformedRow {
            path: self.path.clone(),
            row_group: group,
            row,
            message,
        }
    }

    /// Row group and row of the row read last.
    fn previous(&self) -> (usize, u64) {
        if self.row > 0 {
            return (self.group, self.row - 1);
        }
        let group = self.group.saturating_sub(1);
        let rows = self.groups.get(group).map_or(1, |g| g.0);
        (group, rows.saturating_sub(1))
    }

    /// The next row as a record; its "line" is its row number in the file, from 1.
    pub(super) fn next_record(&mut self) -> Option<Result<(usize, Record), CorpusError>> {
        self.settle();
        let (group, row) = (self.group, self.row);
        let read = self.rows.next()?;
        let row_in_file = self.groups[..group.min(self.groups.len())]
            .iter()
            .map(|g| g.0)
            .sum::<u64>()
            + row;
        self.row += 1;
        let (rows, bytes) = self.groups.get(group).copied().unwrap_or((1, 0));
        let within = bytes * self.row / rows.max(1);
        self.counter.set_bytes(self.bytes_before + within);
        Some(match read {
            Ok(parquet_row) => {
                let record: Record = parquet_row
                    .get_column_iter()
                    .filter_map(|(name, field)| json_of(field).map(|v| (name.clone(), v)))
                    .collect();
                Ok((row_in_file as usize + 1, record))
            }
            Err(e) => Err(CorpusError::MalformedRow {
                path: self.path.clone(),
                row_group: group,
                row,
                message: e.to_string(),
            }),
        })
    }
}

/// A cell as a JSON value (`None` for null).
fn json_of(field: &Field) -> Option<serde_json::Value> {
    use serde_json::Value;
    Some(match field {
        Field::Null => return None,
        Field::Str(s) => Value::String(s.clone()),
        Field::Bool(b) => Value::Bool(*b),
        Field::Byte(v) => Value::from(*v),
        Field::Short(v) => Value::from(*v),
        Field::Int(v) => Value::from(*v),
        Field::Long(v) => Value::from(*v),
        Field::UByte(v) => Value::from(*v),
        Field::UShort(v) => Value::from(*v),
        Field::UInt(v) => Value::from(*v),
        Field::ULong(v) => Value::from(*v),
        Field::Float(v) => Value::from(f64::from(*v)),
        Field::Double(v) => Value::from(*v),
        other => Value::String(other.to_string()),
    })
}

//! JSON Lines records: one JSON object per line, blank lines skipped, line numbers kept for
//! messages.

use std::io::BufRead;
use std::path::Path;

use super::{CorpusError, Record};

/// The records of `reader` (the file at `path`, named in messages), with their line numbers.
pub(super) fn read(path: &Path, reader: impl BufRead) -> Result<Vec<(usize, Record)>, CorpusError> {
    let mut records = Vec::new();
    for (index, line) in reader.lines().enumerate() {
        let line_number = index + 1;
        let line = line.map_err(|e| CorpusError::Malformed {
            path: path.to_path_buf(),
            line: line_number,
            message: e.to_string(),
        })?;
        if line.trim().is_empty() {
            continue;
        }
        let record = serde_json::from_str(&line).map_err(|e| CorpusError::Malformed {
            path: path.to_path_buf(),
            line: line_number,
            message: e.to_string(),
        })?;
        records.push((line_number, record));
    }
    Ok(records)
}

//! CSV records with a header row: each cell becomes a string field named by its column,
//! empty cells are left out; line numbers kept for messages.

use std::io::Read;
use std::path::Path;

use super::{CorpusError, Record};

/// The records of `reader` (the file at `path`, named in messages), with their line numbers.
pub(super) fn read(path: &Path, reader: impl Read) -> Result<Vec<(usize, Record)>, CorpusError> {
    let malformed = |line: usize, e: ::csv::Error| CorpusError::Malformed {
        path: path.to_path_buf(),
        line,
        message: e.to_string(),
    };
    let mut csv = ::csv::ReaderBuilder::new().from_reader(reader);
    let headers = csv.headers().map_err(|e| malformed(1, e))?.clone();
    let mut records = Vec::new();
    for row in csv.records() {
        let row = row.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line() as usize);
            malformed(line, e)
        })?;
        records.push(numbered_record(&headers, &row));
    }
    Ok(records)
}

/// The record of one CSV `row` under `headers` (empty cells left out), with its line number.
pub(super) fn numbered_record(
    headers: &::csv::StringRecord,
    row: &::csv::StringRecord,
) -> (usize, Record) {
    let line = row.position().map_or(0, |p| p.line() as usize);
    let record = headers
        .iter()
        .zip(row.iter())
        .filter(|(_, cell)| !cell.is_empty())
        .map(|(name, cell)| (name.to_string(), cell.into()))
        .collect();
    (line, record)
}

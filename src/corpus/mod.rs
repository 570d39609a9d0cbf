//! Reading labeled corpora, for training, evaluation, the benchmarks and the tests alike:
//! JSON Lines (optionally gzip-compressed) or CSV with a header, one reader per format
//! (`jsonl.rs`, `csv.rs`); a new input format is a new reader here.
//!
//! Fields: `text` (required), `title`, `target` (optional), and the label field named after
//! the task (`topic` or `stance`; `label` is accepted too); [`FieldNames`] renames them so
//! that a new corpus needs no conversion. Labels may be strings or numbers. Where a record
//! says where its text mentions the target (`target_start` / `target_end` in characters, and
//! `further_mentions`, as NewsMTSC does), the mentions are read too, always (`offsets.rs`).
//! Every problem is reported with the file name and line number.

pub mod checks;
mod csv;
pub mod groups;
mod jsonl;
mod offsets;
mod parquet;
pub mod stream;

use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use flate2::read::GzDecoder;
use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::model::{artifact::hex, Task};
use crate::text::{self, Document};

/// One labeled document.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// Identifier, when the data has one.
    pub id: Option<String>,
    /// Headline (may be empty).
    pub title: String,
    /// Body text.
    pub text: String,
    /// Stance target, when the data has one.
    pub target: Option<String>,
    /// Where `text` mentions the target: byte ranges, sorted and not overlapping (empty when
    /// the data gives no offsets).
    pub mentions: Vec<std::ops::Range<usize>>,
    /// The label.
    pub label: String,
    /// The `--group-field` value (a URL by its host), when asked for and present: examples
    /// sharing it stay on one side of every validation split.
    pub group: Option<String>,
    /// Line (JSONL) or record line (CSV) the example came from, for messages.
    pub line: usize,
}

impl Example {
    /// The example as a model input.
    pub fn document(&self) -> Document<'_> {
        Document {
            title: &self.title,
            text: &self.text,
            target: self.target.as_deref(),
            mentions: &self.mentions,
        }
    }
}

/// Why labeled data could not be read.
#[derive(Debug, Error)]
pub enum CorpusError {
    /// The file could not be opened or read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file name does not say which format it is in.
    #[error("{path}: unknown data format (expected .jsonl, .jsonl.gz, .csv, .csv.gz or .parquet)")]
    UnknownFormat {
        /// The file.
        path: PathBuf,
    },
    /// A record is not valid JSON/CSV.
    #[error("{path}:{line}: {message}")]
    Malformed {
        /// The file.
        path: PathBuf,
        /// The line.
        line: usize,
        /// The parser's message.
        message: String,
    },
    /// A Parquet row could not be read or lacks what a record needs.
    #[error("{path}: row group {row_group}, row {row}: {message}")]
    MalformedRow {
        /// The file.
        path: PathBuf,
        /// The row group (from 0).
        row_group: usize,
        /// The row within the row group (from 0).
        row: u64,
        /// What is wrong.
        message: String,
    },
    /// A record lacks a required field.
    #[error("{path}:{line}: missing field `{field}`")]
    MissingField {
        /// The file.
        path: PathBuf,
        /// The line.
        line: usize,
        /// The field.
        field: String,
    },
    /// A record's text is empty or whitespace.
    #[error("{path}:{line}: empty text")]
    EmptyText {
        /// The file.
        path: PathBuf,
        /// The line.
        line: usize,
    },
    /// The file holds no record.
    #[error("{path}: no examples")]
    Empty {
        /// The file.
        path: PathBuf,
    },
}

/// Which field of a record holds what, for data whose columns are not named like ours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldNames {
    /// The document body (required in every record).
    pub text: String,
    /// The headline (optional in records).
    pub title: String,
    /// The stance target or claim (optional in records).
    pub target: String,
    /// The label; `None` = the task's name (`topic` or `stance`), else `label`.
    pub label: Option<String>,
    /// The field grouping related documents (outlet, author, event), if any.
    pub group: Option<String>,
}

impl Default for FieldNames {
    fn default() -> Self {
        Self {
            text: "text".to_string(),
            title: "title".to_string(),
            target: "target".to_string(),
            label: None,
            group: None,
        }
    }
}

/// One record as read: field name → value (CSV cells are strings; empty cells are absent).
type Record = serde_json::Map<String, serde_json::Value>;

/// Labeled data read from one file.
#[derive(Debug, Clone)]
pub struct LabeledData {
    /// The examples, in file order.
    pub examples: Vec<Example>,
    /// Hex SHA-256 of the file's bytes as stored.
    pub digest: String,
    /// The field the labels were read from (empty for unlabeled data).
    pub label_field: String,
    /// The fields of the records that were not read, summarised.
    pub other_fields: Vec<checks::FieldSummary>,
}

/// Reads labeled examples for `task` from `path`, with the default field names.
pub fn load(path: &Path, task: Task) -> Result<LabeledData, CorpusError> {
    load_with(path, Some(task), &FieldNames::default())
}

/// Reads labeled examples for `task` from `path`, taking each value from the field `fields`
/// names.
pub fn load_fields(
    path: &Path,
    task: Task,
    fields: &FieldNames,
) -> Result<LabeledData, CorpusError> {
    load_with(path, Some(task), fields)
}

/// Reads documents from `path` without requiring a label (the label field is ignored).
pub fn load_unlabeled(path: &Path) -> Result<LabeledData, CorpusError> {
    load_with(path, None, &FieldNames::default())
}

fn load_with(
    path: &Path,
    task: Option<Task>,
    fields: &FieldNames,
) -> Result<LabeledData, CorpusError> {
    if path.to_string_lossy().to_lowercase().ends_with(".parquet") {
        let mut stream = stream::ExampleStream::open(path, task, fields)?;
        let examples = stream.by_ref().collect::<Result<Vec<_>, _>>()?;
        if examples.is_empty() {
            return Err(CorpusError::Empty {
                path: path.to_path_buf(),
            });
        }
        let digest = stream.digest();
        let label_field = match (&fields.label, task) {
            (Some(field), _) => field.clone(),
            (None, Some(task)) => task.as_str().to_string(),
            (None, None) => String::new(),
        };
        return Ok(LabeledData {
            examples,
            digest,
            label_field,
            other_fields: Vec::new(),
        });
    }
    let io = |source| CorpusError::Io {
        path: path.to_path_buf(),
        source,
    };
    let raw = std::fs::read(path).map_err(io)?;
    let digest = hex(&Sha256::digest(&raw));
    let name = path.to_string_lossy().to_lowercase();
    let (name, reader): (&str, Box<dyn Read>) = match name.strip_suffix(".gz") {
        Some(stem) => (stem, Box::new(GzDecoder::new(raw.as_slice()))),
        None => (name.as_str(), Box::new(raw.as_slice())),
    };
    let records = if name.ends_with(".jsonl") || name.ends_with(".ndjson") {
        jsonl::read(path, BufReader::new(reader))?
    } else if name.ends_with(".csv") {
        csv::read(path, reader)?
    } else {
        return Err(CorpusError::UnknownFormat {
            path: path.to_path_buf(),
        });
    };
    let mut examples = Vec::with_capacity(records.len());
    let mut census = checks::FieldCensus::default();
    let mut label_field = String::new();
    for (line, mut record) in records {
        let (example, field) = to_example(path, line, &mut record, task, fields)?;
        if label_field.is_empty() {
            label_field = field;
        }
        census.add(&record);
        examples.push(example);
    }
    if examples.is_empty() {
        return Err(CorpusError::Empty {
            path: path.to_path_buf(),
        });
    }
    Ok(LabeledData {
        examples,
        digest,
        label_field,
        other_fields: census.finish(),
    })
}

/// The example in `record`, and the name of the field its label came from; the fields read
/// are taken out of `record`, leaving the others.
fn to_example(
    path: &Path,
    line: usize,
    record: &mut Record,
    task: Option<Task>,
    fields: &FieldNames,
) -> Result<(Example, String), CorpusError> {
    let missing = |field: &str| CorpusError::MissingField {
        path: path.to_path_buf(),
        line,
        field: field.to_string(),
    };
    // Read, not taken: the label or group may be the `id` field too; taken at the end.
    let id = record.get("id").and_then(|v| match v {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    });
    let mut string = |field: &str, numbers: bool| -> Result<Option<String>, CorpusError> {
        match record.remove(field) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(serde_json::Value::String(s)) => Ok(Some(s)),
            Some(serde_json::Value::Number(n)) if numbers => Ok(Some(n.to_string())),
            Some(other) => Err(CorpusError::Malformed {
                path: path.to_path_buf(),
                line,
                message: format!("field `{field}` is {other}, expected a string"),
            }),
        }
    };
    let text = string(&fields.text, false)?.ok_or_else(|| missing(&fields.text))?;
    if text::is_blank(&text) {
        return Err(CorpusError::EmptyText {
            path: path.to_path_buf(),
            line,
        });
    }
    let title = string(&fields.title, false)?.unwrap_or_default();
    let target = string(&fields.target, false)?.filter(|t| !text::is_blank(t));
    let (label, label_field) = match task {
        Some(task) => {
            let (label, field) = match &fields.label {
                Some(field) => (string(field, true)?, field.as_str()),
                None => match string(task.as_str(), true)? {
                    Some(label) => (Some(label), task.as_str()),
                    None => (string("label", true)?, "label"),
                },
            };
            let name = fields.label.as_deref().unwrap_or(task.as_str());
            let label = label
                .map(|l| l.trim().to_string())
                .filter(|l| !l.is_empty())
                .ok_or_else(|| missing(name))?;
            (label, field.to_string())
        }
        None => (String::new(), String::new()),
    };
    let offset_fields = offsets::OffsetFields::for_target(&fields.target);
    let mentions = offsets::take_mentions(record, &offset_fields, &text).map_err(|message| {
        CorpusError::Malformed {
            path: path.to_path_buf(),
            line,
            message,
        }
    })?;
    let group = match &fields.group {
        Some(field) => match record.remove(field) {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::String(s)) => {
                Some(checks::url_host(&s).map_or_else(|| s.clone(), str::to_string))
            }
            Some(other) => Some(other.to_string()),
        },
        None => None,
    };
    record.remove("id");
    let example = Example {
        id,
        title,
        text,
        target,
        mentions,
        label,
        group,
        line,
    };
    Ok((example, label_field))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs::File;
    use std::io::Write;

    fn file(name: &str, content: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(name);
        let mut f = File::create(&path).expect("create");
        f.write_all(content.as_bytes()).expect("write");
        (dir, path)
    }

    #[test]
    fn reads_jsonl_and_csv() {
        let (_d, jsonl) = file(
            "a.jsonl",
            "{\"text\":\"x y\",\"topic\":\"a\"}\n\n{\"text\":\"z\",\"title\":\"t\",\"label\":\"b\"}\n",
        );
        let data = load(&jsonl, Task::Topic).expect("jsonl");
        assert_eq!(data.examples.len(), 2);
        assert_eq!(data.examples[1].line, 3);
        assert_eq!(data.examples[1].label, "b");
        let (_d, csv) = file("a.csv", "text,stance,target\n\"a, b\",FAVOR,x\nc,NONE,\n");
        let data = load(&csv, Task::Stance).expect("csv");
        assert_eq!(data.examples[0].target.as_deref(), Some("x"));
        assert_eq!(data.examples[1].target, None);
    }

    #[test]
    fn errors_name_file_and_line() {
        let (_d, bad) = file("b.jsonl", "{\"text\":\"x\",\"topic\":\"a\"}\n{oops\n");
        let err = load(&bad, Task::Topic).expect_err("malformed").to_string();
        assert!(err.contains("b.jsonl:2"), "{err}");
        let (_d, missing) = file("c.jsonl", "{\"text\":\"x\"}\n");
        let err = load(&missing, Task::Topic)
            .expect_err("missing")
            .to_string();
        assert!(err.contains("c.jsonl:1: missing field `topic`"), "{err}");
        let (_d, empty) = file("d.jsonl", "{\"text\":\"  \",\"topic\":\"a\"}\n");
        let err = load(&empty, Task::Topic).expect_err("empty").to_string();
        assert!(err.contains("d.jsonl:1: empty text"), "{err}");
        let (_d, unknown) = file("e.txt", "x");
        assert!(matches!(
            load(&unknown, Task::Topic),
            Err(CorpusError::UnknownFormat { .. })
        ));
    }

    #[test]
    fn renamed_fields_and_numeric_labels() {
        let (_d, jsonl) = file(
            "ag.jsonl",
            "{\"description\":\"Stocks rose.\",\"headline\":\"Markets\",\"class\":3}\n",
        );
        let fields = FieldNames {
            text: "description".to_string(),
            title: "headline".to_string(),
            label: Some("class".to_string()),
            ..FieldNames::default()
        };
        let data = load_fields(&jsonl, Task::Topic, &fields).expect("renamed jsonl");
        let example = &data.examples[0];
        assert_eq!(
            (
                example.text.as_str(),
                example.title.as_str(),
                example.label.as_str()
            ),
            ("Stocks rose.", "Markets", "3")
        );
        let (_d, csv) = file(
            "ag.csv",
            "class,headline,description\n2,Goal,A late winner.\n",
        );
        let data = load_fields(&csv, Task::Topic, &fields).expect("renamed csv");
        assert_eq!(data.examples[0].label, "2");
        let err = load(&jsonl, Task::Topic)
            .expect_err("default names")
            .to_string();
        assert!(err.contains("ag.jsonl:1: missing field `text`"), "{err}");
        let (_d, odd) = file("odd.jsonl", "{\"text\":[1],\"topic\":\"a\"}\n");
        let err = load(&odd, Task::Topic).expect_err("array text").to_string();
        assert!(
            err.contains("odd.jsonl:1: field `text` is [1], expected a string"),
            "{err}"
        );
    }
}

#[cfg(test)]
mod stream_tests;

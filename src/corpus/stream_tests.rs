//! Tests of the streaming readers: the same examples as the in-memory reader in every
//! format, errors with file and line (Parquet: row group and row), bytes read counted up to
//! the file size and the digest of the file.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parquet::data_type::{ByteArray, ByteArrayType, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;

use super::stream::ExampleStream;
use super::{load, load_fields, CorpusError, FieldNames};
use crate::model::Task;

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    File::create(&path)
        .and_then(|mut f| f.write_all(bytes))
        .expect("write");
    path
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).expect("gzip");
    encoder.finish().expect("gzip")
}

/// A Parquet file with columns `text`, `topic` (optional) and `n`, one row group per slice
/// of `groups`.
fn parquet_file(path: &Path, groups: &[&[(&str, Option<&str>)]]) {
    let schema = parse_message_type(
        "message doc { REQUIRED BYTE_ARRAY text (UTF8); OPTIONAL BYTE_ARRAY topic (UTF8); REQUIRED INT64 n; }",
    )
    .expect("schema");
    let file = File::create(path).expect("create");
    let mut writer = SerializedFileWriter::new(
        file,
        Arc::new(schema),
        Arc::new(WriterProperties::builder().build()),
    )
    .expect("writer");
    for rows in groups {
        let mut group = writer.next_row_group().expect("row group");
        let mut column = 0;
        while let Some(mut writer) = group.next_column().expect("column") {
            match column {
                0 => {
                    let texts: Vec<ByteArray> = rows.iter().map(|(t, _)| (*t).into()).collect();
                    writer
                        .typed::<ByteArrayType>()
                        .write_batch(&texts, None, None)
                        .expect("texts");
                }
                1 => {
                    let topics: Vec<ByteArray> =
                        rows.iter().filter_map(|(_, l)| l.map(Into::into)).collect();
                    let levels: Vec<i16> =
                        rows.iter().map(|(_, l)| i16::from(l.is_some())).collect();
                    writer
                        .typed::<ByteArrayType>()
                        .write_batch(&topics, Some(&levels), None)
                        .expect("topics");
                }
                _ => {
                    let numbers: Vec<i64> = (0..rows.len() as i64).collect();
                    writer
                        .typed::<Int64Type>()
                        .write_batch(&numbers, None, None)
                        .expect("numbers");
                }
            }
            writer.close().expect("close column");
            column += 1;
        }
        group.close().expect("close row group");
    }
    writer.close().expect("close file");
}

fn streamed(path: &Path, task: Task) -> Result<Vec<super::Example>, CorpusError> {
    ExampleStream::open(path, Some(task), &FieldNames::default())?.collect()
}

#[test]
fn every_format_streams_the_examples_the_in_memory_reader_reads() {
    let dir = tempfile::tempdir().expect("tempdir");
    let jsonl =
        "{\"text\":\"x y\",\"topic\":\"a\"}\n\n{\"text\":\"z\",\"title\":\"t\",\"label\":\"b\"}\n";
    let csv = "text,topic,title\n\"a, b\",sport,\nc,news,headline\n";
    let files = [
        write(dir.path(), "a.jsonl", jsonl.as_bytes()),
        write(dir.path(), "a.jsonl.gz", &gzip(jsonl.as_bytes())),
        write(dir.path(), "a.csv", csv.as_bytes()),
        write(dir.path(), "a.csv.gz", &gzip(csv.as_bytes())),
    ];
    for path in &files {
        let in_memory = load(path, Task::Topic).expect("in memory");
        let mut stream =
            ExampleStream::open(path, Some(Task::Topic), &FieldNames::default()).expect("open");
        let examples: Vec<_> = stream.by_ref().collect::<Result<_, _>>().expect("stream");
        assert_eq!(examples, in_memory.examples, "{}", path.display());
        assert_eq!(stream.digest(), in_memory.digest, "{}", path.display());
        assert_eq!(stream.counter().bytes(), stream.file_size());
    }
}

#[test]
fn parquet_rows_stream_by_row_group_and_load_in_memory_too() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("a.parquet");
    parquet_file(
        &path,
        &[
            &[("one", Some("a")), ("two", Some("b"))],
            &[("three", Some("a"))],
        ],
    );
    let examples = streamed(&path, Task::Topic).expect("stream");
    let read: Vec<_> = examples
        .iter()
        .map(|e| (e.text.as_str(), e.label.as_str(), e.line))
        .collect();
    assert_eq!(read, [("one", "a", 1), ("two", "b", 2), ("three", "a", 3)]);
    let fields = FieldNames {
        label: Some("n".into()),
        ..FieldNames::default()
    };
    let numbered = load_fields(&path, Task::Topic, &fields).expect("in memory");
    let labels: Vec<_> = numbered.examples.iter().map(|e| e.label.as_str()).collect();
    assert_eq!(labels, ["0", "1", "0"]);
}

#[test]
fn errors_name_the_line_or_the_row_group_and_row() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = write(
        dir.path(),
        "bad.jsonl.gz",
        &gzip(b"{\"text\":\"x\",\"topic\":\"a\"}\n{oops\n"),
    );
    let err = streamed(&bad, Task::Topic)
        .expect_err("malformed")
        .to_string();
    assert!(err.contains("bad.jsonl.gz:2:"), "{err}");
    let csv = write(dir.path(), "bad.csv", b"text,topic\nfine,a\n  ,b\n");
    let err = streamed(&csv, Task::Topic).expect_err("empty").to_string();
    assert!(err.contains("bad.csv:3: empty text"), "{err}");

    let path = dir.path().join("bad.parquet");
    parquet_file(
        &path,
        &[
            &[("one", Some("a"))],
            &[("two", Some("b")), ("three", None)],
        ],
    );
    let err = streamed(&path, Task::Topic)
        .expect_err("missing")
        .to_string();
    assert!(
        err.contains("bad.parquet: row group 1, row 1: missing field `topic`"),
        "{err}"
    );
    let not_parquet = write(dir.path(), "x.parquet", b"not parquet at all");
    let err = streamed(&not_parquet, Task::Topic)
        .expect_err("refused")
        .to_string();
    assert!(
        err.contains("x.parquet") && err.contains("Parquet"),
        "{err}"
    );
}

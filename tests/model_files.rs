//! Model files on disk: damaged or foreign files are refused with a message naming the file,
//! the server refuses to start on them, and training never leaves a half-written model.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{models_dir, shared_dir};
use docclass::model::{ModelRegistry, FORMAT_VERSION};

fn copy_models(to: &Path) {
    for entry in std::fs::read_dir(models_dir()).expect("models dir") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "model") {
            std::fs::copy(&path, to.join(path.file_name().expect("name"))).expect("copy");
        }
    }
}

fn damaged(name: &str, damage: impl Fn(&mut Vec<u8>)) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_models(dir.path());
    let path = dir.path().join(name);
    let mut bytes = std::fs::read(&path).expect("model bytes");
    damage(&mut bytes);
    std::fs::write(&path, bytes).expect("write damaged");
    (dir, path)
}

/// A way to damage a model file's bytes.
type Damage = Box<dyn Fn(&mut Vec<u8>)>;

#[test]
fn damaged_files_are_refused_naming_the_file() {
    let cases: Vec<(&str, Damage, &str)> = vec![
        (
            "truncated",
            Box::new(|b: &mut Vec<u8>| b.truncate(b.len() / 2)),
            "truncated model file",
        ),
        (
            "header only",
            Box::new(|b: &mut Vec<u8>| b.truncate(30)),
            "truncated model file",
        ),
        (
            "flipped byte",
            Box::new(|b: &mut Vec<u8>| {
                let middle = b.len() / 2;
                b[middle] ^= 0x40;
            }),
            "checksum mismatch",
        ),
        (
            "wrong version",
            Box::new(|b: &mut Vec<u8>| {
                b[8..12].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes())
            }),
            "format version",
        ),
        (
            "foreign file",
            Box::new(|b: &mut Vec<u8>| *b = b"{\"not\": \"a model\"}".to_vec()),
            "not a docclass model file",
        ),
        (
            "empty file",
            Box::new(|b: &mut Vec<u8>| b.clear()),
            "not a docclass model file",
        ),
        (
            "trailing garbage",
            Box::new(|b: &mut Vec<u8>| b.extend_from_slice(b"junk")),
            "truncated model file",
        ),
    ];
    for (name, damage, message) in cases {
        let (dir, path) = damaged("bbc.model", damage);
        let error = ModelRegistry::load_dir(dir.path())
            .expect_err(name)
            .to_string();
        assert!(
            error.contains(&path.display().to_string()),
            "{name}: {error}"
        );
        assert!(error.contains(message), "{name}: {error}");
    }
}

#[test]
fn a_missing_directory_or_task_is_a_clear_error() {
    let error = ModelRegistry::load_dir(Path::new("/nonexistent/models")).expect_err("missing");
    assert!(error.to_string().contains("/nonexistent/models"), "{error}");
    let dir = tempfile::tempdir().expect("tempdir");
    copy_models(dir.path());
    std::fs::remove_file(dir.path().join("bbc.model")).expect("remove");
    let error = ModelRegistry::load_dir(dir.path())
        .expect_err("no topic model")
        .to_string();
    assert!(error.contains("no topic model"), "{error}");
}

#[test]
fn server_exits_non_zero_before_listening_on_a_corrupt_model() {
    let (dir, path) = damaged("semeval2016.model", |b| b.truncate(100));
    let output = Command::new(env!("CARGO_BIN_EXE_docclass"))
        .args(["serve", "--addr", "127.0.0.1:0", "--models"])
        .arg(dir.path())
        .output()
        .expect("run docclass");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(&path.display().to_string()), "{stderr}");
    assert!(!stderr.contains("serving"), "{stderr}");
}

#[test]
fn bad_training_data_fails_with_file_and_line_and_keeps_the_model() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_models(dir.path());
    let model = dir.path().join("bbc.model");
    let before = std::fs::read(&model).expect("model");
    let cases = [
        (
            "malformed.jsonl",
            "{\"text\": \"a\", \"topic\": \"x\"}\n{broken\n",
            "malformed.jsonl:2",
        ),
        (
            "nolabel.jsonl",
            "{\"text\": \"a\", \"topic\": \"x\"}\n{\"text\": \"b\"}\n",
            "nolabel.jsonl:2: missing field `topic`",
        ),
        (
            "empty.jsonl",
            "{\"text\": \" \", \"topic\": \"x\"}\n",
            "empty.jsonl:1: empty text",
        ),
        (
            "oneclass.jsonl",
            "{\"text\": \"a\", \"topic\": \"x\"}\n{\"text\": \"b\", \"topic\": \"x\"}\n",
            "only one class",
        ),
        ("bad.csv", "text,topic\n\"unclosed,x\n", "bad.csv"),
    ];
    for (file, content, message) in cases {
        let data = dir.path().join(file);
        std::fs::write(&data, content).expect("write data");
        let output = Command::new(env!("CARGO_BIN_EXE_docclass"))
            .args(["train", "--task", "topic", "--name", "bbc", "--data"])
            .arg(&data)
            .arg("--out")
            .arg(dir.path())
            .output()
            .expect("run docclass");
        assert!(!output.status.success(), "{file}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(message), "{file}: {stderr}");
        assert_eq!(
            std::fs::read(&model).expect("model"),
            before,
            "{file}: model untouched"
        );
    }
}

#[test]
fn killing_training_midway_leaves_the_previous_model_intact() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_models(dir.path());
    let model = dir.path().join("bbc.model");
    let before = std::fs::read(&model).expect("model");
    let mut child = Command::new(env!("CARGO_BIN_EXE_docclass"))
        .args(["train", "--task", "topic", "--name", "bbc", "--data"])
        .arg(shared_dir().join("data/bbc/train.jsonl"))
        .arg("--out")
        .arg(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start training");
    std::thread::sleep(Duration::from_millis(1500));
    assert!(
        child.try_wait().expect("status").is_none(),
        "training still running when killed"
    );
    child.kill().expect("kill");
    child.wait().expect("reaped");
    assert_eq!(std::fs::read(&model).expect("model"), before);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "no temporary file left: {leftovers:?}"
    );
    ModelRegistry::load_dir(dir.path()).expect("the directory still loads");
}

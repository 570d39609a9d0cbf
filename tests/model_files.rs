//! Model files on disk: damaged or foreign files are refused with a message naming the file,
//! the server refuses to start on them, and training never leaves a half-written model.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{models_dir, shared_dir};
use docclass::model::artifact::MAGIC;
use docclass::model::{Artifact, ModelSet, ReloadableModelSet, FORMAT_VERSION};
use docclass::text::Document;
use sha2::{Digest, Sha256};

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
            "longer than expected",
        ),
    ];
    for (name, damage, message) in cases {
        let (dir, path) = damaged("bbc.model", damage);
        let error = ModelSet::load_dir(dir.path()).expect_err(name).to_string();
        assert!(
            error.contains(&path.display().to_string()),
            "{name}: {error}"
        );
        assert!(error.contains(message), "{name}: {error}");
    }
}

#[test]
fn a_missing_directory_or_task_is_a_clear_error() {
    let error = ModelSet::load_dir(Path::new("/nonexistent/models")).expect_err("missing");
    assert!(error.to_string().contains("/nonexistent/models"), "{error}");
    let dir = tempfile::tempdir().expect("tempdir");
    copy_models(dir.path());
    // Both shipped topic models gone.
    for topic_model in ["bbc.model", "agnews.model"] {
        std::fs::remove_file(dir.path().join(topic_model)).expect("remove");
    }
    let error = ModelSet::load_dir(dir.path())
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
    ModelSet::load_dir(dir.path()).expect("the directory still loads");
}

/// A model file around `payload` with a valid header and checksum.
fn envelope(payload: &[u8]) -> Vec<u8> {
    let mut bytes = MAGIC.to_vec();
    bytes.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    bytes.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    bytes.extend_from_slice(&Sha256::digest(payload));
    bytes.extend_from_slice(payload);
    bytes
}

/// The payload of a model file (what follows the 52-byte header).
fn payload_of(file: &[u8]) -> &[u8] {
    &file[MAGIC.len() + 4 + 8 + 32..]
}

/// A number a model file carries, as it is stored (postcard writes floats as little-endian
/// bytes), so a test can find it in the payload and overwrite it.
#[derive(Clone, Copy)]
enum Stored {
    F32(f32),
    F64(f64),
}

impl Stored {
    fn bytes(self) -> Vec<u8> {
        match self {
            Stored::F32(v) => v.to_le_bytes().to_vec(),
            Stored::F64(v) => v.to_le_bytes().to_vec(),
        }
    }

    fn json(self) -> serde_json::Value {
        match self {
            Stored::F32(v) => f64::from(v).into(),
            Stored::F64(v) => v.into(),
        }
    }
}

/// Where a classifier file keeps a number, as a JSON pointer into the serialised artifact.
type Field = fn(&mut serde_json::Value) -> &mut serde_json::Value;

/// `bbc.model` with the number at `field` replaced by `value`, re-checksummed: JSON cannot
/// hold NaN or infinity, so the field is first set to a unique `marker`, encoded, and the
/// marker's bytes in the payload are overwritten.
fn classifier_file_with(field: Field, marker: Stored, value: Stored) -> Vec<u8> {
    let bytes = std::fs::read(models_dir().join("bbc.model")).expect("bbc.model");
    let loaded = Artifact::from_bytes(&bytes, Path::new("bbc.model")).expect("shipped model");
    let mut json = serde_json::to_value(&loaded.artifact).expect("to json");
    *field(&mut json) = marker.json();
    let marked: Artifact = serde_json::from_value(json).expect("from json");
    let file = marked.to_bytes().expect("encode");
    let mut payload = payload_of(&file).to_vec();
    let needle = marker.bytes();
    let at: Vec<usize> = payload
        .windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle.as_slice())
        .map(|(i, _)| i)
        .collect();
    assert_eq!(at.len(), 1, "the marker occurs once in the payload");
    payload[at[0]..at[0] + needle.len()].copy_from_slice(&value.bytes());
    envelope(&payload)
}

/// Where each number a classifier file carries sits in its JSON form.
mod field {
    use serde_json::Value;

    /// The calibration temperature.
    pub fn temperature(j: &mut Value) -> &mut Value {
        &mut j["Classifier"]["temperature"]
    }
    /// Row 1, column 2 of the (features × 5 labels) weight matrix of `bbc.model`.
    pub fn weight_1_2(j: &mut Value) -> &mut Value {
        &mut j["Classifier"]["regression"]["weights"]["data"][7]
    }
    /// Row 0, column 0 of the weight matrix.
    pub fn weight_0_0(j: &mut Value) -> &mut Value {
        &mut j["Classifier"]["regression"]["weights"]["data"][0]
    }
    /// The intercept of label 1.
    pub fn bias_1(j: &mut Value) -> &mut Value {
        &mut j["Classifier"]["regression"]["bias"]["data"][1]
    }
    /// The intercept of label 4.
    pub fn bias_4(j: &mut Value) -> &mut Value {
        &mut j["Classifier"]["regression"]["bias"]["data"][4]
    }
    /// The IDF weight of feature column 0.
    pub fn idf_0(j: &mut Value) -> &mut Value {
        &mut j["Classifier"]["extractor"]["vocabulary"]["idf"][0]
    }
    /// The IDF weight of feature column 3.
    pub fn idf_3(j: &mut Value) -> &mut Value {
        &mut j["Classifier"]["extractor"]["vocabulary"]["idf"][3]
    }
    /// The L2 penalty recorded in the metadata.
    pub fn l2_penalty(j: &mut Value) -> &mut Value {
        &mut j["Classifier"]["metadata"]["l2_penalty"]
    }
    /// The first metric (by name) of the metadata.
    pub fn first_metric(j: &mut Value) -> &mut Value {
        let metrics = &mut j["Classifier"]["metadata"]["metrics"];
        let first = metrics
            .as_object()
            .and_then(|m| m.keys().next())
            .expect("bbc.model records metrics")
            .clone();
        &mut metrics[first.as_str()]
    }
}

#[test]
fn non_finite_numbers_in_a_model_file_are_refused_naming_file_and_field() {
    let f32_marker = Stored::F32(1234.5677);
    let f64_marker = Stored::F64(1_234.567_890_123);
    let cases: Vec<(&str, Field, Stored, Stored, &str)> = vec![
        (
            "NaN temperature",
            field::temperature,
            f32_marker,
            Stored::F32(f32::NAN),
            "temperature is NaN",
        ),
        (
            "infinite temperature",
            field::temperature,
            f32_marker,
            Stored::F32(f32::INFINITY),
            "temperature is inf",
        ),
        (
            "NaN weight",
            field::weight_1_2,
            f32_marker,
            Stored::F32(f32::NAN),
            "weights[1, 2] is NaN",
        ),
        (
            "infinite weight",
            field::weight_0_0,
            f32_marker,
            Stored::F32(f32::INFINITY),
            "weights[0, 0] is inf",
        ),
        (
            "negative infinite intercept",
            field::bias_1,
            f32_marker,
            Stored::F32(f32::NEG_INFINITY),
            "bias[1] is -inf",
        ),
        (
            "NaN intercept",
            field::bias_4,
            f32_marker,
            Stored::F32(f32::NAN),
            "bias[4] is NaN",
        ),
        (
            "NaN IDF weight",
            field::idf_3,
            f32_marker,
            Stored::F32(f32::NAN),
            "vocabulary IDF weight 3 is NaN",
        ),
        (
            "infinite IDF weight",
            field::idf_0,
            f32_marker,
            Stored::F32(f32::INFINITY),
            "vocabulary IDF weight 0 is inf",
        ),
        (
            "NaN L2 penalty",
            field::l2_penalty,
            f64_marker,
            Stored::F64(f64::NAN),
            "l2_penalty is NaN",
        ),
        (
            "infinite metric",
            field::first_metric,
            f64_marker,
            Stored::F64(f64::INFINITY),
            "is inf",
        ),
    ];
    for (name, field, marker, value, message) in cases {
        let dir = tempfile::tempdir().expect("tempdir");
        copy_models(dir.path());
        let path = dir.path().join("bbc.model");
        // Start-up: the directory does not load.
        std::fs::write(&path, classifier_file_with(field, marker, value)).expect("write");
        let error = ReloadableModelSet::open(dir.path())
            .expect_err(name)
            .to_string();
        assert!(
            error.contains(&path.display().to_string()),
            "{name}: {error}"
        );
        assert!(error.contains(message), "{name}: {error}");
        // Reload: refused the same way, and the previous set keeps serving finite answers.
        std::fs::copy(models_dir().join("bbc.model"), &path).expect("restore");
        let store = ReloadableModelSet::open(dir.path()).expect("good set loads");
        std::fs::write(&path, classifier_file_with(field, marker, value)).expect("write");
        let error = store.reload().expect_err(name).to_string();
        assert!(error.contains(message), "{name} on reload: {error}");
        let served = store.snapshot();
        let prediction = served
            .get("bbc")
            .expect("bbc still served")
            .classifier
            .predict(&Document::new("Shares rose after the bank cut rates."), 3);
        assert!(
            prediction.probabilities.iter().all(|p| p.is_finite()),
            "{name}: {:?}",
            prediction.probabilities
        );
    }
    // The marker itself is a finite number: the same file with it left in place loads, so
    // what is refused above is the non-finite value and nothing else.
    let dir = tempfile::tempdir().expect("tempdir");
    copy_models(dir.path());
    let marked = classifier_file_with(field::weight_0_0, f32_marker, f32_marker);
    std::fs::write(dir.path().join("bbc.model"), marked).expect("write");
    ModelSet::load_dir(dir.path()).expect("finite marker loads");
}

#[test]
fn an_undecodable_payload_names_the_file_the_format_version_and_the_decoder_error() {
    let good = std::fs::read(models_dir().join("bbc.model")).expect("bbc.model");
    let payload = payload_of(&good);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("half a payload", payload[..payload.len() / 2].to_vec()),
        ("unknown artifact kind", vec![7, 1, 2, 3]),
        ("varint that never ends", vec![0xff; 16]),
        ("empty payload", Vec::new()),
    ];
    for (name, payload) in cases {
        let dir = tempfile::tempdir().expect("tempdir");
        copy_models(dir.path());
        let path = dir.path().join("bbc.model");
        std::fs::write(&path, envelope(&payload)).expect("write");
        let decoder = postcard::from_bytes::<Artifact>(&payload)
            .expect_err(name)
            .to_string();
        let error = ModelSet::load_dir(dir.path()).expect_err(name).to_string();
        assert_eq!(
            error,
            format!(
                "{}: payload is not a docclass model of format version {FORMAT_VERSION}: {decoder}",
                path.display()
            ),
            "{name}"
        );
        let typed = Artifact::load(&path).expect_err(name);
        assert!(
            matches!(typed, docclass::model::ArtifactError::Undecodable { .. }),
            "{name}: {typed:?}"
        );
    }
}

/// Peak resident memory of this process (VmHWM), in KiB.
#[cfg(target_os = "linux")]
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM")
}

/// The case: a model file extended to 1 GiB (sparse, so no disk is used) is refused
/// with its size and the header's, before its payload is read: the process's peak memory
/// stays far below the file's size. So is a file whose header announces more than a load
/// reads, and a stray foreign file costs a reload nothing.
#[test]
#[cfg(target_os = "linux")]
fn oversized_files_are_refused_before_their_payload_is_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_models(dir.path());
    let path = dir.path().join("bbc.model");
    let size = std::fs::metadata(&path).expect("size").len();
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .expect("open");
    file.set_len(1 << 30).expect("extend to 1 GiB");
    drop(file);
    let before = peak_rss_kib();
    let error = ModelSet::load_dir(dir.path())
        .expect_err("extended file")
        .to_string();
    let grown_mib = (peak_rss_kib() - before) / 1024;
    assert!(
        error.contains(&format!(
            "longer than expected (1073741824 bytes, header says {size})"
        )),
        "{error}"
    );
    assert!(grown_mib < 256, "peak memory grew by {grown_mib} MiB");

    // A header announcing 2 GiB, on a (sparse) file of exactly that size.
    let mut header = std::fs::read(models_dir().join("bbc.model")).expect("bytes");
    header.truncate(52);
    let announced: u64 = 2 << 30;
    header[12..20].copy_from_slice(&(announced - 52).to_le_bytes());
    std::fs::write(&path, &header).expect("write header");
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .expect("open");
    file.set_len(announced).expect("extend");
    drop(file);
    let error = ModelSet::load_dir(dir.path())
        .expect_err("too large")
        .to_string();
    assert!(
        error.contains("header announces a 2147483648-byte model file, over the limit of"),
        "{error}"
    );

    // A stray 256 MiB file that is not a model: refused after its first bytes.
    copy_models(dir.path());
    let stray = dir.path().join("stray.model");
    let file = std::fs::File::create(&stray).expect("stray");
    file.set_len(256 << 20).expect("extend");
    drop(file);
    let before = peak_rss_kib();
    let error = ReloadableModelSet::open(dir.path())
        .expect_err("stray")
        .to_string();
    assert!(error.contains("not a docclass model file"), "{error}");
    assert!(
        (peak_rss_kib() - before) / 1024 < 128,
        "stray file read whole"
    );
}

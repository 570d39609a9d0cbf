//! Replays what fuzzing found (see `fuzz/README.md`) and hand-written hostile inputs through
//! the same property checks the fuzz targets use, so `cargo test` guards them without
//! cargo-fuzz or a nightly toolchain.

#[path = "fuzz_regressions/invariants.rs"]
mod invariants;

use std::path::PathBuf;

use docclass::features::Scratch;
use docclass::model::artifact::MAGIC;
use docclass::summarize::SummarizeOptions;
use docclass::text::Document;
use invariants::{check_artifact, check_features, check_sentences, check_summary, envelope};

/// Texts no splitter, tokenizer or summarizer may choke on.
fn hostile_texts() -> Vec<String> {
    let mut texts: Vec<String> = [
        "",
        " ",
        " \t\r\n\u{a0}\u{2028}\u{2029}\u{3000}\u{85}",
        "\u{301}",
        "\u{301}\u{302}\u{20dd} \u{301}. \u{619}",
        " \u{619}",
        "a \u{619}. b",
        "مرحبا بالعالم. هذا نص عربي؟ نعم!",
        "\u{202e}שלום עולם. \u{200f}מה שלומך?\u{202c}",
        "\0\u{1}\u{7}\u{1b}[31m\u{7f}.\0\0. \u{feff}",
        "Dr. Smith went to Washington D.C. on Jan. 3rd. He said \"Hi.\" Then...",
        "...?!...!!!???",
        "👨‍👩‍👧‍👦. 🇬🇧🇫🇷! \u{200d}\u{200d}",
        "İSTANBUL ẞ ǅ ﬃ. ΣΑΣ.",
        "東京の選挙は明日です。晴れでしょう。",
        "\u{180e}a\u{180e}.\u{180e}",
        "line one\r\nline two\rline three\nline four",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    texts.push(".".repeat(100_000));
    texts.push("a. ".repeat(30_000));
    texts.push("x".repeat(20_000));
    texts.push("\u{301}".repeat(20_000));
    texts.push(" \u{619}".repeat(10_000));
    texts
}

#[test]
fn sentence_splitter_survives_hostile_texts() {
    for text in hostile_texts() {
        check_sentences(&text);
    }
    assert!(check_sentences("").is_empty());
    assert!(check_sentences(" \n\t ").is_empty());
    assert_eq!(check_sentences("One. Two! Three?").len(), 3);
}

/// Found by the `features` target: an alphabetic combining mark after a space (here
/// U+0619 ARABIC SMALL DAMMA) joins the space's word segment, so `text::words` yielded
/// " \u{619}", a word with a leading space, and the normalised target had a double space.
#[test]
fn words_after_space_plus_combining_mark_have_no_whitespace() {
    let doc = Document {
        title: "مرحب\0\0\09]'X&{'F'",
        text: "ربي؟saEEEEt.",
        target: Some("لم. هذا نص \u{619}"),
        mentions: &[],
    };
    let mut scratch = Scratch::default();
    for extractor in invariants::extractors() {
        check_features(extractor, &doc, &mut scratch);
    }
    assert_eq!(
        docclass::text::normalize_target("Hillary \u{619}Clinton"),
        docclass::text::normalize_target(" HILLARY   \u{619}clinton "),
    );
}

#[test]
fn feature_extractor_survives_hostile_documents() {
    let texts = hostile_texts();
    let mut scratch = Scratch::default();
    for extractor in invariants::extractors() {
        for (i, text) in texts.iter().enumerate() {
            let other = &texts[(i + 7) % texts.len()];
            let docs = [
                Document::new(text),
                Document {
                    title: other,
                    text,
                    target: Some(text),
                    mentions: &[],
                },
                Document {
                    title: text,
                    text: "",
                    target: Some(" \u{301} "),
                    mentions: &[],
                },
            ];
            for doc in &docs {
                check_features(extractor, doc, &mut scratch);
            }
        }
    }
}

#[test]
fn summarizer_survives_hostile_texts_and_options() {
    let options = [
        SummarizeOptions::default(),
        SummarizeOptions {
            max_sentences: Some(0),
            ratio: None,
        },
        SummarizeOptions {
            max_sentences: Some(1),
            ratio: None,
        },
        SummarizeOptions {
            max_sentences: Some(usize::MAX),
            ratio: None,
        },
        SummarizeOptions {
            max_sentences: None,
            ratio: Some(f32::NAN),
        },
        SummarizeOptions {
            max_sentences: None,
            ratio: Some(-1.0),
        },
        SummarizeOptions {
            max_sentences: Some(2),
            ratio: Some(f32::INFINITY),
        },
        SummarizeOptions {
            max_sentences: None,
            ratio: Some(1e-30),
        },
    ];
    for text in hostile_texts() {
        for options in &options {
            check_summary(invariants::summarizer(), &text, &text, options);
        }
    }
    let blank = invariants::summarizer().summarize("title", " \n ", &Default::default());
    assert!(blank.is_err(), "blank text must be refused");
}

fn header(version: u32, length: u64) -> Vec<u8> {
    let mut bytes = MAGIC.to_vec();
    bytes.extend_from_slice(&version.to_le_bytes());
    bytes.extend_from_slice(&length.to_le_bytes());
    bytes.extend_from_slice(&[0; 32]);
    bytes
}

#[test]
fn model_loader_refuses_bad_envelopes() {
    let mut claims_huge_length = header(1, u64::MAX);
    claims_huge_length.extend_from_slice(b"payload");
    let mut one_short = envelope(b"\x01\x00\x00");
    one_short.pop();
    let mut bad_checksum = envelope(b"\x01\x00\x00");
    bad_checksum[30] ^= 1;
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("magic only", MAGIC.to_vec()),
        (
            "foreign",
            b"\x89PNG\r\n\x1a\n and then some more bytes of a png file....".to_vec(),
        ),
        ("lower-case magic", b"docclass".repeat(10)),
        ("header cut short", header(1, 0)[..40].to_vec()),
        ("version 0", header(0, 0)),
        ("version 2", header(2, 0)),
        ("version u32::MAX", header(u32::MAX, 0)),
        ("length u64::MAX", claims_huge_length),
        ("length 2^40", header(1, 1 << 40)),
        ("one byte short", one_short),
        ("bad checksum", bad_checksum),
        ("zero checksum", header(1, 0)),
    ];
    for (name, bytes) in cases {
        assert!(check_artifact(&bytes).is_err(), "{name}: accepted");
    }
}

#[test]
fn model_loader_refuses_hostile_payloads_without_huge_allocations() {
    let mut payloads: Vec<(&str, Vec<u8>)> = vec![
        ("empty payload", Vec::new()),
        ("unknown variant", vec![7]),
        ("variant index u32::MAX", vec![0xff, 0xff, 0xff, 0xff, 0x0f]),
        ("overlong varint", vec![0x80; 20]),
    ];
    // Summarizer { documents: 1, terms: list claiming u64::MAX entries }.
    let mut huge_list = vec![1, 1];
    huge_list.extend_from_slice(&[0xff; 9]);
    huge_list.push(0x01);
    payloads.push(("list claiming u64::MAX entries", huge_list));
    // Summarizer { documents: 1, terms: 2^32 entries, the first term's length overflowing }.
    let mut huge_key = vec![1, 1, 0x80, 0x80, 0x80, 0x80, 0x10];
    huge_key.extend_from_slice(&[0xff; 9]);
    huge_key.push(0x7f);
    payloads.push(("string length overflowing u64", huge_key));
    // Classifier { metadata.name claiming u32::MAX bytes }.
    payloads.push((
        "name claiming 4 GiB",
        vec![0, 0xff, 0xff, 0xff, 0xff, 0x0f, b'a'],
    ));
    for (name, payload) in payloads {
        assert!(
            check_artifact(&envelope(&payload)).is_err(),
            "{name}: accepted"
        );
    }
}

fn models_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models")
}

fn shipped_model(name: &str) -> Vec<u8> {
    let path = models_dir().join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn shipped_models_load_and_damaged_copies_do_not_panic() {
    let mut names: Vec<String> = std::fs::read_dir(models_dir())
        .expect("models directory")
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.ends_with(".model"))
        .collect();
    names.sort();
    assert!(names.len() >= 3, "shipped models: {names:?}");
    for name in &names {
        let bytes = shipped_model(name);
        assert!(check_artifact(&bytes).is_ok(), "{name} does not load");
        for cut in [0, 7, 8, 51, 52, bytes.len() / 2, bytes.len() - 1] {
            assert!(
                check_artifact(&bytes[..cut]).is_err(),
                "{name} cut at {cut}"
            );
        }
        // Damage inside a re-checksummed payload: decoding must fail or validate, not panic.
        let payload = &bytes[52..];
        for at in [0, 1, 2, 3, 9, payload.len() / 3, payload.len() - 1] {
            for flip in [0x01, 0xff] {
                let mut damaged = payload.to_vec();
                if let Some(byte) = damaged.get_mut(at) {
                    *byte ^= flip;
                    let _ = check_artifact(&envelope(&damaged));
                }
            }
        }
        for keep in [1, 2, payload.len() / 2, payload.len() - 1] {
            let _ = check_artifact(&envelope(&payload[..keep]));
        }
    }
}

/// Replays a fuzz input the way `fuzz/fuzz_targets/artifact.rs` reads it.
fn replay_artifact_input(data: &[u8]) {
    if let Some((mode, rest)) = data.split_first() {
        if mode & 1 == 0 {
            let _ = check_artifact(rest);
        } else {
            let _ = check_artifact(&envelope(rest));
        }
    }
}

/// Found by the `artifact` target: a checksum-valid payload whose vocabulary has fewer IDF
/// weights (64) than keys passed validation, and classifying indexed past the IDF array.
#[test]
fn vocabulary_with_fewer_idf_weights_than_keys_is_refused() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz_regressions/artifact-idf-shorter-than-keys.bin");
    let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    replay_artifact_input(&data);
    let error = check_artifact(&envelope(&data[1..])).expect_err("inconsistent vocabulary");
    assert!(
        error
            .to_string()
            .contains("payload is not a docclass model of format version"),
        "{error}"
    );
}

/// Same family, written by hand: a weight matrix with fewer class columns than the model
/// has labels and biases passed validation, and explaining a decision for the last class
/// indexed past the matrix.
#[test]
fn weights_with_fewer_class_columns_than_labels_are_refused() {
    let bytes = shipped_model("bbc.model");
    let loaded = docclass::model::Artifact::from_bytes(&bytes, std::path::Path::new("bbc.model"))
        .expect("shipped model loads");
    let mut json = serde_json::to_value(&loaded.artifact).expect("to json");
    let regression = &mut json["Classifier"]["regression"];
    let rows = regression["weights"]["dim"][0].as_u64().expect("rows");
    let weights = regression["weights"]["data"]
        .as_array_mut()
        .expect("weights");
    weights.truncate(rows as usize);
    regression["weights"]["dim"][1] = 1.into();
    let bias = regression["bias"]["data"].as_array_mut().expect("bias");
    let last = bias.len() - 1;
    bias.iter_mut().for_each(|b| *b = 0.0.into());
    bias[last] = 100.0.into();
    let damaged: docclass::model::Artifact = serde_json::from_value(json).expect("from json");
    let docclass::model::Artifact::Classifier(classifier) = &damaged else {
        panic!("bbc.model is a classifier");
    };
    assert!(
        classifier.validate().is_err(),
        "one weight column for {last} + 1 labels"
    );
    let _ = check_artifact(&damaged.to_bytes().expect("encode"));
}

/// Same family, written by hand while adding the finite-probabilities property to the
/// `artifact` target: weights that are finite but huge (±3e38) overflow the logits to ±inf,
/// and softmax answered NaN (inf − inf). Such a file passes validation (every number in it
/// is finite), so softmax clamps overflowed logits and the answer stays a distribution.
#[test]
fn huge_finite_weights_still_give_finite_probabilities() {
    let bytes = shipped_model("bbc.model");
    let loaded = docclass::model::Artifact::from_bytes(&bytes, std::path::Path::new("bbc.model"))
        .expect("shipped model loads");
    let mut json = serde_json::to_value(&loaded.artifact).expect("to json");
    let regression = &mut json["Classifier"]["regression"];
    let columns = regression["weights"]["dim"][1].as_u64().expect("columns") as usize;
    let weights = regression["weights"]["data"]
        .as_array_mut()
        .expect("weights");
    for (i, weight) in weights.iter_mut().enumerate() {
        *weight = match i % columns {
            0 => 3.0e38,
            1 => -3.0e38,
            _ => 0.0,
        }
        .into();
    }
    let huge: docclass::model::Artifact = serde_json::from_value(json).expect("from json");
    let docclass::model::Artifact::Classifier(classifier) = &huge else {
        panic!("bbc.model is a classifier");
    };
    classifier.validate().expect("every number is finite");
    let doc = Document::new("Shares rose after the bank cut interest rates again today.");
    for explain in [0, 3] {
        let prediction = classifier.predict(&doc, explain);
        assert!(
            prediction.probabilities.iter().all(|p| p.is_finite()),
            "{:?}",
            prediction.probabilities
        );
        let sum: f32 = prediction.probabilities.iter().sum();
        assert!((sum - 1.0).abs() < 1e-4, "{:?}", prediction.probabilities);
        assert_eq!(prediction.best(), 0, "the +3e38 column wins");
    }
    check_artifact(&huge.to_bytes().expect("encode")).expect("loads");
}

//! The properties the fuzz targets check, shared by `fuzz/fuzz_targets/*.rs` (via `#[path]`)
//! and `tests/fuzz_regressions.rs`, so a finding replays under `cargo test` exactly as the
//! fuzzer saw it. Every check panics with a message saying which property failed.

use std::path::Path;
use std::sync::OnceLock;

use docclass::features::{FeatureExtractor, FeatureSettings, NgramRange, Scratch, TargetFeatures};
use docclass::model::{Artifact, ArtifactError, FORMAT_VERSION};
use docclass::summarize::{
    IdfTable, SummarizeError, SummarizeOptions, Summarizer, DEFAULT_SENTENCES,
};
use docclass::text::sentences::{split_sentences, SentenceSpan};
use docclass::text::{self, Document};
use sha2::{Digest, Sha256};

/// Path given to `Artifact::from_bytes`; every error message must name it.
pub const FUZZ_PATH: &str = "fuzzed/input.model";

/// A few fixed training documents for the extractors and the summarizer's IDF table.
const CORPUS: [(&str, &str, &str); 4] = [
    (
        "Markets rally",
        "Shares rose 3.2% on Monday. The central bank held rates at 1,000 basis points!",
        "Climate Change is a Real Concern",
    ),
    (
        "Élection à Zürich",
        "Die Wähler in Zürich stimmten ab. Ωμέγα και άλφα. 東京の選挙は明日です。",
        "Hillary Clinton",
    ),
    (
        "",
        "The cat sat on the mat. The dog did not. Dr. Smith said: \"no.\"",
        "climate change is a real concern",
    ),
    (
        "Sport",
        "Arsenal beat Chelsea 2-1 at the Emirates. Fans cheered... for hours?!",
        "HILLARY  clinton",
    ),
];

/// Three extractors fitted once on [`CORPUS`]: word 1–3-grams with character 1–5-grams and
/// per-target copies; raw-count word 1–2-grams ignoring targets, capped in size; and word
/// unigrams with claim-relation features.
pub fn extractors() -> &'static [FeatureExtractor; 3] {
    static EXTRACTORS: OnceLock<[FeatureExtractor; 3]> = OnceLock::new();
    EXTRACTORS.get_or_init(|| {
        let docs: Vec<Document> = CORPUS
            .iter()
            .map(|(title, text, target)| Document {
                title,
                text,
                target: Some(target),
                mentions: &[],
            })
            .collect();
        let rich = FeatureSettings {
            word_ngrams: NgramRange { min: 1, max: 3 },
            char_ngrams: Some(NgramRange { min: 1, max: 5 }),
            sublinear_tf: true,
            min_df: 1,
            max_features: None,
            target_features: TargetFeatures::PerTarget,
        };
        let plain = FeatureSettings {
            word_ngrams: NgramRange { min: 1, max: 2 },
            char_ngrams: None,
            sublinear_tf: false,
            min_df: 1,
            max_features: Some(40),
            target_features: TargetFeatures::Ignore,
        };
        let claim = FeatureSettings {
            word_ngrams: NgramRange { min: 1, max: 1 },
            char_ngrams: None,
            sublinear_tf: true,
            min_df: 1,
            max_features: None,
            target_features: TargetFeatures::Claim,
        };
        [rich, plain, claim]
            .map(|settings| FeatureExtractor::fit(settings, &docs).expect("fit corpus"))
    })
}

/// A summarizer whose IDF table comes from [`CORPUS`].
pub fn summarizer() -> &'static Summarizer {
    static SUMMARIZER: OnceLock<Summarizer> = OnceLock::new();
    SUMMARIZER.get_or_init(|| Summarizer::new(IdfTable::from_documents(CORPUS.iter().map(|d| d.1))))
}

/// Sentence spans are non-empty, trimmed, in order, non-overlapping, inside `text`, on char
/// boundaries, each hold a letter or digit, and together cover every letter and digit
/// (whitespace, bullet markers and letterless pieces such as "---" may be left out).
pub fn check_sentences(text: &str) -> Vec<SentenceSpan> {
    let spans = split_sentences(text);
    let mut previous_end = 0;
    for (i, span) in spans.iter().enumerate() {
        let SentenceSpan { start, end } = *span;
        assert!(start < end, "span {i} {span:?} is empty");
        assert!(
            start >= previous_end,
            "span {i} {span:?} overlaps or is out of order"
        );
        assert!(
            end <= text.len(),
            "span {i} {span:?} past the end ({})",
            text.len()
        );
        assert!(
            text.is_char_boundary(start) && text.is_char_boundary(end),
            "span {i} {span:?} not on char boundaries"
        );
        let sentence = &text[start..end];
        assert_eq!(sentence, sentence.trim(), "span {i} {span:?} not trimmed");
        assert!(
            sentence.chars().any(char::is_alphanumeric),
            "span {i} {span:?} has no letter or digit"
        );
        previous_end = end;
    }
    let mut spans_left = spans.iter().peekable();
    for (at, c) in text.char_indices() {
        while spans_left.next_if(|s| s.end <= at).is_some() {}
        if c.is_alphanumeric() {
            let covered = spans_left.peek().is_some_and(|s| s.start <= at);
            assert!(covered, "char {c:?} at byte {at} is in no sentence");
        }
    }
    spans
}

/// Feature vectors are sorted, in range, finite and positive, L2-normalised (or empty), the
/// same with a fresh or a reused scratch buffer, and the same with or without term texts.
/// Claim-relation features are added after normalisation with values in [0, 1], so with
/// them the values are only checked to be finite and in [0, 2].
pub fn check_features(extractor: &FeatureExtractor, doc: &Document, scratch: &mut Scratch) {
    let vector = extractor.transform(doc, scratch);
    assert_eq!(vector.indices.len(), vector.values.len(), "ragged vector");
    assert!(
        vector.indices.windows(2).all(|w| w[0] < w[1]),
        "indices not strictly increasing: {:?}",
        vector.indices
    );
    let dimension = extractor.dimension();
    assert!(
        vector.indices.iter().all(|i| (*i as usize) < dimension),
        "index out of range (dimension {dimension}): {:?}",
        vector.indices
    );
    if extractor.settings().target_features == TargetFeatures::Claim {
        assert!(
            vector.values.iter().all(|v| (0.0..=2.0).contains(v)),
            "value not in [0, 2]: {:?}",
            vector.values
        );
    } else {
        assert!(
            vector.values.iter().all(|v| v.is_finite() && *v > 0.0),
            "value not finite and positive: {:?}",
            vector.values
        );
    }
    if !vector.values.is_empty() && extractor.settings().target_features != TargetFeatures::Claim {
        let norm = vector.values.iter().map(|v| v * v).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-3, "L2 norm {norm}, expected 1");
    }
    let fresh = extractor.transform(doc, &mut Scratch::default());
    assert_eq!(
        vector, fresh,
        "result depends on the scratch buffer's history"
    );
    let (with_terms, terms) = extractor.transform_with_terms(doc, scratch);
    assert_eq!(
        vector, with_terms,
        "transform_with_terms disagrees with transform"
    );
    assert_eq!(
        terms.len(),
        vector.indices.len(),
        "one term text per column"
    );
    for index in &vector.indices {
        let term = terms.get(index).expect("every column has its term text");
        assert!(!term.is_empty(), "column {index} has an empty term text");
    }
    let mut keys = Vec::new();
    extractor.settings().distinct_keys(doc, scratch, &mut keys);
    assert!(
        keys.windows(2).all(|w| w[0] < w[1]),
        "distinct keys not strictly increasing"
    );
    let mut lowered = String::new();
    for part in [doc.title, doc.text, doc.target.unwrap_or_default()] {
        text::lowercase_into(part, &mut lowered);
        for word in text::words(&lowered) {
            assert!(!word.is_empty(), "empty word in {part:?}");
            assert!(
                !word.contains(char::is_whitespace),
                "word {word:?} has whitespace"
            );
        }
    }
    let normalized = text::normalize_target(doc.target.unwrap_or_default());
    assert_eq!(normalized, normalized.trim(), "target not trimmed");
    assert!(!normalized.contains("  "), "target has a double space");
}

/// Summaries are made of whole sentences of `text` (spans of [`split_sentences`]), in
/// order, at least one and within the asked length; blank or letterless text and a ratio
/// outside (0, 1] are refused.
pub fn check_summary(summarizer: &Summarizer, title: &str, text: &str, options: &SummarizeOptions) {
    let ratio_ok = options.ratio.is_none_or(|r| r > 0.0 && r <= 1.0);
    let summary = match summarizer.summarize(title, text, options) {
        Ok(summary) => summary,
        Err(SummarizeError::InvalidRatio(_)) => {
            assert!(!ratio_ok, "valid ratio {:?} refused", options.ratio);
            return;
        }
        Err(SummarizeError::EmptyText) => {
            assert!(text::is_blank(text), "non-blank text refused as empty");
            return;
        }
        Err(SummarizeError::NoSentences) => {
            assert!(
                split_sentences(text).is_empty(),
                "text with sentences refused"
            );
            return;
        }
    };
    assert!(ratio_ok, "invalid ratio {:?} accepted", options.ratio);
    let spans = split_sentences(text);
    assert!(
        !summary.sentences.is_empty(),
        "empty summary of {} sentences",
        spans.len()
    );
    let mut previous: Option<usize> = None;
    for s in &summary.sentences {
        let span = spans.get(s.index).expect("index of a sentence of the text");
        assert_eq!(
            (s.start, s.end),
            (span.start, span.end),
            "{s:?} is not sentence {}",
            s.index
        );
        assert!(s.score.is_finite(), "score of {s:?} not finite");
        assert!(previous.is_none_or(|p| s.index > p), "{s:?} out of order");
        previous = Some(s.index);
    }
    let limit = match options.max_sentences.filter(|n| *n > 0) {
        Some(n) => n,
        None if options.ratio.is_none() => DEFAULT_SENTENCES,
        None => spans.len(),
    };
    assert!(
        summary.sentences.len() <= limit,
        "more than {limit} sentences"
    );
    let joined = summary.joined(text);
    // Adjacent sentences ("Stop!Go") gain a separating space.
    let separators = summary.sentences.len();
    assert!(
        joined.len() <= text.len() + separators,
        "joined summary too long"
    );
}

/// Wraps `payload` in a well-formed envelope (magic, version, length, checksum), so the
/// fuzzer reaches the payload decoder instead of stopping at the checksum.
pub fn envelope(payload: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(52 + payload.len());
    bytes.extend_from_slice(docclass::model::artifact::MAGIC);
    bytes.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    bytes.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    bytes.extend_from_slice(&Sha256::digest(payload));
    bytes.extend_from_slice(payload);
    bytes
}

/// Model bytes load or are refused with an error naming the file; what loads can be saved
/// and loaded again; a classifier that passes validation classifies without panicking and
/// with finite probabilities, and
/// a loaded summarizer table summarizes without panicking.
pub fn check_artifact(bytes: &[u8]) -> Result<(), ArtifactError> {
    let path = Path::new(FUZZ_PATH);
    let loaded = match Artifact::from_bytes(bytes, path) {
        Ok(loaded) => loaded,
        Err(e) => {
            assert!(
                e.to_string().contains(FUZZ_PATH),
                "error names no file: {e}"
            );
            return Err(e);
        }
    };
    assert_eq!(loaded.digest.len(), 64, "digest is not hex SHA-256");
    let again = loaded
        .artifact
        .to_bytes()
        .expect("a loaded artifact encodes");
    if let Err(e) = Artifact::from_bytes(&again, path) {
        panic!("a loaded artifact does not load again after saving: {e}");
    }
    match loaded.artifact {
        Artifact::Classifier(classifier) => {
            if classifier.validate().is_err() {
                return Ok(());
            }
            let labels = classifier.metadata().labels.len();
            for (title, body, target) in CORPUS {
                let doc = Document {
                    title,
                    text: body,
                    target: Some(target),
                    mentions: &[],
                };
                for explain in [0, 5] {
                    let prediction = classifier.predict(&doc, explain);
                    assert_eq!(
                        prediction.probabilities.len(),
                        labels,
                        "one probability per label"
                    );
                    assert!(
                        prediction.probabilities.iter().all(|p| p.is_finite()),
                        "a validated model answers finite probabilities: {:?}",
                        prediction.probabilities
                    );
                    assert!(
                        prediction.explanation.len() <= explain,
                        "explanation too long"
                    );
                }
            }
        }
        Artifact::Summarizer(idf) => {
            let summarizer = Summarizer::new(idf);
            for (title, body, _) in CORPUS {
                check_summary(&summarizer, title, body, &SummarizeOptions::default());
            }
        }
    }
    Ok(())
}

//! Tests of the summarizer's public API and batch mode.

use super::*;

const ARTICLE: &str = "Oil prices rose sharply on Monday after OPEC cut output.\n\n\
    Analysts said the OPEC cut would keep oil prices high. The weather in London was mild.\n\n\
    Oil prices rose sharply on Monday after OPEC cut output!\n\n\
    Traders expect oil prices to stay above $50 a barrel. A football match was played.";

fn summarizer() -> Summarizer {
    Summarizer::new(IdfTable::from_documents([
        "football match weather",
        "weather football London",
        "oil prices market",
    ]))
}

fn opts(max_sentences: Option<usize>, ratio: Option<f32>) -> SummarizeOptions {
    SummarizeOptions {
        max_sentences,
        ratio,
    }
}

#[test]
fn summarizer_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Summarizer>();
}

#[test]
fn default_is_three_sentences_in_document_order_with_offsets() {
    let s = summarizer()
        .summarize(
            "OPEC cut lifts oil prices",
            ARTICLE,
            &SummarizeOptions::default(),
        )
        .unwrap();
    assert_eq!(s.sentences.len(), 3);
    assert!(s.sentences.windows(2).all(|w| w[0].index < w[1].index));
    for sent in &s.sentences {
        let text = &ARTICLE[sent.start..sent.end];
        assert_eq!(text, text.trim());
        assert!(sent.score.is_finite());
    }
    let joined = s.joined(ARTICLE);
    assert!(joined.starts_with("Oil prices rose sharply on Monday"));
    assert!(!joined.contains("football"), "{joined}");
}

#[test]
fn near_duplicates_are_not_both_chosen() {
    let s = summarizer()
        .summarize("", ARTICLE, &opts(Some(4), None))
        .unwrap();
    let idx: Vec<usize> = s.sentences.iter().map(|x| x.index).collect();
    assert!(!(idx.contains(&0) && idx.contains(&3)), "{idx:?}");
}

#[test]
fn max_sentences_and_ratio() {
    let sum = summarizer();
    let count = |o: SummarizeOptions| sum.summarize("", ARTICLE, &o).unwrap().sentences.len();
    // ARTICLE has 6 sentences.
    assert_eq!(count(opts(Some(1), None)), 1);
    assert_eq!(count(opts(Some(0), None)), 3);
    assert_eq!(count(opts(Some(1000), None)), 6);
    assert_eq!(count(opts(None, Some(0.5))), 3);
    assert_eq!(count(opts(None, Some(0.01))), 1);
    assert_eq!(count(opts(None, Some(1.0))), 6);
    assert_eq!(count(opts(Some(2), Some(1.0))), 2);
    assert_eq!(count(opts(Some(0), Some(0.34))), 3);
}

#[test]
fn invalid_ratio_is_an_error() {
    for bad in [0.0, -0.5, 1.5, f32::NAN, f32::INFINITY] {
        let err = summarizer()
            .summarize("", ARTICLE, &opts(None, Some(bad)))
            .unwrap_err();
        assert!(matches!(err, SummarizeError::InvalidRatio(_)));
    }
    let err = summarizer()
        .summarize("", ARTICLE, &opts(None, Some(1.5)))
        .unwrap_err();
    assert_eq!(err.to_string(), "ratio must be in (0, 1], got 1.5");
}

#[test]
fn empty_and_sentence_free_text() {
    let s = summarizer();
    for text in ["", "   \n\n\t"] {
        let err = s
            .summarize("t", text, &SummarizeOptions::default())
            .unwrap_err();
        assert!(matches!(err, SummarizeError::EmptyText));
    }
    let err = s
        .summarize("t", "--- ***", &SummarizeOptions::default())
        .unwrap_err();
    assert!(matches!(err, SummarizeError::NoSentences));
}

#[test]
fn short_text_returns_itself() {
    let text = "Only one sentence. And a second one.";
    let s = summarizer()
        .summarize("", text, &SummarizeOptions::default())
        .unwrap();
    assert_eq!(s.joined(text), text);
    let s = summarizer()
        .summarize("", "Same. Same.", &opts(Some(2), None))
        .unwrap();
    assert_eq!(s.sentences.len(), 2);
}

#[test]
fn long_text_uses_bounded_method() {
    let text: String = (0..rank::GRAPH_MAX_SENTENCES + 50)
        .map(|i| format!("Sentence w{i} talks about oil and topic{}. ", i % 7))
        .collect();
    let s = summarizer()
        .summarize("oil", &text, &opts(Some(5), None))
        .unwrap();
    assert_eq!(s.sentences.len(), 5);
}

#[test]
fn batch_round_trip() {
    let input = format!(
        "{}\n\n{}\n{}\n",
        serde_json::json!({"id": "a", "title": "Oil", "text": ARTICLE, "max_sentences": 2}),
        serde_json::json!({"id": "b", "title": "", "text": "  "}),
        serde_json::json!({"id": "c", "text": "One. Two.", "ratio": 0.5}),
    );
    let mut out = Vec::new();
    let n = summarize_jsonl(input.as_bytes(), &mut out, &summarizer()).unwrap();
    assert_eq!(n, 3);
    let lines: Vec<serde_json::Value> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["id"], "a");
    assert_eq!(lines[0]["sentences"].as_array().unwrap().len(), 2);
    let first = &lines[0]["sentences"][0];
    let (start, end) = (
        first["start"].as_u64().unwrap() as usize,
        first["end"].as_u64().unwrap() as usize,
    );
    assert!(lines[0]["summary"]
        .as_str()
        .unwrap()
        .starts_with(&ARTICLE[start..end]));
    assert_eq!(lines[1]["error"], "text is empty");
    assert_eq!(lines[2]["summary"], "One.");
}

#[test]
fn batch_reports_bad_line_number() {
    let input = "{\"id\":\"a\",\"text\":\"x.\"}\nnot json\n";
    let err = summarize_jsonl(input.as_bytes(), Vec::new(), &summarizer()).unwrap_err();
    assert!(
        err.to_string().starts_with("line 2: invalid record"),
        "{err}"
    );
}

//! Unit tests of the sentence splitter: one test per rule, then the real articles in
//! `shared/examples`.

use super::*;
use std::path::PathBuf;

fn split(text: &str) -> Vec<&str> {
    split_sentences(text)
        .iter()
        .map(|s| s.as_str(text))
        .collect()
}

#[test]
fn plain_sentences_and_trimming() {
    let text = "  One sentence here.  Another one!\tA third?  ";
    assert_eq!(
        split(text),
        ["One sentence here.", "Another one!", "A third?"]
    );
    for span in split_sentences(text) {
        let s = &text[span.start..span.end];
        assert_eq!(s, s.trim());
    }
}

#[test]
fn empty_and_blank_text() {
    assert!(split_sentences("").is_empty());
    assert!(split_sentences(" \n\n\t ").is_empty());
    assert!(split_sentences("---\n***\n").is_empty());
}

#[test]
fn titles_do_not_end_sentences() {
    let text = "IRGC spokesman Brig. Gen. Ramezan Sharif has announced it. Commander Maj. Gen. \
                Hossein Salami warned. Mr. Smith and Dr. Jones met Gen. Soleimani. St. Louis won.";
    assert_eq!(
        split(text),
        [
            "IRGC spokesman Brig. Gen. Ramezan Sharif has announced it.",
            "Commander Maj. Gen. Hossein Salami warned.",
            "Mr. Smith and Dr. Jones met Gen. Soleimani.",
            "St. Louis won."
        ]
    );
}

#[test]
fn number_abbreviations() {
    let text = "He went to No. 10 Downing Street. It was Jan. 3 when it happened. No. It was not.";
    assert_eq!(
        split(text),
        [
            "He went to No. 10 Downing Street.",
            "It was Jan. 3 when it happened.",
            "No.",
            "It was not."
        ]
    );
}

#[test]
fn dotted_acronyms_and_times() {
    let text = "The U.S. drone hit. The U.S. President spoke at 9 a.m. Monday. He met the U.K. \
                envoy at 10 a.m. on Sunday. It struck the U.S. Iranian forces responded. \
                Talks, e.g. Geneva, failed.";
    assert_eq!(
        split(text),
        [
            "The U.S. drone hit.",
            "The U.S. President spoke at 9 a.m. Monday.",
            "He met the U.K. envoy at 10 a.m. on Sunday.",
            "It struck the U.S.",
            "Iranian forces responded.",
            "Talks, e.g. Geneva, failed."
        ]
    );
}

#[test]
fn initials() {
    let text = "George W. Bush met J. K. Rowling. They talked.";
    assert_eq!(
        split(text),
        ["George W. Bush met J. K. Rowling.", "They talked."]
    );
}

#[test]
fn decimals_money_and_percentages() {
    let text = "Profits rose 3.2% to $1.5bn (£0.8bn). Shares were 12.50p. Ratio 1.5:1 held.";
    assert_eq!(
        split(text),
        [
            "Profits rose 3.2% to $1.5bn (£0.8bn).",
            "Shares were 12.50p.",
            "Ratio 1.5:1 held."
        ]
    );
}

#[test]
fn quotes_and_brackets_after_the_full_stop() {
    let text = "He said: \"We will win.\" Then he left. (It rained.) “It is over.” She \
                agreed. \"Why?\" he asked. 'Now!' they said.";
    assert_eq!(
        split(text),
        [
            "He said: \"We will win.\"",
            "Then he left.",
            "(It rained.)",
            "“It is over.”",
            "She agreed.",
            "\"Why?\" he asked.",
            "'Now!' they said."
        ]
    );
}

#[test]
fn ellipses() {
    let text = "He waited... and waited. Nothing came… Then it did. Well... No.";
    assert_eq!(
        split(text),
        [
            "He waited... and waited.",
            "Nothing came… Then it did.",
            "Well...",
            "No."
        ]
    );
}

#[test]
fn headlines_and_datelines() {
    let text = "It’s Payback Time for U.S.\nTEHRAN/BAGHDAD – Thousands of Iraqis came. \
                They stayed.\n\nIRAN – (WARSOOR) – Leaders vowed revenge.";
    assert_eq!(
        split(text),
        [
            "It’s Payback Time for U.S.",
            "TEHRAN/BAGHDAD – Thousands of Iraqis came.",
            "They stayed.",
            "IRAN – (WARSOOR) – Leaders vowed revenge."
        ]
    );
}

#[test]
fn lines_without_terminal_punctuation_are_sentences() {
    let text = "Headline Without Stop\nWorld\nBody text starts here. It goes on";
    assert_eq!(
        split(text),
        [
            "Headline Without Stop",
            "World",
            "Body text starts here.",
            "It goes on"
        ]
    );
}

#[test]
fn hard_wrapped_lines_are_joined() {
    let text = "This sentence was wrapped\nat a fixed width. Next one.\r\nNew paragraph";
    assert_eq!(
        split(text),
        [
            "This sentence was wrapped\nat a fixed width.",
            "Next one.",
            "New paragraph"
        ]
    );
}

#[test]
fn bbc_blank_line_paragraphs() {
    let text = "Ethiopia produced 14.27 million tonnes of crops, a report says.\n\nIn 2003, \
                production totalled 11.49 million tonnes. Good rains helped.\n\nThe end";
    assert_eq!(
        split(text),
        [
            "Ethiopia produced 14.27 million tonnes of crops, a report says.",
            "In 2003, production totalled 11.49 million tonnes.",
            "Good rains helped.",
            "The end"
        ]
    );
}

#[test]
fn bullet_lines() {
    let text =
        "Key points:\n- First point here\n• Second point. With two sentences.\n* Third\n-5% fell.";
    assert_eq!(
        split(text),
        [
            "Key points:",
            "First point here",
            "Second point.",
            "With two sentences.",
            "Third",
            "-5% fell."
        ]
    );
}

#[test]
fn non_english_letters() {
    let text = "Der Präsident sprach in Zürich. Ärger folgte. Москва ответила. Éric a dit oui. \
                東京は晴れ。大阪は雨。";
    assert_eq!(
        split(text),
        [
            "Der Präsident sprach in Zürich.",
            "Ärger folgte.",
            "Москва ответила.",
            "Éric a dit oui.",
            "東京は晴れ。",
            "大阪は雨。"
        ]
    );
}

#[test]
fn windowed_uax29_matches_the_library() {
    let mut texts: Vec<String> = ["000", "001", "002", "003", "004"].map(example).into();
    texts.push(
        "No. 10 downing. U.S. Then \"Why?\" he asked.\"No!\" 3.2% (see p. 4.) and more... \
         end.The said.\"Hi\" 東京は晴れ。大阪 Ok?! Yes!? x.5 ‘A.’ B… c. ؟ d"
            .to_string(),
    );
    for text in &texts {
        for block in text.split('\n') {
            let ours: Vec<(usize, &str)> = uax29_pieces(block).collect();
            let lib: Vec<(usize, &str)> = block.split_sentence_bound_indices().collect();
            assert_eq!(ours, lib, "block {block:?}");
        }
    }
}

/// Finds `shared/examples` above the crate (`../shared` in the real repo).
fn examples_dir() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .map(|dir| dir.join("shared").join("examples"))
        .find(|dir| dir.is_dir())
        .unwrap_or_else(|| panic!("no shared/examples above {}", manifest.display()))
}

fn example(prefix: &str) -> String {
    let dir = examples_dir();
    let entry = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(Result::ok)
        .find(|e| e.file_name().to_string_lossy().starts_with(prefix))
        .unwrap_or_else(|| panic!("no example {prefix}* in {}", dir.display()));
    std::fs::read_to_string(entry.path()).unwrap_or_else(|e| panic!("{prefix}: {e}"))
}

fn assert_has(sentences: &[&str], wanted: &str) {
    assert!(
        sentences.contains(&wanted),
        "missing sentence {wanted:?} in {sentences:#?}"
    );
}

#[test]
fn real_examples_spans_are_trimmed_and_ordered() {
    for prefix in ["000", "001", "002", "003", "004"] {
        let text = example(prefix);
        let spans = split_sentences(&text);
        assert!(spans.len() > 10, "{prefix}: only {} sentences", spans.len());
        let mut last_end = 0;
        for span in &spans {
            assert!(span.start >= last_end && span.start < span.end);
            let s = &text[span.start..span.end];
            assert_eq!(s, s.trim(), "{prefix}: untrimmed {s:?}");
            assert!(!s.contains("\n\n"), "{prefix}: paragraph inside {s:?}");
            last_end = span.end;
        }
    }
}

#[test]
fn real_example_000_headline_lines() {
    let text = example("000");
    let s = split(&text);
    assert_eq!(s[0], "IranSyriaWest Asia");
    assert_eq!(
        s[1],
        "Soleimani’s death ‘pumped new blood into the veins of the Resistance’: Iran envoy to Syria"
    );
    assert!(s[2].starts_with("The Islamic Republic marked"));
    assert!(s[2].ends_with("in Iraq and Syria."));
}

#[test]
fn real_example_002_titles_and_captions() {
    let text = example("002");
    let s = split(&text);
    assert_eq!(s[0], "Sputnik International");
    assert_eq!(s[1], "World");
    assert!(s
        .iter()
        .any(|x| x.starts_with("© AFP 2023 / STRINGERMembers")));
    assert!(s
        .iter()
        .any(|x| x.contains("IRGC spokesman Brig. Gen. Ramezan Sharif has announced.")));
    assert!(s
        .iter()
        .any(|x| x.contains("Maj. Gen. Hossein Salami warned")));
    assert_has(&s, "Subscribe");
}

#[test]
fn real_example_003_dateline_and_us() {
    let text = example("003");
    let s = split(&text);
    assert!(s[1].starts_with("IRAN – (WARSOOR) – Iranian leaders have maintained"));
    assert!(s
        .iter()
        .any(|x| x.ends_with("as regime leaders continue to vow revenge against the U.S.")));
    assert!(s
        .iter()
        .any(|x| x.starts_with("Iranian forces responded to the strike in January")));
    assert!(s
        .iter()
        .any(|x| x.contains("accused the U.S. of complicity")));
}

#[test]
fn real_example_004_headline_ending_in_acronym() {
    let text = example("004");
    let s = split(&text);
    assert_eq!(s[0], "It’s Payback Time for U.S.");
    assert!(s[1].starts_with("TEHRAN/BAGHDAD – Thousands of Iraqis"));
    assert!(s[1].ends_with("in a U.S. drone stroke in January 2020."));
    assert!(s
        .iter()
        .any(|x| x.contains("to commemorate Gen. Soleimani and his companions")));
}

#[test]
fn real_example_001_quotes() {
    let text = example("001");
    let s = split(&text);
    assert!(s[0].ends_with("“will pay back for their crime.”"));
    assert!(s.iter().all(|x| !x.starts_with('”')));
}

#[test]
fn first_sentences_are_the_start_of_the_full_split() {
    let mut texts: Vec<String> = vec![
        String::new(),
        "One sentence.".into(),
        "Gen. Smith spoke.\nA second line. A third.\n\n- a bullet\nwrapped here. Last one?".into(),
        "No breaks at all in this one".into(),
    ];
    texts.extend(["000", "001", "002", "003", "004"].map(example));
    for text in &texts {
        let all = split_sentences(text);
        for count in 0..=all.len() + 1 {
            let expected = &all[..count.min(all.len())];
            assert_eq!(
                first_sentences(text, count),
                expected,
                "{count} of {text:?}"
            );
        }
    }
}

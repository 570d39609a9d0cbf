//! The alias file: resolving targets, refusing malformed files, the shipped file.

use super::*;

#[test]
fn targets_resolve_by_name_or_alias_in_any_case() {
    let us = shipped().resolve("United States").expect("United States");
    for target in [
        "US",
        "U.S.",
        "usa",
        "America",
        "the United States",
        "UNITED STATES",
    ] {
        let entry = shipped().resolve(target).map(|e| &e.name);
        assert_eq!(entry, Some(&us.name), "{target}");
    }
    assert_eq!(
        shipped().resolve("Turkey").map(|e| e.kind),
        Some(EntryKind::Country)
    );
    assert_eq!(
        shipped()
            .resolve("Revolutionary Guards")
            .map(|e| e.name.as_str()),
        Some("Islamic Revolutionary Guard Corps")
    );
    // Demonyms and capitals are not names: "Iranian" and "Tehran" are no tabled targets.
    assert!(shipped().resolve("Iranian").is_none());
    assert!(shipped().resolve("Tehran").is_none());
    assert!(shipped().resolve("Qasem Soleimani").is_none());
}

#[test]
fn malformed_files_are_refused_with_file_and_line() {
    let ok = r#"{"name": "Iran", "kind": "country", "aliases": ["Persia"]}"#;
    let cases = [
        (
            format!("{ok}\n{{\"name\": \"X\"}}"),
            "test.jsonl:2: not an alias entry",
        ),
        (
            format!("{ok}\nnot json"),
            "test.jsonl:2: not an alias entry",
        ),
        (
            format!("{ok}\n{{\"name\": \"X\", \"kind\": \"planet\"}}"),
            "test.jsonl:2",
        ),
        (
            format!("{ok}\n{{\"name\": \"X\", \"kind\": \"group\", \"alias\": []}}"),
            "unknown field",
        ),
        (
            format!("{ok}\n{{\"name\": \"X\", \"kind\": \"group\", \"aliases\": [\" - \"]}}"),
            "test.jsonl:2: empty aliases entry \" - \"",
        ),
        (
            format!("# c\n{ok}\n{{\"name\": \"persia\", \"kind\": \"group\"}}"),
            "test.jsonl:3: \"persia\" already names \"Iran\" (line 2)",
        ),
        ("# only a comment\n\n".to_string(), "holds no entry"),
    ];
    for (text, expected) in cases {
        let error = table(&text).expect_err(&text).to_string();
        assert!(error.contains(expected), "{error:?} lacks {expected:?}");
        assert!(error.len() < 300, "{error}");
    }
    let missing = AliasTable::load(Path::new("/nonexistent/aliases.jsonl")).expect_err("missing");
    assert!(
        missing.to_string().contains("/nonexistent/aliases.jsonl"),
        "{missing}"
    );
}

#[test]
fn the_shipped_file_parses_line_by_line_and_holds_the_expected_entries() {
    let text = std::fs::read_to_string(shipped_path()).expect("aliases.jsonl");
    for (i, line) in text.lines().enumerate() {
        if !line.starts_with('#') {
            table(line).unwrap_or_else(|e| panic!("line {}: {e}", i + 1));
        }
    }
    let table = shipped();
    let count = |kind| table.entries().iter().filter(|e| e.kind == kind).count();
    assert!(count(EntryKind::Country) >= 193, "every sovereign state");
    assert!(count(EntryKind::Organisation) + count(EntryKind::Group) >= 40);
    let iran = table.resolve("Iran").expect("Iran");
    assert_eq!(iran.capitals, ["Tehran"]);
    assert!(iran.demonyms.contains(&"Iranians".to_string()));
    for (target, name) in [
        ("Pentagon", "United States Department of Defense"),
        ("ISIS", "Islamic State"),
        ("Taleban", "Taliban"),
        ("Hizbollah", "Hezbollah"),
        ("IAEA", "International Atomic Energy Agency"),
        ("Britain", "United Kingdom"),
    ] {
        assert_eq!(
            table.resolve(target).map(|e| e.name.as_str()),
            Some(name),
            "{target}"
        );
    }
    assert!(table.entries().iter().all(|e| e.source.is_some()));
}

//! Where a record's text mentions its target: the character offsets some corpora carry
//! (NewsMTSC's `target_start` / `target_end` and `further_mentions`) turned into the byte
//! ranges a [`Document`](crate::text::Document) holds, so that training and evaluation read the
//! same mention positions the service finds at serving time.

use std::ops::Range;

use super::Record;

/// The offsets fields of a record, for the target field `target`: `{target}_start`,
/// `{target}_end` and `further_mentions` (a list of `{start, end}`).
pub(super) struct OffsetFields {
    start: String,
    end: String,
}

impl OffsetFields {
    /// The offsets fields that go with the target field named `target`.
    pub(super) fn for_target(target: &str) -> Self {
        Self {
            start: format!("{target}_start"),
            end: format!("{target}_end"),
        }
    }
}

/// Name of the list of further (coreferent) mentions.
const FURTHER_MENTIONS: &str = "further_mentions";

/// The byte ranges of the mentions `record` gives for `text`, taken out of the record: the
/// target's span first, then the further mentions in order; a span that is empty or overlaps
/// one already taken is dropped; the result is sorted by start. No offsets fields = no
/// mentions. An offset that is not a whole number, lies past the text's end or ends before it
/// starts is an error (its message names the field).
pub(super) fn take_mentions(
    record: &mut Record,
    fields: &OffsetFields,
    text: &str,
) -> Result<Vec<Range<usize>>, String> {
    let start = record.remove(&fields.start);
    let end = record.remove(&fields.end);
    let further = record.remove(FURTHER_MENTIONS);
    let mut spans = Vec::new();
    match (start, end) {
        (None | Some(serde_json::Value::Null), None | Some(serde_json::Value::Null)) => {}
        (Some(start), Some(end)) => spans.push((
            offset(&start, &fields.start)?,
            offset(&end, &fields.end)?,
            fields.start.as_str(),
        )),
        (Some(_), _) => return Err(format!("field `{}` has no `{}`", fields.start, fields.end)),
        (_, Some(_)) => return Err(format!("field `{}` has no `{}`", fields.end, fields.start)),
    }
    match further {
        None | Some(serde_json::Value::Null) => {}
        Some(serde_json::Value::Array(list)) => {
            for item in list {
                let (Some(start), Some(end)) = (item.get("start"), item.get("end")) else {
                    return Err(format!(
                        "field `{FURTHER_MENTIONS}`: {item} lacks `start` or `end`"
                    ));
                };
                spans.push((
                    offset(start, FURTHER_MENTIONS)?,
                    offset(end, FURTHER_MENTIONS)?,
                    FURTHER_MENTIONS,
                ));
            }
        }
        Some(other) => {
            return Err(format!(
                "field `{FURTHER_MENTIONS}` is {other}, expected a list"
            ))
        }
    }
    if spans.is_empty() {
        return Ok(Vec::new());
    }
    // Byte offset of every character offset 0..=chars.
    let bytes: Vec<usize> = text
        .char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(text.len()))
        .collect();
    let mut kept: Vec<Range<usize>> = Vec::with_capacity(spans.len());
    for (start, end, field) in spans {
        let chars = bytes.len() - 1;
        if start > end || end > chars {
            return Err(format!(
                "field `{field}`: span {start}..{end} does not fit a text of {chars} characters"
            ));
        }
        let span = bytes[start]..bytes[end];
        if !span.is_empty()
            && kept
                .iter()
                .all(|k| span.end <= k.start || span.start >= k.end)
        {
            kept.push(span);
        }
    }
    kept.sort_by_key(|span| span.start);
    Ok(kept)
}

/// A character offset: a whole number >= 0 (in CSV, whose cells are strings, written as one).
fn offset(value: &serde_json::Value, field: &str) -> Result<usize, String> {
    let number = match value {
        serde_json::Value::String(cell) => cell.trim().parse::<u64>().ok(),
        other => other.as_u64(),
    };
    number
        .and_then(|n| usize::try_from(n).ok())
        .ok_or_else(|| format!("field `{field}` is {value}, expected a character offset"))
}

// A list holding one mention is meant, not the range's numbers.
#[allow(clippy::single_range_in_vec_init)]
#[cfg(test)]
mod tests {
    use super::*;

    fn mentions(json: &str, text: &str) -> Result<Vec<Range<usize>>, String> {
        let mut record: Record = serde_json::from_str(json).expect("json");
        take_mentions(&mut record, &OffsetFields::for_target("target"), text)
    }

    #[test]
    fn character_offsets_become_byte_ranges() {
        // "Zürich" has a two-byte ü: character 9 is byte 10.
        let text = "Zürich's Iran, and Iran.";
        let got = mentions(r#"{"target_start": 9, "target_end": 13}"#, text).expect("ok");
        assert_eq!(got, [10..14]);
        assert_eq!(&text[got[0].clone()], "Iran");
        assert!(mentions("{}", text).expect("none").is_empty());
    }

    #[test]
    fn further_mentions_are_added_sorted_without_overlaps_or_empty_spans() {
        let text = "Iran said Iran and Iran";
        let json = r#"{"target_start": 10, "target_end": 14, "further_mentions":
            [{"start": 19, "end": 23}, {"start": 0, "end": 4}, {"start": 11, "end": 16},
             {"start": 5, "end": 5}]}"#;
        assert_eq!(mentions(json, text).expect("ok"), [0..4, 10..14, 19..23]);
    }

    #[test]
    fn bad_offsets_are_refused_with_the_field_named() {
        let text = "Iran";
        for (json, expected) in [
            (
                r#"{"target_start": 0, "target_end": 9}"#,
                "`target_start`: span 0..9",
            ),
            (r#"{"target_start": 3, "target_end": 1}"#, "span 3..1"),
            (
                r#"{"target_start": -1, "target_end": 1}"#,
                "`target_start` is -1",
            ),
            (r#"{"target_start": 0}"#, "has no `target_end`"),
            (
                r#"{"target_end": 1.5, "target_start": 0}"#,
                "`target_end` is 1.5",
            ),
            (r#"{"further_mentions": 3}"#, "expected a list"),
            (
                r#"{"further_mentions": [{"start": 1}]}"#,
                "lacks `start` or `end`",
            ),
        ] {
            let err = mentions(json, text).expect_err(json);
            assert!(err.contains(expected), "{json}: {err}");
        }
    }
}

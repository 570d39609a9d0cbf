//! What training read, said before it fits: the label field and its classes with their
//! counts, the text fields and how many records fill them, the fields it did not read, the
//! groups validation keeps whole, and warnings for the traps of a new corpus (a field that
//! could be the label, a field that looks like a grouping that was not asked for).

use crate::corpus::{groups, FieldNames, LabeledData};
use crate::features::TargetFeatures;

/// Fields with at most this many distinct values may be an alternative label.
const LABEL_LIKE_VALUES: usize = 50;

/// The lines to print about `data` before fitting (`labels` sorted, `targets` the index of
/// each example's label).
pub(super) fn describe_data(
    data: &LabeledData,
    fields: &FieldNames,
    labels: &[String],
    targets: &[usize],
) -> Vec<String> {
    let rows = data.examples.len();
    let mut counts = vec![0usize; labels.len()];
    for t in targets {
        counts[*t] += 1;
    }
    let classes: Vec<String> = labels
        .iter()
        .zip(&counts)
        .map(|(l, c)| format!("{l} {c}"))
        .collect();
    let filled =
        |f: &dyn Fn(&crate::corpus::Example) -> bool| data.examples.iter().filter(|e| f(e)).count();
    let mut lines = vec![
        format!(
            "{rows} records; label field `{}`, {} classes: {}",
            data.label_field,
            labels.len(),
            classes.join(", ")
        ),
        format!(
            "text fields read: `{}` ({rows} records), `{}` ({} records), target `{}` ({} records)",
            fields.text,
            fields.title,
            filled(&|e| !e.title.is_empty()),
            fields.target,
            filled(&|e| e.target.is_some()),
        ),
    ];
    if !data.other_fields.is_empty() {
        let others: Vec<String> = data
            .other_fields
            .iter()
            .map(|f| format!("`{}` ({} values)", f.name, f.distinct))
            .collect();
        lines.push(format!("fields not read: {}", others.join(", ")));
    }
    let group_count = groups::group_rows(&data.examples, &(0..rows).collect::<Vec<_>>(), 0).len();
    match &fields.group {
        Some(field) => lines.push(format!(
            "groups kept whole in validation: {} (identical texts joined with the {} values of `{field}`; {} records have none)",
            group_count,
            groups::distinct_group_values(&data.examples),
            filled(&|e| e.group.is_none()),
        )),
        None => lines.push(format!(
            "groups kept whole in validation: {} (identical texts only; --group-field adds a field)",
            group_count,
        )),
    }
    for field in &data.other_fields {
        let label_like = fields.label.is_none()
            && field.present == rows
            && (2..=LABEL_LIKE_VALUES).contains(&field.distinct);
        if label_like {
            lines.push(format!(
                "warning: field `{}` ({} values in every record) could be the label too; \
                 training reads `{}` — pass --label-field {} if that is the one meant",
                field.name, field.distinct, data.label_field, field.name
            ));
        }
        if fields.group.is_none() && field.looks_like_group(rows) {
            lines.push(format!(
                "warning: field `{}` has {} values shared by {} records: if records sharing one \
                 are related (an outlet, author or event), pass --group-field {} so that the \
                 validation figures estimate performance on unseen ones",
                field.name, field.distinct, field.present, field.name
            ));
        }
    }
    lines
}

/// The line saying which target features training chose by itself, and why.
pub(super) fn describe_target_default(
    chosen: &TargetFeatures,
    seen: &super::TargetsSeen,
    fields: &FieldNames,
) -> String {
    let target = &fields.target;
    match chosen {
        TargetFeatures::Mention(_) => format!(
            "target features: mention (the data says where the text mentions `{target}`: \
             `{target}_start`/`{target}_end`); --target-features per-target to ignore the offsets"
        ),
        TargetFeatures::PerTarget if seen.records == 0 => format!(
            "target features: per-target (the data has `{target}`, though not in its first \
             records); --target-features claim if the targets are claims"
        ),
        TargetFeatures::PerTarget => format!(
            "target features: per-target (the data has {} distinct `{target}` values in {} \
             records and no mention offsets); --target-features claim if the targets are claims",
            seen.distinct, seen.records
        ),
        TargetFeatures::Claim => format!(
            "target features: claim (the data has {} distinct `{target}` values in {} records: \
             more than {} targets, fewer than {} records each, too few for weights of their \
             own); --target-features per-target to give each its own weights",
            seen.distinct,
            seen.records,
            super::CLAIM_MIN_TARGETS,
            super::CLAIM_RECORDS_PER_TARGET
        ),
        TargetFeatures::Ignore => "target features: none (the data has no targets)".to_string(),
    }
}

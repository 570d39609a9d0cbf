//! Human-readable evaluation report for the terminal.

use std::fmt::Write;

use super::metrics::Evaluation;

/// Renders figures as an aligned plain-text report.
pub fn render(evaluation: &Evaluation) -> String {
    let mut out = String::new();
    let width = evaluation
        .labels
        .iter()
        .map(String::len)
        .max()
        .unwrap_or(5)
        .max(9);
    let _ = writeln!(out, "documents            {}", evaluation.documents);
    let _ = writeln!(out, "accuracy             {:.4}", evaluation.accuracy);
    let _ = writeln!(out, "macro-F1             {:.4}", evaluation.macro_f1);
    if let Some(official) = &evaluation.official {
        let _ = writeln!(out, "{:<20} {:.2}", official.name, official.value);
    }
    let _ = writeln!(
        out,
        "calibration error    {:.4} (ECE, {} bins)",
        evaluation.expected_calibration_error,
        super::metrics::CALIBRATION_BINS
    );
    let _ = writeln!(
        out,
        "\n{:<width$}  precision  recall     f1  support",
        "class"
    );
    for c in &evaluation.per_class {
        let _ = writeln!(
            out,
            "{:<width$}  {:>9.4}  {:>6.4}  {:>5.4}  {:>7}",
            c.label, c.precision, c.recall, c.f1, c.support
        );
    }
    let _ = writeln!(out, "\nconfusion matrix (rows: truth, columns: predicted)");
    let _ = write!(out, "{:<width$}", "");
    for label in &evaluation.labels {
        let _ = write!(out, " {label:>width$}");
    }
    out.push('\n');
    for (label, row) in evaluation.labels.iter().zip(&evaluation.confusion) {
        let _ = write!(out, "{label:<width$}");
        for count in row {
            let _ = write!(out, " {count:>width$}");
        }
        out.push('\n');
    }
    out
}

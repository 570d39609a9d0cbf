//! `docclass evaluate --report report.html`: one self-contained HTML page (inline CSS and
//! SVG, no scripts, no external files) with the figures, the confusion heat map, per-class
//! bars, the reliability diagram and the worst misclassified documents.

use std::fmt::Write;
use std::path::Path;

use super::charts::{self, ChartError};
use super::metrics::CALIBRATION_BINS;
use super::predictions::{self, DetailedEvaluation};

/// Misclassified documents listed, most confident first.
pub const WORST_SHOWN: usize = 15;
/// Characters of a document shown in the list of mistakes.
const EXCERPT_CHARS: usize = 300;

/// Renders the report page for `detailed` (the model evaluated on `data`).
pub fn render_html(detailed: &DetailedEvaluation, data: &Path) -> Result<String, ChartError> {
    let e = &detailed.evaluation;
    let bins = predictions::reliability(&detailed.examples, CALIBRATION_BINS);
    let mut page = String::new();
    let title = format!(
        "docclass evaluation: {} on {}",
        detailed.model,
        data.display()
    );
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>{}</title><style>{STYLE}</style></head><body>\n<h1>{}</h1>\n",
        escape(&title),
        escape(&title)
    );
    let _ = write!(
        page,
        "<table class=\"figures\"><tr><th>documents</th><td>{}</td></tr>\
         <tr><th>accuracy</th><td>{:.4}</td></tr><tr><th>macro-F1</th><td>{:.4}</td></tr>",
        e.documents, e.accuracy, e.macro_f1
    );
    if let Some(official) = &e.official {
        let _ = write!(
            page,
            "<tr><th>{}</th><td>{:.2}</td></tr>",
            escape(official.name),
            official.value
        );
    }
    let _ = writeln!(
        page,
        "<tr><th>calibration error (ECE, {CALIBRATION_BINS} bins)</th><td>{:.4}</td></tr></table>",
        e.expected_calibration_error
    );
    let _ = writeln!(
        page,
        "<section class=\"charts\"><figure>{}</figure><figure>{}</figure><figure>{}</figure></section>",
        charts::confusion_heatmap(&e.labels, &e.confusion)?,
        charts::class_bars(&e.per_class)?,
        charts::reliability_diagram(&bins)?
    );
    page.push_str(
        "<h2>Per class</h2><table><tr><th>class</th><th>precision</th><th>recall</th>\
         <th>F1</th><th>support</th></tr>",
    );
    for c in &e.per_class {
        let _ = write!(
            page,
            "<tr><td>{}</td><td>{:.4}</td><td>{:.4}</td><td>{:.4}</td><td>{}</td></tr>",
            escape(&c.label),
            c.precision,
            c.recall,
            c.f1,
            c.support
        );
    }
    page.push_str("</table>\n");
    let worst = predictions::worst_mistakes(&detailed.examples, WORST_SHOWN);
    let _ = write!(
        page,
        "<h2>Worst misclassified documents</h2><p>The {} wrong predictions the model was most \
         confident about.</p><table class=\"mistakes\"><tr><th>line</th><th>true</th>\
         <th>predicted</th><th>confidence</th><th>document</th></tr>",
        worst.len()
    );
    let label = |i: usize| escape(e.labels.get(i).map_or("?", String::as_str));
    for m in &worst {
        let mut document = String::new();
        if !m.title.is_empty() {
            let _ = write!(document, "<b>{}</b> ", escape(&m.title));
        }
        if let Some(target) = &m.target {
            let _ = write!(document, "<i>[target: {}]</i> ", escape(target));
        }
        document.push_str(&escape(&excerpt(&m.text, EXCERPT_CHARS)));
        let _ = write!(
            page,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{:.3}</td><td>{document}</td></tr>",
            m.line,
            label(m.truth),
            label(m.predicted),
            m.confidence
        );
    }
    page.push_str("</table>\n</body></html>\n");
    Ok(page)
}

const STYLE: &str = "body{font-family:sans-serif;margin:24px;color:#222}\
h1{font-size:22px}h2{font-size:18px;margin-top:28px}\
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:4px 8px;\
text-align:left;vertical-align:top}th{background:#f2f2f2}\
table.figures td{text-align:right}table.mistakes td:last-child{max-width:700px;font-size:13px}\
section.charts{display:flex;flex-wrap:wrap;gap:16px}figure{margin:0}";

/// `text` with HTML's special characters escaped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The first `limit` characters of `text`, whitespace collapsed, with an ellipsis if cut.
fn excerpt(text: &str, limit: usize) -> String {
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match collapsed.char_indices().nth(limit) {
        Some((end, _)) => format!("{}…", &collapsed[..end]),
        None => collapsed,
    }
}

#[cfg(test)]
mod tests {
    use super::{escape, excerpt};

    #[test]
    fn text_is_escaped_and_cut() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(excerpt("one  two\nthree", 7), "one two…");
        assert_eq!(excerpt("short", 10), "short");
    }
}

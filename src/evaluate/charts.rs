//! The evaluation report's charts, drawn with plotters into SVG strings that the HTML page
//! embeds inline (no external files, no scripts).

use plotters::coord::Shift;
use plotters::prelude::*;

use super::metrics::ClassMetrics;
use super::predictions::ReliabilityBin;

/// Why a chart could not be drawn.
pub type ChartError = Box<dyn std::error::Error>;

const PRECISION: RGBColor = RGBColor(31, 119, 180);
const RECALL: RGBColor = RGBColor(255, 127, 14);
const F1: RGBColor = RGBColor(44, 160, 44);

fn draw<F>(width: u32, height: u32, paint: F) -> Result<String, ChartError>
where
    F: FnOnce(&DrawingArea<SVGBackend, Shift>) -> Result<(), ChartError>,
{
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        root.fill(&WHITE)?;
        paint(&root)?;
        root.present()?;
    }
    Ok(svg)
}

/// A colour from white (0) to dark blue (1).
fn heat(value: f64) -> RGBColor {
    let v = value.clamp(0.0, 1.0);
    let channel = |from: f64, to: f64| (from + (to - from) * v).round() as u8;
    RGBColor(
        channel(247.0, 8.0),
        channel(251.0, 48.0),
        channel(255.0, 107.0),
    )
}

/// The confusion matrix as a heat map; cells coloured by the share of their row (recall).
pub fn confusion_heatmap(labels: &[String], confusion: &[Vec<u64>]) -> Result<String, ChartError> {
    let k = labels.len();
    let side = (120 + 90 * k as u32).min(900);
    draw(side + 60, side, |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(10)
            .x_label_area_size(60)
            .y_label_area_size(110)
            .caption("Confusion matrix (row-normalised)", ("sans-serif", 18))
            .build_cartesian_2d(
                // Integer ranges are inclusive in plotters: k cells are 0..=k-1.
                (0..k.saturating_sub(1)).into_segmented(),
                (0..k.saturating_sub(1)).into_segmented(),
            )?;
        // Row t of the matrix is drawn at y = k - 1 - t, so the first label is on top.
        let label = |v: &SegmentValue<usize>, flip: bool| match v {
            SegmentValue::CenterOf(i) => {
                let index = if flip {
                    k.checked_sub(1 + *i)
                } else {
                    Some(*i)
                };
                index
                    .and_then(|j| labels.get(j))
                    .cloned()
                    .unwrap_or_default()
            }
            _ => String::new(),
        };
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(k)
            .y_labels(k)
            .x_desc("predicted")
            .y_desc("true")
            .x_label_formatter(&|v| label(v, false))
            .y_label_formatter(&|v| label(v, true))
            .label_style(("sans-serif", 13))
            .draw()?;
        for (t, row) in confusion.iter().enumerate() {
            let total: u64 = row.iter().sum();
            let y = k - 1 - t;
            for (p, count) in row.iter().enumerate() {
                let share = if total > 0 {
                    *count as f64 / total as f64
                } else {
                    0.0
                };
                let (x0, y0) = (SegmentValue::Exact(p), SegmentValue::Exact(y));
                let (x1, y1) = (SegmentValue::Exact(p + 1), SegmentValue::Exact(y + 1));
                let (left, top) = chart.backend_coord(&(x0.clone(), y1.clone()));
                let (right, bottom) = chart.backend_coord(&(x1.clone(), y0.clone()));
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(x0, y0), (x1, y1)],
                    heat(share).filled(),
                )))?;
                let colour = if share > 0.5 { WHITE } else { BLACK };
                let text = count.to_string();
                root.draw(&Text::new(
                    text.clone(),
                    (
                        (left + right) / 2 - 4 * text.len() as i32,
                        (top + bottom) / 2 - 8,
                    ),
                    ("sans-serif", 16).into_font().color(&colour),
                ))?;
            }
        }
        Ok(())
    })
}

/// Precision, recall and F1 of each class as grouped bars.
pub fn class_bars(classes: &[ClassMetrics]) -> Result<String, ChartError> {
    let k = classes.len();
    // Four slots per class: precision, recall, F1 and a gap.
    let slots = 4 * k;
    draw((140 + 110 * k as u32).min(1000), 360, |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(50)
            .caption("Per-class precision, recall and F1", ("sans-serif", 18))
            .build_cartesian_2d((0..slots.saturating_sub(2)).into_segmented(), 0.0..1.35)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(TRANSPARENT)
            .x_labels(slots)
            .x_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) if i % 4 == 1 => classes
                    .get(i / 4)
                    .map(|c| c.label.clone())
                    .unwrap_or_default(),
                _ => String::new(),
            })
            .y_label_formatter(&|v| format!("{v:.1}"))
            .label_style(("sans-serif", 13))
            .draw()?;
        for (series, colour, name) in [
            (0, PRECISION, "precision"),
            (1, RECALL, "recall"),
            (2, F1, "F1"),
        ] {
            chart
                .draw_series(classes.iter().enumerate().map(|(c, m)| {
                    let value = [m.precision, m.recall, m.f1][series];
                    let x = 4 * c + series;
                    Rectangle::new(
                        [
                            (SegmentValue::Exact(x), 0.0),
                            (SegmentValue::Exact(x + 1), value),
                        ],
                        colour.filled(),
                    )
                }))?
                .label(name)
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 10, y + 5)], colour.filled())
                });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperMiddle)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font(("sans-serif", 13))
            .draw()?;
        Ok(())
    })
}

/// Reliability diagram: accuracy of each confidence bin against the diagonal of perfect
/// calibration; bar width is the bin, the dot sits at the bin's mean confidence.
pub fn reliability_diagram(bins: &[ReliabilityBin]) -> Result<String, ChartError> {
    draw(520, 440, |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(10)
            .x_label_area_size(45)
            .y_label_area_size(50)
            .caption("Reliability (calibration)", ("sans-serif", 18))
            .build_cartesian_2d(0.0..1.0, 0.0..1.0)?;
        chart
            .configure_mesh()
            .light_line_style(TRANSPARENT)
            .x_desc("confidence of the predicted label")
            .y_desc("accuracy")
            .x_label_formatter(&|v| format!("{v:.1}"))
            .y_label_formatter(&|v| format!("{v:.1}"))
            .label_style(("sans-serif", 13))
            .draw()?;
        let used: Vec<&ReliabilityBin> = bins.iter().filter(|b| b.count > 0).collect();
        chart
            .draw_series(used.iter().map(|b| {
                Rectangle::new(
                    [(b.lower, 0.0), (b.upper, b.accuracy)],
                    PRECISION.mix(0.55).filled(),
                )
            }))?
            .label("accuracy per bin")
            .legend(|(x, y)| {
                Rectangle::new([(x, y - 5), (x + 10, y + 5)], PRECISION.mix(0.55).filled())
            });
        chart
            .draw_series(LineSeries::new(
                [(0.0, 0.0), (1.0, 1.0)],
                RED.stroke_width(2),
            ))?
            .label("perfect calibration")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 14, y)], RED.stroke_width(2)));
        chart.draw_series(
            used.iter()
                .map(|b| Circle::new((b.confidence, b.accuracy), 4, BLACK.filled())),
        )?;
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font(("sans-serif", 13))
            .draw()?;
        Ok(())
    })
}

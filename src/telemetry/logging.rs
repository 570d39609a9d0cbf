//! Log output for every subcommand: human-readable lines by default, one JSON object per
//! line for log collectors. Level filtering follows `RUST_LOG` (default `info`).
//!
//! Lines are formatted on the thread that logs them and written to standard error by a
//! dedicated thread, so a slow log pipe (a container runtime's, a terminal) never stalls a
//! request, and lines logged together leave in one write (at DEBUG the server logs a line
//! per request).

use tracing_appender::non_blocking::{NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::filter::{FilterExt, Targets};
use tracing_subscriber::layer::{Filter, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{fmt, EnvFilter, Layer, Registry};

/// How log lines are written (to standard error).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LogFormat {
    /// Aligned human-readable lines, coloured on a terminal.
    #[default]
    Text,
    /// One JSON object per line, with the fields of the enclosing request span.
    Json,
}

/// Keeps the log-writing thread alive; dropping it writes out the lines still queued.
/// Hold it until the process exits.
#[must_use = "dropping the guard stops log output"]
pub struct LogGuard {
    _writer: WorkerGuard,
}

/// Lines queued for the writer thread before logging threads wait for it (no line is
/// dropped: past this, logging applies backpressure instead).
const QUEUED_LINES: usize = 64 * 1024;

/// The writer thread's buffer: lines queued together leave in one write, and the buffer is
/// flushed whenever the queue is empty, so a line is never held back.
const WRITE_BUFFER_BYTES: usize = 64 * 1024;

/// Installs the process-wide log subscriber, writing `format` lines through the writer thread.
pub fn init_logging(format: LogFormat) -> LogGuard {
    let (writer, guard) = NonBlockingBuilder::default()
        .lossy(false)
        .buffered_lines_limit(QUEUED_LINES)
        .thread_name("docclass-log")
        .finish(std::io::BufWriter::with_capacity(
            WRITE_BUFFER_BYTES,
            std::io::stderr(),
        ));
    let lines = match format {
        LogFormat::Text => fmt::layer()
            .with_writer(writer)
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .boxed(),
        LogFormat::Json => fmt::layer()
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .with_writer(writer)
            .boxed(),
    };
    let filter = level_filter(std::env::var(EnvFilter::DEFAULT_ENV).ok().as_deref());
    tracing_subscriber::registry()
        .with(lines.with_filter(filter))
        .init();
    LogGuard { _writer: guard }
}

/// The level filter of `RUST_LOG` (`info` when unset or invalid).
///
/// Directives of targets and levels only (`info,h2=warn`, the usual case) give a
/// [`Targets`] filter. [`EnvFilter`] is used only for the directives that need it (span names
/// or fields, `docclass[request]=debug`): it takes a process-wide lock on every span enter,
/// exit and close, which every request would pay (tracing-subscriber 0.3.23).
fn level_filter(spec: Option<&str>) -> Box<dyn Filter<Registry> + Send + Sync> {
    const DEFAULT: &str = "info";
    let spec = spec.filter(|s| !s.trim().is_empty()).unwrap_or(DEFAULT);
    // `Targets` would read `target[span{field}]` as a plain target name.
    let names_spans = spec.contains(['[', '{']);
    match spec.parse::<Targets>() {
        Ok(targets) if !names_spans => FilterExt::boxed(targets),
        _ => FilterExt::boxed(EnvFilter::try_new(spec).unwrap_or_else(|_| EnvFilter::new(DEFAULT))),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use tracing_subscriber::filter::LevelFilter;
    use tracing_subscriber::layer::Context;

    use super::*;

    fn most_verbose(spec: Option<&str>) -> Option<LevelFilter> {
        Filter::<Registry>::max_level_hint(&level_filter(spec))
    }

    /// Counts the events that pass the filter it is given.
    struct Count(Arc<AtomicUsize>);

    impl<S: tracing::Subscriber> Layer<S> for Count {
        fn on_event(&self, _: &tracing::Event<'_>, _: Context<'_, S>) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Which of three DEBUG events `spec` lets through: in `docclass::telemetry`, elsewhere
    /// in `docclass`, and elsewhere in `docclass` inside a span named `request`.
    fn debug_events_passed(spec: &str) -> [bool; 3] {
        let passed = |emit: fn()| {
            let count = Arc::new(AtomicUsize::new(0));
            let layer = Count(Arc::clone(&count)).with_filter(level_filter(Some(spec)));
            tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), emit);
            count.load(Ordering::Relaxed) > 0
        };
        [
            passed(|| tracing::debug!(target: "docclass::telemetry", "telemetry")),
            passed(|| tracing::debug!(target: "docclass::model", "model")),
            passed(|| {
                tracing::info_span!(target: "docclass::service", "request")
                    .in_scope(|| tracing::debug!(target: "docclass::model", "in a request"))
            }),
        ]
    }

    #[test]
    fn unset_blank_or_invalid_means_info() {
        for spec in [None, Some(""), Some("  "), Some("docclass=loud")] {
            assert_eq!(most_verbose(spec), Some(LevelFilter::INFO), "{spec:?}");
        }
    }

    #[test]
    fn target_directives_set_the_levels() {
        assert_eq!(most_verbose(Some("error")), Some(LevelFilter::ERROR));
        assert_eq!(
            debug_events_passed("warn,docclass::telemetry=debug"),
            [true, false, false]
        );
    }

    #[test]
    fn span_directives_still_filter_by_span() {
        // `Targets` would take `docclass[request]` for a target name; `EnvFilter` reads it.
        assert_eq!(
            debug_events_passed("info,docclass[request]=debug"),
            [false, false, true]
        );
    }
}

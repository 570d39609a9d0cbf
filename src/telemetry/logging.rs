//! Log output for every subcommand: human-readable lines by default, one JSON object per
//! line for log collectors. Level filtering follows `RUST_LOG` (default `info`).
//!
//! Lines are formatted on the thread that logs them and written to standard error by a
//! dedicated thread, so a slow log pipe (a container runtime's, a terminal) never stalls a
//! request, and lines logged together leave in one write (at DEBUG the server logs a line
//! per request).

use tracing_appender::non_blocking::{NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::EnvFilter;

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

/// Installs the process-wide log subscriber.
pub fn init_logging(format: LogFormat) -> LogGuard {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let (writer, guard) = NonBlockingBuilder::default()
        .lossy(false)
        .buffered_lines_limit(QUEUED_LINES)
        .thread_name("docclass-log")
        .finish(std::io::BufWriter::with_capacity(
            WRITE_BUFFER_BYTES,
            std::io::stderr(),
        ));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    match format {
        LogFormat::Text => builder
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .init(),
        LogFormat::Json => builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .init(),
    }
    LogGuard { _writer: guard }
}

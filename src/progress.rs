//! Progress of long training and evaluation steps: an indicatif bar or spinner when standard
//! error is a terminal, and plain timestamped-free lines otherwise (CI logs, `2> file`),
//! where a redrawn bar would be either invisible or a mess of control characters.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

/// How often a plain-line progress report is written at most.
const PLAIN_INTERVAL: Duration = Duration::from_secs(5);

/// A progress display: an indicatif bar on a terminal, plain lines elsewhere.
#[derive(Debug)]
pub enum Progress {
    /// Drawn on the terminal.
    Terminal(ProgressBar),
    /// Written as lines to standard error.
    Plain(PlainProgress),
}

/// Plain-line progress state.
#[derive(Debug)]
pub struct PlainProgress {
    message: String,
    length: Option<u64>,
    position: AtomicU64,
    started: Instant,
    last_line: Mutex<Instant>,
    /// Set when the step ends; a spinner's ticker thread stops on it.
    finished: Arc<AtomicBool>,
    /// The steps are bytes: lines show a share of the total and the time left.
    bytes: bool,
}

impl PlainProgress {
    /// Writes a line for `position` if the last one is old enough.
    fn report(&self, position: u64) {
        let Ok(mut last) = self.last_line.lock() else {
            return;
        };
        if last.elapsed() < PLAIN_INTERVAL {
            return;
        }
        *last = Instant::now();
        let elapsed = self.started.elapsed().as_secs_f64();
        match (self.length, self.bytes) {
            (Some(total), true) if position > 0 => {
                let left = elapsed * (total.saturating_sub(position)) as f64 / position as f64;
                eprintln!(
                    "{}: {:.1} of {:.1} MB ({:.0}%), {:.1} MB/s, ETA {left:.0} s",
                    self.message,
                    position as f64 / 1e6,
                    total as f64 / 1e6,
                    100.0 * position as f64 / total.max(1) as f64,
                    position as f64 / 1e6 / elapsed.max(1e-9)
                );
            }
            _ => {
                let length = self.length.map_or(String::new(), |l| format!("/{l}"));
                eprintln!("{}: {position}{length} ({elapsed:.0} s)", self.message);
            }
        }
    }
}

impl Progress {
    /// A bar counting `length` steps of `message`.
    pub fn bar(length: u64, message: &str) -> Self {
        if std::io::stderr().is_terminal() {
            let style = ProgressStyle::with_template("{msg:>16} [{bar:30}] {pos}/{len} {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_bar());
            Self::Terminal(
                ProgressBar::new(length)
                    .with_style(style)
                    .with_message(message.to_string()),
            )
        } else {
            eprintln!("{message}: 0/{length}");
            Self::plain(message, Some(length))
        }
    }

    /// A spinner for a step of unknown length.
    pub fn spinner(message: String) -> Self {
        if std::io::stderr().is_terminal() {
            let progress = ProgressBar::new_spinner().with_message(message);
            progress.enable_steady_tick(Duration::from_millis(200));
            Self::Terminal(progress)
        } else {
            eprintln!("{message} ...");
            let progress = Self::plain(&message, None);
            if let Self::Plain(plain) = &progress {
                // A step of unknown length still says every few seconds that it is running.
                let finished = Arc::clone(&plain.finished);
                let started = plain.started;
                std::thread::spawn(move || loop {
                    std::thread::sleep(PLAIN_INTERVAL);
                    if finished.load(Ordering::Relaxed) {
                        break;
                    }
                    eprintln!("{message}: {:.0} s", started.elapsed().as_secs_f64());
                });
            }
            progress
        }
    }

    /// A bar of `total` bytes (a file being read), with the rate and the time left.
    pub fn bytes(total: u64, message: &str) -> Self {
        if std::io::stderr().is_terminal() {
            let style = ProgressStyle::with_template(
                "{msg:>16} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} ETA {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar());
            Self::Terminal(
                ProgressBar::new(total)
                    .with_style(style)
                    .with_message(message.to_string()),
            )
        } else {
            eprintln!("{message}: 0 of {total} bytes");
            let mut plain = Self::plain(message, Some(total));
            if let Self::Plain(p) = &mut plain {
                p.bytes = true;
            }
            plain
        }
    }

    /// Moves to `position` (bytes read so far, for a [`bytes`](Self::bytes) bar).
    pub fn set_position(&self, position: u64) {
        match self {
            Self::Terminal(bar) => bar.set_position(position),
            Self::Plain(plain) => {
                let before = plain.position.swap(position, Ordering::Relaxed);
                plain.report(position.max(before));
            }
        }
    }

    fn plain(message: &str, length: Option<u64>) -> Self {
        let now = Instant::now();
        Self::Plain(PlainProgress {
            message: message.to_string(),
            length,
            position: AtomicU64::new(0),
            started: now,
            last_line: Mutex::new(now),
            finished: Arc::new(AtomicBool::new(false)),
            bytes: false,
        })
    }

    /// Advances by `delta` steps.
    pub fn inc(&self, delta: u64) {
        match self {
            Self::Terminal(bar) => bar.inc(delta),
            Self::Plain(plain) => {
                let position = plain.position.fetch_add(delta, Ordering::Relaxed) + delta;
                plain.report(position);
            }
        }
    }

    /// Ends the display: clears the bar, or writes a closing line.
    pub fn finish_and_clear(&self) {
        match self {
            Self::Terminal(bar) => bar.finish_and_clear(),
            Self::Plain(plain) => {
                plain.finished.store(true, Ordering::Relaxed);
                let done = plain.length.map_or(String::new(), |_| {
                    format!(" {}", plain.position.load(Ordering::Relaxed))
                });
                eprintln!(
                    "{}: done{done} in {:.1} s",
                    plain.message,
                    plain.started.elapsed().as_secs_f64()
                );
            }
        }
    }
}

impl Drop for PlainProgress {
    /// Stops a spinner's ticker when the step ends early (an error returned past it).
    fn drop(&mut self) {
        self.finished.store(true, Ordering::Relaxed);
    }
}

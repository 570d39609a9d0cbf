//! The accept loop's connection source, which backs off when the process is out of file
//! descriptors.
//!
//! tonic retries a failed accept at once. When the descriptor table is full (EMFILE, or the
//! system's, ENFILE) or the kernel is out of socket memory (ENOBUFS, ENOMEM), every retry
//! fails the same way until a connection closes, so the loop would spin a core. Here such a
//! failure pauses accepting instead: 10 ms, doubling up to 1 s while it persists, back to the
//! start after the next accepted connection. Each failure is counted in
//! `docclass_accept_errors_total{kind}` and logged at most once per 10 s, with the number of
//! failures since the last line. Other accept errors (a connection aborted before it was
//! accepted) concern one connection and are passed on to tonic, which skips them.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use futures::Stream;
use tokio::net::TcpListener;
use tokio::time::Sleep;

use super::connection::{Connections, GuardedStream};
use crate::telemetry::ACCEPT_ERRORS_TOTAL;

/// First pause after an accept failed for lack of resources.
pub const ACCEPT_BACKOFF_MIN: Duration = Duration::from_millis(10);
/// Longest pause between two accept attempts while resources stay exhausted.
pub const ACCEPT_BACKOFF_MAX: Duration = Duration::from_secs(1);
/// At most one log line about failing accepts per this interval.
const LOG_INTERVAL: Duration = Duration::from_secs(10);

/// The connections `listener` accepts, with Nagle's algorithm off, each guarded by
/// `connections`. tonic sets TCP_NODELAY only on listeners it binds itself; without it a
/// response written in several pieces (headers, data, trailers) waits for the client's
/// delayed ACK, about 40 ms on Linux.
pub fn accept(listener: TcpListener, connections: Connections) -> Accept {
    Accept {
        listener,
        connections,
        pause: None,
        next_pause: ACCEPT_BACKOFF_MIN,
        last_log: None,
        unlogged: 0,
    }
}

/// The stream of accepted connections returned by [`accept`].
#[derive(Debug)]
pub struct Accept {
    listener: TcpListener,
    connections: Connections,
    pause: Option<Pin<Box<Sleep>>>,
    next_pause: Duration,
    last_log: Option<Instant>,
    /// Failures since the last log line.
    unlogged: u64,
}

impl Accept {
    fn exhausted(&mut self, error: &io::Error, (kind, what): (&'static str, &'static str)) {
        metrics::counter!(ACCEPT_ERRORS_TOTAL, "kind" => kind).increment(1);
        self.unlogged += 1;
        if self.last_log.is_none_or(|at| at.elapsed() >= LOG_INTERVAL) {
            tracing::error!(
                %error,
                failures = self.unlogged,
                pause_ms = self.next_pause.as_millis() as u64,
                "cannot accept connections ({what}); pausing accepts"
            );
            self.last_log = Some(Instant::now());
            self.unlogged = 0;
        }
        self.pause = Some(Box::pin(tokio::time::sleep(self.next_pause)));
        self.next_pause = (self.next_pause * 2).min(ACCEPT_BACKOFF_MAX);
    }
}

impl Stream for Accept {
    type Item = io::Result<GuardedStream>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            if let Some(pause) = self.pause.as_mut() {
                std::task::ready!(pause.as_mut().poll(cx));
                self.pause = None;
            }
            match std::task::ready!(self.listener.poll_accept(cx)) {
                Ok((stream, _)) => {
                    self.next_pause = ACCEPT_BACKOFF_MIN;
                    let accepted = stream.set_nodelay(true).map(|()| stream);
                    return Poll::Ready(Some(accepted.map(|s| self.connections.guard(s))));
                }
                Err(error) => match exhaustion(&error) {
                    Some(kind) => self.exhausted(&error, kind),
                    None => {
                        metrics::counter!(ACCEPT_ERRORS_TOTAL, "kind" => "other").increment(1);
                        return Poll::Ready(Some(Err(error)));
                    }
                },
            }
        }
    }
}

/// The resource an accept error says is exhausted, as the metric's `kind` label and in
/// words, or `None` for an error that concerns one connection.
fn exhaustion(error: &io::Error) -> Option<(&'static str, &'static str)> {
    #[cfg(unix)]
    match error.raw_os_error() {
        Some(libc::EMFILE) => return Some(("emfile", "the process's file descriptor limit")),
        Some(libc::ENFILE) => return Some(("enfile", "the system's file descriptor limit")),
        Some(libc::ENOBUFS) | Some(libc::ENOMEM) => return Some(("nomem", "out of socket memory")),
        _ => {}
    }
    (error.kind() == io::ErrorKind::OutOfMemory).then_some(("nomem", "out of memory"))
}

#[cfg(all(test, unix))]
mod tests {
    use super::exhaustion;

    #[test]
    fn descriptor_and_memory_exhaustion_are_recognised_and_nothing_else() {
        let os = std::io::Error::from_raw_os_error;
        assert!(exhaustion(&os(libc::EMFILE)).is_some());
        assert!(exhaustion(&os(libc::ENFILE)).is_some());
        assert!(exhaustion(&os(libc::ENOBUFS)).is_some());
        assert_eq!(exhaustion(&os(libc::ECONNABORTED)), None);
        assert_eq!(exhaustion(&os(libc::EINTR)), None);
    }
}

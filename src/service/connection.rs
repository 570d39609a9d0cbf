//! The accepted connections, watched for the two waits tonic and hyper leave unbounded: a
//! connection that never sends the HTTP/2 preface is held open for ever, and a graceful
//! shutdown waits for every connection to close by itself, however long a client keeps a
//! stream open.
//!
//! Each accepted socket is wrapped in a [`GuardedStream`]. Until its first 24 bytes (the
//! length of the HTTP/2 connection preface) have arrived, a read past the handshake timeout
//! fails, which ends the connection. Every stream is registered with its [`Connections`], so
//! that at the end of the shutdown grace period [`Connections::close_all`] can make every read
//! and write of the connections still open fail; hyper then drops them and the server's
//! drain completes. The request path pays one atomic waker registration per read or write;
//! the registry's lock is taken only when a connection opens or closes.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use futures::task::AtomicWaker;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::Sleep;
use tonic::transport::server::{Connected, TcpConnectInfo};

/// Length of the HTTP/2 client connection preface (`PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n`).
const PREFACE_BYTES: usize = 24;

/// The connections a server has accepted and not yet closed.
#[derive(Debug, Clone)]
pub struct Connections {
    registry: Arc<Registry>,
    handshake_timeout: Duration,
}

#[derive(Debug, Default)]
struct Registry {
    next_id: AtomicU64,
    /// Set by `close_all`: connections accepted afterwards start closed.
    closing: AtomicBool,
    open: Mutex<HashMap<u64, Arc<Shared>>>,
}

/// What a connection shares with its registry.
#[derive(Debug, Default)]
struct Shared {
    closed: AtomicBool,
    /// The task that last read or wrote the connection, woken when it is closed.
    waker: AtomicWaker,
}

impl Connections {
    /// An empty set whose connections must send the HTTP/2 preface within
    /// `handshake_timeout`.
    pub fn new(handshake_timeout: Duration) -> Self {
        Self {
            registry: Arc::default(),
            handshake_timeout,
        }
    }

    /// Registers `io`, a freshly accepted socket.
    pub fn guard(&self, io: TcpStream) -> GuardedStream {
        let id = self.registry.next_id.fetch_add(1, Ordering::Relaxed);
        let shared = Arc::new(Shared::default());
        self.registry
            .open
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id, Arc::clone(&shared));
        if self.registry.closing.load(Ordering::SeqCst) {
            shared.closed.store(true, Ordering::SeqCst);
        }
        GuardedStream {
            io,
            id,
            shared,
            registry: Arc::clone(&self.registry),
            handshake: Some(Handshake {
                deadline: Box::pin(tokio::time::sleep(self.handshake_timeout)),
                timeout: self.handshake_timeout,
                missing: PREFACE_BYTES,
            }),
        }
    }

    /// Connections accepted and not yet dropped.
    pub fn open(&self) -> usize {
        self.registry
            .open
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Makes every read and write of every open connection (and of any accepted later) fail
    /// from now on, waking the tasks serving them; returns how many were open.
    pub fn close_all(&self) -> usize {
        self.registry.closing.store(true, Ordering::SeqCst);
        let open = self
            .registry
            .open
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        for shared in open.values() {
            shared.closed.store(true, Ordering::SeqCst);
            shared.waker.wake();
        }
        open.len()
    }
}

/// The wait for the preface of a new connection.
#[derive(Debug)]
struct Handshake {
    deadline: Pin<Box<Sleep>>,
    timeout: Duration,
    /// Preface bytes not yet received.
    missing: usize,
}

/// An accepted TCP connection watched by its [`Connections`].
#[derive(Debug)]
pub struct GuardedStream {
    io: TcpStream,
    id: u64,
    shared: Arc<Shared>,
    registry: Arc<Registry>,
    handshake: Option<Handshake>,
}

impl GuardedStream {
    /// Registers the current task to be woken on close; fails once the stream is closed.
    fn check_open(&self, cx: &Context<'_>) -> io::Result<()> {
        self.shared.waker.register(cx.waker());
        if self.shared.closed.load(Ordering::SeqCst) {
            return Err(io::Error::new(
                io::ErrorKind::ConnectionAborted,
                "connection closed: the shutdown grace period is over",
            ));
        }
        Ok(())
    }
}

impl Drop for GuardedStream {
    fn drop(&mut self) {
        self.registry
            .open
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.id);
    }
}

impl AsyncRead for GuardedStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.check_open(cx)?;
        if let Some(handshake) = self.handshake.as_mut() {
            if handshake.deadline.as_mut().poll(cx).is_ready() {
                return Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!(
                        "no HTTP/2 preface within the {} ms handshake timeout",
                        handshake.timeout.as_millis()
                    ),
                )));
            }
        }
        let before = buf.filled().len();
        std::task::ready!(Pin::new(&mut self.io).poll_read(cx, buf))?;
        let read = buf.filled().len() - before;
        if let Some(handshake) = self.handshake.as_mut() {
            handshake.missing = handshake.missing.saturating_sub(read);
            if handshake.missing == 0 {
                self.handshake = None;
            }
        }
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for GuardedStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.check_open(cx)?;
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.check_open(cx)?;
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.check_open(cx)?;
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

impl Connected for GuardedStream {
    type ConnectInfo = TcpConnectInfo;

    fn connect_info(&self) -> Self::ConnectInfo {
        self.io.connect_info()
    }
}

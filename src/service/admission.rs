//! Admission control for the CPU-bound work of a request: a bounded number of requests in
//! flight (past it, requests fail fast instead of queueing without bound), a fixed pool of
//! worker threads (so the async runtime stays free for I/O and health checks), and the
//! caller's deadline, which also covers time spent waiting for a worker.
//!
//! Small unary requests are the exception: their work (tens of microseconds) is shorter
//! than handing it to a worker and back (two cross-thread wake-ups), so it runs on the
//! runtime thread that decoded the request. The byte limit keeps such a stretch short
//! enough that the runtime, and the health service, stay responsive.
//!
//! The slots are an atomic count, so admitting a request and giving its slot back take no
//! lock (tokio's `Semaphore` and `async-lock`'s lock their list of waiters on every release,
//! even when nobody waits). Only a stream that finds every slot taken registers to be woken,
//! and only then does a release notify. A woken stream can find its slot taken by a unary
//! request that came first, and then waits for the next one: a released slot goes to
//! whoever asks first, not to the longest-waiting stream.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::sync::{oneshot, Notify};

use super::{Deadline, ServiceError};

/// Runs request work on a worker pool under a concurrency limit.
#[derive(Debug, Clone)]
pub struct Admission {
    slots: Arc<Slots>,
    limit: usize,
    inline_max_bytes: usize,
    pool: Arc<rayon::ThreadPool>,
}

impl Admission {
    /// At most `limit` requests in flight, computed on `workers` threads.
    pub fn new(limit: usize, workers: usize) -> Result<Self, rayon::ThreadPoolBuildError> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(workers.max(1))
            .thread_name(|i| format!("docclass-worker-{i}"))
            .build()?;
        Ok(Self {
            slots: Arc::new(Slots::new(limit.max(1))),
            limit: limit.max(1),
            inline_max_bytes: 0,
            pool: Arc::new(pool),
        })
    }

    /// Unary requests of at most `bytes` of text are computed on the calling runtime thread
    /// instead of a worker (0 = always on a worker); see [`run_unary`](Self::run_unary).
    pub fn inline_max_bytes(mut self, bytes: usize) -> Self {
        self.inline_max_bytes = bytes;
        self
    }

    /// A slot for one request, or `Overloaded` at once when every slot is taken.
    pub fn try_admit(&self) -> Result<Permit, ServiceError> {
        self.slots
            .try_take()
            .ok_or(ServiceError::Overloaded { limit: self.limit })
    }

    /// A slot for one request, waiting for one to free up (bulk streams: backpressure).
    pub async fn admit(&self) -> Permit {
        self.slots.take().await
    }

    /// Runs the work of one unary request of `bytes` bytes of text holding `permit`: at once
    /// on this thread when `bytes` is within the inline limit (after checking `deadline`),
    /// else as [`run`](Self::run) does.
    pub async fn run_unary<T, F>(
        &self,
        permit: Permit,
        deadline: Deadline,
        bytes: usize,
        work: F,
    ) -> Result<T, ServiceError>
    where
        T: Send + 'static,
        F: FnOnce() -> Result<T, ServiceError> + Send + 'static,
    {
        if bytes > self.inline_max_bytes {
            return self.run(permit, deadline, work).await;
        }
        deadline.check()?;
        let _permit = permit;
        run_guarded(work)
    }

    /// Runs `work` on a worker thread holding `permit`, unless `deadline` passes first
    /// (while queued or while running: the caller then gets `DeadlineExceeded` at once).
    pub async fn run<T, F>(
        &self,
        permit: Permit,
        deadline: Deadline,
        work: F,
    ) -> Result<T, ServiceError>
    where
        T: Send + 'static,
        F: FnOnce() -> Result<T, ServiceError> + Send + 'static,
    {
        deadline.check()?;
        let (tx, rx) = oneshot::channel();
        self.pool.spawn(move || {
            let result = deadline.check().and_then(|()| run_guarded(work));
            // The slot is free before the answer is: a caller that has its answer never
            // sees its own slot still taken.
            drop(permit);
            let _ = tx.send(result);
        });
        let answer = async {
            rx.await
                .unwrap_or(Err(ServiceError::Internal("request worker vanished")))
        };
        match deadline.at {
            Some(at) => tokio::time::timeout_at(at.into(), answer)
                .await
                .unwrap_or_else(|_| Err(deadline.exceeded())),
            None => answer.await,
        }
    }
}

/// The request slots: how many are free, and a notification for streams waiting for one.
#[derive(Debug)]
struct Slots {
    free: AtomicUsize,
    /// Streams registered to be woken when a slot is given back.
    waiting: AtomicUsize,
    given_back: Notify,
}

/// One admitted request's slot, given back when dropped.
#[derive(Debug)]
pub struct Permit {
    slots: Arc<Slots>,
}

impl Slots {
    fn new(count: usize) -> Self {
        Self {
            free: AtomicUsize::new(count),
            waiting: AtomicUsize::new(0),
            given_back: Notify::new(),
        }
    }

    /// A free slot, if there is one.
    fn try_take(self: &Arc<Self>) -> Option<Permit> {
        self.free
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |free| {
                free.checked_sub(1)
            })
            .ok()
            .map(|_| Permit {
                slots: Arc::clone(self),
            })
    }

    /// A slot, waiting for one to be given back if none is free.
    async fn take(self: &Arc<Self>) -> Permit {
        loop {
            if let Some(permit) = self.try_take() {
                return permit;
            }
            let given_back = self.given_back.notified();
            tokio::pin!(given_back);
            // Registered before counting as waiting, and the count raised before looking
            // again: a slot given back after that look sees the count and wakes this task.
            given_back.as_mut().enable();
            let _waiting = Waiting::register(&self.waiting);
            if let Some(permit) = self.try_take() {
                return permit;
            }
            given_back.await;
        }
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        self.slots.free.fetch_add(1, Ordering::SeqCst);
        if self.slots.waiting.load(Ordering::SeqCst) > 0 {
            self.slots.given_back.notify_one();
        }
    }
}

/// Counts one waiting stream for as long as it lives (a stream dropped while waiting stops
/// counting).
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    fn register(count: &'a AtomicUsize) -> Self {
        count.fetch_add(1, Ordering::SeqCst);
        Self(count)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Runs `work`, turning a panic into an internal error so one bad request cannot take a
/// thread (or the server) down.
fn run_guarded<T>(work: impl FnOnce() -> Result<T, ServiceError>) -> Result<T, ServiceError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(work))
        .unwrap_or(Err(ServiceError::Internal("request panicked")))
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;

    #[tokio::test]
    async fn full_admission_fails_fast() {
        let admission = Admission::new(1, 1).expect("pool");
        let held = admission.try_admit().expect("first");
        assert!(matches!(
            admission.try_admit(),
            Err(ServiceError::Overloaded { limit: 1 })
        ));
        drop(held);
        assert!(admission.try_admit().is_ok());
    }

    #[tokio::test]
    async fn queued_work_past_its_deadline_is_not_run() {
        let admission = Admission::new(4, 1).expect("pool");
        let slow = admission.run(
            admission.try_admit().expect("slot"),
            Deadline::none(),
            || {
                std::thread::sleep(Duration::from_millis(200));
                Ok(())
            },
        );
        let mut short = Deadline::none();
        short.at = Some(Instant::now() + Duration::from_millis(20));
        let ran = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = Arc::clone(&ran);
        let late = admission.run(admission.try_admit().expect("slot"), short, move || {
            flag.store(true, std::sync::atomic::Ordering::SeqCst);
            Ok(())
        });
        let (slow, late) = tokio::join!(slow, late);
        assert!(slow.is_ok());
        assert!(matches!(late, Err(ServiceError::DeadlineExceeded { .. })));
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!ran.load(std::sync::atomic::Ordering::SeqCst));
    }

    #[tokio::test]
    async fn a_panicking_request_is_an_internal_error() {
        let admission = Admission::new(1, 1).expect("pool");
        let result: Result<(), _> = admission
            .run(
                admission.try_admit().expect("slot"),
                Deadline::none(),
                || panic!("boom"),
            )
            .await;
        assert!(matches!(result, Err(ServiceError::Internal(_))));
    }

    #[tokio::test]
    async fn small_unary_work_runs_on_the_calling_thread_and_large_on_a_worker() {
        let admission = Admission::new(4, 1).expect("pool").inline_max_bytes(100);
        let caller = std::thread::current().id();
        let on_thread = |bytes| {
            admission.run_unary(
                admission.try_admit().expect("slot"),
                Deadline::none(),
                bytes,
                || Ok(std::thread::current().id()),
            )
        };
        assert_eq!(on_thread(100).await.expect("small"), caller);
        assert_ne!(on_thread(101).await.expect("large"), caller);
        let panicked: Result<(), _> = admission
            .run_unary(
                admission.try_admit().expect("slot"),
                Deadline::none(),
                1,
                || panic!("boom"),
            )
            .await;
        assert!(matches!(panicked, Err(ServiceError::Internal(_))));
        let mut past = Deadline::none();
        past.at = Some(Instant::now());
        let late: Result<(), _> = admission
            .run_unary(admission.try_admit().expect("slot"), past, 1, || Ok(()))
            .await;
        assert!(matches!(late, Err(ServiceError::DeadlineExceeded { .. })));
        assert_eq!(admission.slots.free.load(Ordering::SeqCst), 4);
    }

    #[tokio::test]
    async fn a_waiting_stream_gets_the_slot_given_back() {
        let admission = Admission::new(1, 1).expect("pool");
        let held = admission.try_admit().expect("slot");
        let waiter = tokio::spawn({
            let admission = admission.clone();
            async move { admission.admit().await }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiter.is_finished(), "admitted while every slot was taken");
        assert_eq!(admission.slots.waiting.load(Ordering::SeqCst), 1);
        drop(held);
        let permit = tokio::time::timeout(Duration::from_secs(5), waiter)
            .await
            .expect("woken when the slot was given back")
            .expect("task");
        assert_eq!(admission.slots.waiting.load(Ordering::SeqCst), 0);
        assert!(admission.try_admit().is_err());
        drop(permit);
        assert!(admission.try_admit().is_ok());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn slots_given_back_under_contention_all_return() {
        // Streams and unary requests race for 3 slots; every waiter is admitted, and at the
        // end all slots are free and nobody counts as waiting.
        let admission = Admission::new(3, 1).expect("pool");
        let tasks: Vec<_> = (0..64)
            .map(|i| {
                let admission = admission.clone();
                tokio::spawn(async move {
                    for _ in 0..50 {
                        let permit = if i % 2 == 0 {
                            Some(admission.admit().await)
                        } else {
                            admission.try_admit().ok()
                        };
                        tokio::task::yield_now().await;
                        drop(permit);
                    }
                })
            })
            .collect();
        for task in tasks {
            tokio::time::timeout(Duration::from_secs(10), task)
                .await
                .expect("no waiter left behind")
                .expect("task");
        }
        assert_eq!(admission.slots.free.load(Ordering::SeqCst), 3);
        assert_eq!(admission.slots.waiting.load(Ordering::SeqCst), 0);
    }
}

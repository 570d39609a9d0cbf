//! What every unary handler does before and around its work, written once: the deadline
//! from `grpc-timeout`, the request context the telemetry layer attached, a slot from
//! admission control (or RESOURCE_EXHAUSTED at once), what the request span records before
//! the work (the text with `--log-text`), and the work itself on the admission pool (inline
//! when small).
//!
//! A handler of any service in `service/` reads `unary(&self.admission, self, request,
//! Core::method)`; its request type says which text is logged and how much work it is.

use tonic::{Request, Status};

use super::{Admission, Deadline, ServiceError};
use crate::pb;
use crate::telemetry::{self, RequestContext};

/// What the shared preamble needs to know of a unary request.
pub(super) trait UnaryRequest {
    /// Records on the request span what is known before the work runs (once admitted): the
    /// document text with `--log-text` and, when the request type alone decides it, the
    /// model that answers.
    fn record_on_span(&self, context: Option<&RequestContext>);
    /// Bytes of text the work reads: requests within the inline limit run on the runtime
    /// thread (see [`Admission::run_unary`]).
    fn work_bytes(&self) -> usize;
}

impl UnaryRequest for pb::ClassifyRequest {
    fn record_on_span(&self, context: Option<&RequestContext>) {
        telemetry::record_text(context, &self.text);
    }

    fn work_bytes(&self) -> usize {
        self.text.len() + self.title.len() + self.target.len()
    }
}

impl UnaryRequest for pb::SummarizeRequest {
    fn record_on_span(&self, context: Option<&RequestContext>) {
        telemetry::record_model(|| "summarizer".to_string());
        telemetry::record_text(context, &self.text);
    }

    fn work_bytes(&self) -> usize {
        self.text.len() + self.title.len()
    }
}

/// Answers one unary request: `work(core, request)` under `request`'s deadline, holding a
/// slot of `admission`, on a clone of `core` (the work may run on a worker thread).
pub(super) async fn unary<C, Q, R, F>(
    admission: &Admission,
    core: &C,
    request: Request<Q>,
    work: F,
) -> Result<R, Status>
where
    C: Clone + Send + 'static,
    Q: UnaryRequest + Send + 'static,
    R: Send + 'static,
    F: FnOnce(&C, &Q) -> Result<R, ServiceError> + Send + 'static,
{
    let deadline = Deadline::from_metadata(request.metadata());
    let context = request.extensions().get::<RequestContext>().copied();
    let permit = admission.try_admit()?;
    let core = core.clone();
    let request = request.into_inner();
    request.record_on_span(context.as_ref());
    let bytes = request.work_bytes();
    Ok(admission
        .run_unary(permit, deadline, bytes, move || work(&core, &request))
        .await?)
}

//! Status-code rewriting at the HTTP edge of the gRPC server: the answers tonic gives with a
//! code other than the one gRPC specifies are corrected here, in one layer around every
//! service.
//!
//! - Deadlines: tonic's server races each request against its `grpc-timeout` and answers
//!   CANCELLED when the timer wins. This layer starts its own timer first (inside tonic's,
//!   with the same timeout, and tonic polls the inner future first), so an expired request is
//!   answered DEADLINE_EXCEEDED. The handler's future is dropped at that moment; queued work
//!   checks the deadline again before it starts (see `admission`). A `grpc-timeout` that is
//!   not a valid timeout (`abc`, `-5m`, `1Z`, more than 8 digits) is refused with
//!   INVALID_ARGUMENT before the request reaches a service: the caller asked for a deadline,
//!   and running without one would silently break it.
//! - Client faults that tonic answers with another code (a message over the size limit,
//!   bytes that are not protobuf, a body that ends inside a message, a unary call without a
//!   message) get the code `status::client_fault` gives them, in the response headers or
//!   trailers; a unary call with more than one message fails with UNIMPLEMENTED
//!   (`cardinality`).
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use http::{HeaderMap, HeaderValue, Request, Response};
use http_body::{Body, Frame, SizeHint};
use tonic::Status;
use tower::{Layer, Service};

use super::cardinality::{self, OneMessage};
use super::deadline::parse_grpc_timeout;
use super::status;

/// Layer that wraps a service with [`StatusRewrite`].
#[derive(Debug, Clone, Copy, Default)]
pub struct StatusRewriteLayer;

impl<S> Layer<S> for StatusRewriteLayer {
    type Service = StatusRewrite<S>;

    fn layer(&self, inner: S) -> Self::Service {
        StatusRewrite { inner }
    }
}

/// Answers expired requests with DEADLINE_EXCEEDED, refuses malformed `grpc-timeout`s and
/// corrects the codes of client faults.
#[derive(Debug, Clone)]
pub struct StatusRewrite<S> {
    inner: S,
}

impl<S> Service<Request<tonic::body::Body>> for StatusRewrite<S>
where
    S: Service<Request<tonic::body::Body>, Response = Response<tonic::body::Body>>,
    S::Future: Send + 'static,
{
    type Response = Response<tonic::body::Body>;
    type Error = S::Error;
    type Future = StatusRewriteFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<tonic::body::Body>) -> Self::Future {
        if cardinality::single_message(request.uri().path()) {
            request = request.map(|body| tonic::body::Body::new(OneMessage::new(body)));
        }
        let timeout = match request.headers().get("grpc-timeout") {
            None => None,
            Some(value) => match value.to_str().ok().and_then(parse_grpc_timeout) {
                Some(timeout) => Some(timeout),
                None => {
                    let value = String::from_utf8_lossy(value.as_bytes());
                    let status = Status::invalid_argument(format!(
                        "malformed grpc-timeout header {}: expected 1 to 8 digits and a unit \
                         (H, M, S, m, u or n)",
                        status::echo(&value)
                    ));
                    return StatusRewriteFuture {
                        inner: None,
                        refused: Some(status),
                        deadline: None,
                    };
                }
            },
        };
        StatusRewriteFuture {
            deadline: timeout.map(|t| (Box::pin(tokio::time::sleep(t)), t)),
            inner: Some(Box::pin(self.inner.call(request))),
            refused: None,
        }
    }
}

/// The response future of [`StatusRewrite`].
pub struct StatusRewriteFuture<F> {
    /// The service's answer (`None` when the request was refused here).
    inner: Option<Pin<Box<F>>>,
    /// The answer to a request refused here.
    refused: Option<Status>,
    deadline: Option<(Pin<Box<tokio::time::Sleep>>, Duration)>,
}

impl<F, E> Future for StatusRewriteFuture<F>
where
    F: Future<Output = Result<Response<tonic::body::Body>, E>>,
{
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if let Some(status) = self.refused.take() {
            return Poll::Ready(Ok(status.into_http()));
        }
        let Some(inner) = self.inner.as_mut() else {
            return Poll::Pending;
        };
        if let Poll::Ready(result) = inner.as_mut().poll(cx) {
            return Poll::Ready(result.map(|response| {
                let (mut parts, body) = response.into_parts();
                rewrite_limit_status(&mut parts.headers);
                Response::from_parts(
                    parts,
                    tonic::body::Body::new(RewriteTrailers { inner: body }),
                )
            }));
        }
        if let Some((sleep, timeout)) = self.deadline.as_mut() {
            if sleep.as_mut().poll(cx).is_ready() {
                let status = Status::deadline_exceeded(format!(
                    "deadline exceeded: no answer within the request's {} ms grpc-timeout",
                    timeout.as_millis()
                ));
                return Poll::Ready(Ok(status.into_http()));
            }
        }
        Poll::Pending
    }
}

/// Rewrites the status in `headers` (response headers or trailers) when
/// [`status::client_fault`] corrects it.
fn rewrite_limit_status(headers: &mut HeaderMap) {
    match headers.get("grpc-status") {
        None => return,
        Some(code) if code == "0" => return,
        Some(_) => {}
    }
    let Some(corrected) = Status::from_header_map(headers).and_then(|s| status::client_fault(&s))
    else {
        return;
    };
    if corrected.add_header(headers).is_err() {
        headers.insert("grpc-status", HeaderValue::from(corrected.code() as i32));
    }
}

/// A response body whose trailers pass through [`rewrite_limit_status`].
struct RewriteTrailers {
    inner: tonic::body::Body,
}

impl Body for RewriteTrailers {
    type Data = <tonic::body::Body as Body>::Data;
    type Error = <tonic::body::Body as Body>::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx).map(|frame| {
            frame.map(|frame| {
                frame.map(|mut frame| {
                    if let Some(trailers) = frame.trailers_mut() {
                        rewrite_limit_status(trailers);
                    }
                    frame
                })
            })
        })
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

//! The HTTP edge of the gRPC server: two answers tonic gives with a code other than the one
//! gRPC specifies are corrected here, in one layer around every service.
//!
//! - Deadlines: tonic's server races each request against its `grpc-timeout` and answers
//!   CANCELLED when the timer wins. This layer starts its own timer first (inside tonic's,
//!   with the same timeout, and tonic polls the inner future first), so an expired request is
//!   answered DEADLINE_EXCEEDED. The handler's future is dropped at that moment; queued work
//!   checks the deadline again before it starts (see `admission`).
//! - Message size: tonic's decoder answers OUT_OF_RANGE for a message over the limit; gRPC
//!   specifies RESOURCE_EXHAUSTED. Only that exact answer is rewritten.
//! - Undecodable requests: a request that is not valid protobuf for its message type (most
//!   often binary, non-UTF-8 bytes in a string field) gets INTERNAL from tonic's prost codec.
//!   The fault is the client's, and INTERNAL would read as a server bug (and page someone),
//!   so that exact answer becomes INVALID_ARGUMENT; prost's message, which names the field,
//!   is kept.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use http::{HeaderMap, HeaderValue, Request, Response};
use http_body::{Body, Frame, SizeHint};
use tonic::Status;
use tower::{Layer, Service};

use super::admission::parse_grpc_timeout;

/// tonic's decoder-limit message as it appears in `grpc-message` (percent-encoded).
const DECODER_LIMIT_MESSAGE: &str = "Error,%20decoded%20message%20length%20too%20large";
/// prost's decode-error message as it appears in `grpc-message` (percent-encoded).
const PROTOBUF_DECODE_MESSAGE: &str = "failed%20to%20decode%20Protobuf%20message";

/// Layer that wraps a service with [`GrpcEdge`].
#[derive(Debug, Clone, Copy, Default)]
pub struct GrpcEdgeLayer;

impl<S> Layer<S> for GrpcEdgeLayer {
    type Service = GrpcEdge<S>;

    fn layer(&self, inner: S) -> Self::Service {
        GrpcEdge { inner }
    }
}

/// Answers expired requests with DEADLINE_EXCEEDED, over-size ones with RESOURCE_EXHAUSTED
/// and undecodable ones with INVALID_ARGUMENT.
#[derive(Debug, Clone)]
pub struct GrpcEdge<S> {
    inner: S,
}

impl<S, B> Service<Request<B>> for GrpcEdge<S>
where
    S: Service<Request<B>, Response = Response<tonic::body::Body>>,
    S::Future: Send + 'static,
{
    type Response = Response<tonic::body::Body>;
    type Error = S::Error;
    type Future = EdgeFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let timeout = request
            .headers()
            .get("grpc-timeout")
            .and_then(|v| v.to_str().ok())
            .and_then(parse_grpc_timeout);
        EdgeFuture {
            deadline: timeout.map(|t| (Box::pin(tokio::time::sleep(t)), t)),
            inner: Box::pin(self.inner.call(request)),
        }
    }
}

/// The response future of [`GrpcEdge`].
pub struct EdgeFuture<F> {
    inner: Pin<Box<F>>,
    deadline: Option<(Pin<Box<tokio::time::Sleep>>, Duration)>,
}

impl<F, E> Future for EdgeFuture<F>
where
    F: Future<Output = Result<Response<tonic::body::Body>, E>>,
{
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if let Poll::Ready(result) = self.inner.as_mut().poll(cx) {
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

/// Rewrites tonic's codes for an over-size request (OUT_OF_RANGE → RESOURCE_EXHAUSTED) and
/// an undecodable one (INTERNAL → INVALID_ARGUMENT), recognised by code and message.
fn rewrite_limit_status(headers: &mut HeaderMap) {
    let message = headers
        .get("grpc-message")
        .and_then(|m| m.to_str().ok())
        .unwrap_or_default();
    let rewritten = match headers.get("grpc-status").and_then(|s| s.to_str().ok()) {
        Some("11") if message.starts_with(DECODER_LIMIT_MESSAGE) => "8",
        Some("13") if message.starts_with(PROTOBUF_DECODE_MESSAGE) => "3",
        _ => return,
    };
    headers.insert("grpc-status", HeaderValue::from_static(rewritten));
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

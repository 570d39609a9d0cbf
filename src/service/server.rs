//! Hosting: the tonic server with `DocumentService`, `grpc.health.v1.Health` and server
//! reflection (v1 and v1alpha, so both old and new grpcurl work), on a listener the caller
//! binds, until a shutdown signal lets in-flight requests finish.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use tokio::net::TcpListener;
use tokio_stream::wrappers::TcpListenerStream;
use tonic::transport::Server;

use super::{DocumentService, Limits, SharedModels};
use crate::model::ModelRegistry;
use crate::pb::{self, document_service_server::DocumentServiceServer};

/// Server settings.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Largest accepted gRPC message, in bytes.
    pub max_message_bytes: usize,
    /// Per-request limits.
    pub limits: Limits,
    /// Run unary `Classify` on tokio's blocking pool rather than inline on the async
    /// workers. Off by default: on 2 cores, inline measured faster for 300 B–30 KB texts
    /// (benches/README.md).
    pub blocking_classify: bool,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            max_message_bytes: 8 << 20,
            limits: Limits::default(),
            blocking_classify: false,
        }
    }
}

/// Why the server stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// Reflection could not be built from the descriptors.
    #[error("cannot build reflection service: {0}")]
    Reflection(#[from] tonic_reflection::server::Error),
    /// The transport failed.
    #[error("server failed: {0}")]
    Transport(#[from] tonic::transport::Error),
}

/// The transport settings every docclass server uses (also the bench's Echo server, so the
/// no-op limit is measured under the same settings).
pub fn transport() -> Server {
    Server::builder().http2_keepalive_interval(Some(Duration::from_secs(30)))
}

/// The connections `listener` accepts, with Nagle's algorithm off. tonic sets TCP_NODELAY
/// only on listeners it binds itself; without it a response written in several pieces
/// (headers, data, trailers) waits for the client's delayed ACK, about 40 ms on Linux.
pub fn incoming(
    listener: TcpListener,
) -> impl futures::Stream<Item = std::io::Result<tokio::net::TcpStream>> {
    use futures::StreamExt;
    TcpListenerStream::new(listener).map(|accepted| {
        accepted.and_then(|stream| {
            stream.set_nodelay(true)?;
            Ok(stream)
        })
    })
}

/// Serves `models` on `listener` until `shutdown` completes, then lets in-flight requests
/// finish. Returns the handle of the model set so callers can swap models while it runs.
pub async fn serve(
    listener: TcpListener,
    models: ModelRegistry,
    config: ServerConfig,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), ServeError> {
    serve_shared(
        listener,
        Arc::new(ArcSwap::from_pointee(models)),
        config,
        shutdown,
    )
    .await
}

/// Like [`serve`], with a model set the caller keeps a handle on.
pub async fn serve_shared(
    listener: TcpListener,
    models: SharedModels,
    config: ServerConfig,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), ServeError> {
    let (health_reporter, health_service) = tonic_health::server::health_reporter();
    let reflection_v1 = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(pb::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1()?;
    let reflection_v1alpha = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(pb::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1alpha()?;
    let service = DocumentService::new(models, config.limits)
        .with_blocking_classify(config.blocking_classify);
    let documents = DocumentServiceServer::new(service)
        .max_decoding_message_size(config.max_message_bytes)
        .max_encoding_message_size(config.max_message_bytes);
    health_reporter
        .set_serving::<DocumentServiceServer<DocumentService>>()
        .await;
    transport()
        .add_service(health_service)
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha)
        .add_service(documents)
        .serve_with_incoming_shutdown(incoming(listener), shutdown)
        .await?;
    Ok(())
}

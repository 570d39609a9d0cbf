//! Hosting: the tonic server with `DocumentService`, `grpc.health.v1.Health`, server
//! reflection (v1 and v1alpha, so both old and new grpcurl work) and, when enabled,
//! `AdminService`; optional TLS and bearer-token authentication; model reload on SIGHUP;
//! graceful shutdown that lets in-flight requests finish.

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio_stream::wrappers::TcpListenerStream;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Identity, Server, ServerTlsConfig};

use super::{AdminService, Admission, BearerAuth, DocumentService, Limits};
use crate::model::ModelStore;
use crate::pb::{
    self, admin_service_server::AdminServiceServer, document_service_server::DocumentServiceServer,
};

/// PEM files of the server's TLS identity.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    /// Certificate chain.
    pub cert: PathBuf,
    /// Private key.
    pub key: PathBuf,
}

/// Default of [`ServerConfig::inline_max_bytes`]: an 8 KiB article is classified in about
/// 0.1 ms, short enough to keep the runtime thread responsive.
pub const DEFAULT_INLINE_MAX_BYTES: usize = 8 << 10;

/// Server settings.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Largest accepted gRPC message, in bytes.
    pub max_message_bytes: usize,
    /// Per-request limits.
    pub limits: Limits,
    /// Requests admitted at once; past it, requests fail fast with RESOURCE_EXHAUSTED.
    pub max_in_flight: usize,
    /// Worker threads computing answers (0 = one per core).
    pub workers: usize,
    /// Unary requests with at most this many bytes of text are computed on the runtime
    /// thread that received them, without a hand-off to a worker (0 = never).
    pub inline_max_bytes: usize,
    /// Bearer token every RPC but the health check must carry (`None` = no authentication).
    pub auth_token: Option<String>,
    /// TLS identity (`None` = plaintext).
    pub tls: Option<TlsFiles>,
    /// Serve `AdminService` (model reload).
    pub enable_admin: bool,
    /// Allow document text in the request logs.
    pub log_text: bool,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            max_message_bytes: 8 << 20,
            limits: Limits::default(),
            max_in_flight: 256,
            workers: 0,
            inline_max_bytes: DEFAULT_INLINE_MAX_BYTES,
            auth_token: None,
            tls: None,
            enable_admin: false,
            log_text: false,
        }
    }
}

impl ServerConfig {
    /// The admission control these settings describe.
    pub fn admission(&self) -> Result<Admission, ServeError> {
        let workers = if self.workers == 0 {
            std::thread::available_parallelism().map_or(2, usize::from)
        } else {
            self.workers
        };
        Ok(Admission::new(self.max_in_flight, workers)?.inline_max_bytes(self.inline_max_bytes))
    }
}

/// Why the server stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// Reflection could not be built from the descriptors.
    #[error("cannot build reflection service: {0}")]
    Reflection(#[from] tonic_reflection::server::Error),
    /// The worker pool could not start.
    #[error("cannot start worker threads: {0}")]
    Workers(#[from] rayon::ThreadPoolBuildError),
    /// A TLS file could not be read.
    #[error("cannot read TLS file {path}: {source}")]
    TlsFile {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The transport failed.
    #[error("server failed: {0}")]
    Transport(#[from] tonic::transport::Error),
}

/// The transport settings every docclass server uses (also the bench's Echo server, so the
/// no-op limit is measured under the same settings).
pub fn transport() -> Server {
    Server::builder().http2_keepalive_interval(Some(Duration::from_secs(30)))
}

/// The async runtime every docclass server runs on (also the bench's Echo server): one worker
/// thread per core.
///
/// Built with `--cfg tokio_unstable` (set in `.cargo/config.toml`), the workers have no LIFO
/// slot. tokio runs the task a worker has just woken (here: the request a connection task
/// has just read) from that slot, which the other workers cannot steal. When the OS preempts
/// the worker, as it does when the server shares its cores with other processes, that request
/// waits for the whole preemption while the other worker may be idle. Without the slot the
/// p99 latency at half the maximum rate was lower in most side-by-side runs, at the same
/// maximum throughput (figures in benches/README.md). Without the flag the runtime keeps
/// tokio's default.
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    builder.enable_all();
    #[cfg(tokio_unstable)]
    builder.disable_lifo_slot();
    builder.build()
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

/// Serves the models of `store` on `listener` until `shutdown` completes, then lets
/// in-flight requests finish.
pub async fn serve(
    listener: TcpListener,
    store: Arc<ModelStore>,
    config: ServerConfig,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), ServeError> {
    let auth = BearerAuth::new(config.auth_token.clone());
    let (health_reporter, health_service) = tonic_health::server::health_reporter();
    let reflection_v1 = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(pb::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1()?;
    let reflection_v1alpha = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(pb::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1alpha()?;
    let documents = DocumentServiceServer::new(DocumentService::new(
        Arc::clone(&store),
        config.limits,
        config.admission()?,
    ))
    .max_decoding_message_size(config.max_message_bytes)
    .max_encoding_message_size(config.max_message_bytes);
    let admin = config.enable_admin.then(|| {
        InterceptedService::new(
            AdminServiceServer::new(AdminService::new(Arc::clone(&store))),
            auth.clone(),
        )
    });

    let mut builder = transport()
        .layer(crate::telemetry::TelemetryLayer::new(config.log_text))
        .layer(super::edge::GrpcEdgeLayer);
    if let Some(tls) = &config.tls {
        builder = builder.tls_config(ServerTlsConfig::new().identity(read_identity(tls)?))?;
    }
    let router = builder
        .add_service(health_service)
        .add_service(InterceptedService::new(reflection_v1, auth.clone()))
        .add_service(InterceptedService::new(reflection_v1alpha, auth.clone()))
        .add_service(InterceptedService::new(documents, auth))
        .add_optional_service(admin);
    health_reporter
        .set_serving::<DocumentServiceServer<DocumentService>>()
        .await;
    let reload = tokio::spawn(reload_on_sighup(store));
    let served = router
        .serve_with_incoming_shutdown(incoming(listener), shutdown)
        .await;
    reload.abort();
    served?;
    Ok(())
}

fn read_identity(tls: &TlsFiles) -> Result<Identity, ServeError> {
    let read = |path: &PathBuf| {
        std::fs::read(path).map_err(|source| ServeError::TlsFile {
            path: path.clone(),
            source,
        })
    };
    Ok(Identity::from_pem(read(&tls.cert)?, read(&tls.key)?))
}

/// Reloads the models each time the process receives SIGHUP; a failed reload is logged and
/// the previous models keep serving.
async fn reload_on_sighup(store: Arc<ModelStore>) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let Ok(mut hangups) = signal(SignalKind::hangup()) else {
            tracing::warn!("cannot listen for SIGHUP; reload via AdminService only");
            return;
        };
        while hangups.recv().await.is_some() {
            let store = Arc::clone(&store);
            match tokio::task::spawn_blocking(move || store.reload()).await {
                Ok(Ok(models)) => {
                    let names: Vec<String> = models
                        .models()
                        .map(|m| format!("{}@{}", m.classifier.metadata().name, m.version))
                        .collect();
                    tracing::info!(models = %names.join(", "), "models reloaded on SIGHUP");
                }
                Ok(Err(error)) => {
                    tracing::error!(%error, "model reload failed; previous models still serving")
                }
                Err(error) => tracing::error!(%error, "model reload task failed"),
            }
        }
    }
    #[cfg(not(unix))]
    std::future::pending::<()>().await;
}

#[cfg(test)]
mod tests {
    use tokio::runtime::RuntimeFlavor;

    #[test]
    #[allow(
        clippy::assertions_on_constants,
        reason = "checks the build configuration; a const assert would stop `cargo test` from \
                  building at all without the flag"
    )]
    fn runtime_has_no_lifo_slot() {
        assert!(
            cfg!(tokio_unstable),
            "built without --cfg tokio_unstable (did RUSTFLAGS replace .cargo/config.toml?): \
             the server runtime keeps tokio's LIFO slot"
        );
        let runtime = super::runtime().expect("runtime");
        assert_eq!(
            runtime.handle().runtime_flavor(),
            RuntimeFlavor::MultiThread
        );
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        assert_eq!(runtime.metrics().num_workers(), cores);
    }
}

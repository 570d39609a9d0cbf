//! Hosting: the tonic server with `DocumentService` and, on the same port, the Open Inference
//! Protocol's `inference.GRPCInferenceService` over the same core, `grpc.health.v1.Health`, server
//! reflection (v1 and v1alpha, so both old and new grpcurl work) and, when enabled,
//! `AdminService`; optional TLS and bearer-token authentication; model reload on SIGHUP;
//! a shutdown that lets in-flight requests finish within a bounded grace period.

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Identity, Server, ServerTlsConfig};

use super::accept::{accept, Accept};
use super::connection::Connections;
use super::kserve::InferenceService;
use super::{AdminService, Admission, BearerAuth, DocumentService, Limits};
use crate::model::ReloadableModelSet;
use crate::pb::inference::grpc_inference_service_server::GrpcInferenceServiceServer;
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

/// Default of [`ServerConfig::shutdown_grace`]: below the 30 s Kubernetes waits between
/// SIGTERM and SIGKILL, so the server closes its connections itself.
pub const DEFAULT_SHUTDOWN_GRACE: Duration = Duration::from_secs(20);

/// Default of [`ServerConfig::handshake_timeout`].
pub const DEFAULT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

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
    /// After the shutdown signal, how long in-flight requests may take to finish before the
    /// connections still open are closed.
    pub shutdown_grace: Duration,
    /// How long a new connection may take to send the HTTP/2 preface (over TLS: to complete
    /// the TLS handshake) before it is closed.
    pub handshake_timeout: Duration,
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
            shutdown_grace: DEFAULT_SHUTDOWN_GRACE,
            handshake_timeout: DEFAULT_HANDSHAKE_TIMEOUT,
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

/// Flow-control window of each HTTP/2 stream the server receives, in bytes: how much a
/// client may send on a stream beyond what the server has read.
pub const STREAM_WINDOW_BYTES: u32 = 64 << 10;

/// Flow-control window of each connection the server receives, in bytes: 384 stream windows.
pub const CONNECTION_WINDOW_BYTES: u32 = 24 << 20;

/// The transport settings every docclass server uses (also the bench's Echo server, so the
/// no-op limit is measured under the same settings).
///
/// The windows are sized for h2's guard against floods of small DATA frames. h2 charges
/// every received DATA frame of fewer than 256 bytes that the server has not read yet
/// `256 - length` bytes against a budget of half the connection window (12 MiB here), and
/// closes the connection with GOAWAY `ENHANCE_YOUR_CALM` when it runs out. A bulk client
/// sends each small request in its own frame, and a `ClassifyStream` stops reading while
/// its answers wait to be sent, so such a stream can hold a whole stream window of unread
/// frames: at most 64 KiB / 8 = 8,192 of the smallest request (8 bytes with its gRPC
/// prefix), a charge of 2 MiB. Six such streams, or thirteen of 17-byte requests, fit in
/// the budget at once; hyper's default windows (1 MiB each, so a 512 KiB budget) let one
/// stream of 17-byte requests exhaust it after 2,194 unread frames. A client that splits its
/// data into 1-byte frames still exhausts it on a single stream (64 Ki frames, 16.7 MB).
pub fn transport() -> Server {
    Server::builder()
        .http2_keepalive_interval(Some(Duration::from_secs(30)))
        .initial_stream_window_size(STREAM_WINDOW_BYTES)
        .initial_connection_window_size(CONNECTION_WINDOW_BYTES)
}

/// The async runtime every docclass server runs on (also the bench's Echo server): one worker
/// thread per core.
///
/// Built with `--cfg tokio_unstable` (set in `.cargo/config.toml`), the workers have no LIFO
/// slot. tokio runs the task a worker has just woken (here: the request a connection task
/// has just read) from that slot, which the other workers cannot steal. When the OS preempts
/// the worker, as it does when the server shares its cores with other processes, that request
/// waits for the whole preemption while the other worker may be idle; without the slot
/// another worker takes it, which lowers the p99 latency on a shared machine at the same
/// maximum throughput. Without the flag the runtime keeps tokio's default.
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    builder.enable_all();
    #[cfg(tokio_unstable)]
    builder.disable_lifo_slot();
    builder.build()
}

/// The connections `listener` accepts, with Nagle's algorithm off, guarded by a
/// [`Connections`] set of their own with the default handshake timeout (the bench's Echo
/// server; [`serve`] keeps its set to close it at the end of the grace period).
pub fn incoming(listener: TcpListener) -> Accept {
    accept(listener, Connections::new(DEFAULT_HANDSHAKE_TIMEOUT))
}

/// Serves the models of `store` on `listener` until `shutdown` completes, then stops
/// accepting, lets in-flight requests finish for up to `config.shutdown_grace` and closes the
/// connections still open.
pub async fn serve(
    listener: TcpListener,
    store: Arc<ReloadableModelSet>,
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
    let core = DocumentService::new(Arc::clone(&store), config.limits, config.admission()?);
    let inference = GrpcInferenceServiceServer::new(InferenceService::new(core.clone()))
        .max_decoding_message_size(config.max_message_bytes)
        .max_encoding_message_size(config.max_message_bytes);
    let documents = DocumentServiceServer::new(core)
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
        .layer(super::status_rewrite::StatusRewriteLayer);
    if let Some(tls) = &config.tls {
        builder = builder.tls_config(
            ServerTlsConfig::new()
                .identity(read_identity(tls)?)
                .timeout(config.handshake_timeout),
        )?;
    }
    let router = builder
        .add_service(health_service)
        .add_service(InterceptedService::new(reflection_v1, auth.clone()))
        .add_service(InterceptedService::new(reflection_v1alpha, auth.clone()))
        .add_service(InterceptedService::new(documents, auth.clone()))
        .add_service(InterceptedService::new(inference, auth))
        .add_optional_service(admin);
    health_reporter
        .set_serving::<DocumentServiceServer<DocumentService>>()
        .await;
    health_reporter
        .set_serving::<GrpcInferenceServiceServer<InferenceService>>()
        .await;
    let reload = tokio::spawn(reload_on_sighup(store));
    let connections = Connections::new(config.handshake_timeout);
    let (stopping, stopped) = tokio::sync::oneshot::channel();
    let signal = async move {
        shutdown.await;
        let _ = stopping.send(());
    };
    let served = router.serve_with_incoming_shutdown(accept(listener, connections.clone()), signal);
    let served = drain(served, stopped, &connections, config.shutdown_grace).await;
    reload.abort();
    served?;
    Ok(())
}

/// Longest wait for the connections closed at the end of the grace period to go.
const CLOSE_WAIT: Duration = Duration::from_secs(2);

/// Runs `served` to its end, or, when `stopped` fires and `served` has not ended within
/// `grace`, closes every connection and waits (briefly) for `served` to notice.
async fn drain<F>(
    served: F,
    stopped: tokio::sync::oneshot::Receiver<()>,
    connections: &Connections,
    grace: Duration,
) -> F::Output
where
    F: Future<Output = Result<(), tonic::transport::Error>>,
{
    tokio::pin!(served);
    let grace_over = async {
        match stopped.await {
            Ok(()) => tokio::time::sleep(grace).await,
            // The signal future was dropped: `served` has ended.
            Err(_) => std::future::pending().await,
        }
    };
    tokio::select! {
        result = &mut served => return result,
        () = grace_over => {}
    }
    let open = connections.close_all();
    tracing::warn!(
        open,
        grace_ms = grace.as_millis() as u64,
        "shutdown grace period over: closing the connections still open"
    );
    match tokio::time::timeout(CLOSE_WAIT, &mut served).await {
        Ok(result) => result,
        Err(_) => {
            tracing::error!(
                open = connections.open(),
                "connections still open after being closed; stopping anyway"
            );
            Ok(())
        }
    }
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
async fn reload_on_sighup(store: Arc<ReloadableModelSet>) {
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

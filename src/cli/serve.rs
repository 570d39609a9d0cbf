//! `docclass serve`: load the models, bind the gRPC (and optional metrics) listeners and serve
//! until Ctrl-C or SIGTERM, then finish the requests in flight within `--shutdown-grace`.

use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Context, Result};

use super::args::ServeArgs;
use super::load_models;
use crate::service::{self, Limits, ServerConfig, TlsFiles};
use crate::telemetry;

/// The target of this module's log events: the binary's crate name, as when they were
/// written from `main.rs`.
const LOG_TARGET: &str = "docclass";

/// Runs the server described by `args` on a new multi-threaded runtime.
pub(super) fn serve(args: ServeArgs) -> Result<()> {
    let started = Instant::now();
    let store = load_models(&args.models.models)?;
    let auth_token = match &args.auth_token_file {
        Some(path) => Some(
            std::fs::read_to_string(path)
                .with_context(|| format!("reading token file {}", path.display()))?,
        ),
        None => args.auth_token.clone(),
    };
    if auth_token.as_deref().is_some_and(|t| t.trim().is_empty()) {
        bail!("the bearer token is empty");
    }
    let names: Vec<String> = store
        .snapshot()
        .models()
        .map(|m| {
            format!(
                "{} ({})",
                m.classifier.metadata().name,
                m.classifier.metadata().task
            )
        })
        .collect();
    let alias_entries = store.snapshot().aliases().len();
    let runtime = service::runtime().context("starting the async runtime")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&args.addr)
            .await
            .with_context(|| format!("binding {}", args.addr))?;
        tracing::info!(
            target: LOG_TARGET,
            addr = %listener.local_addr()?,
            models = %names.join(", "),
            alias_entries,
            startup_ms = started.elapsed().as_millis() as u64,
            "serving"
        );
        let config = ServerConfig {
            max_message_bytes: args.max_message_bytes,
            limits: Limits {
                max_document_bytes: args.max_document_bytes,
            },
            max_in_flight: args.max_in_flight,
            workers: args.workers,
            inline_max_bytes: args.inline_max_bytes,
            auth_token,
            tls: args
                .tls_cert
                .zip(args.tls_key)
                .map(|(cert, key)| TlsFiles { cert, key }),
            enable_admin: args.enable_admin,
            log_text: args.log_text,
            shutdown_grace: args.shutdown_grace,
            handshake_timeout: args.handshake_timeout,
        };
        if let Some(addr) = &args.metrics_addr {
            let metrics = tokio::net::TcpListener::bind(addr)
                .await
                .with_context(|| format!("binding the metrics address {addr}"))?;
            tracing::info!(target: LOG_TARGET, addr = %metrics.local_addr()?, "serving metrics at /metrics");
            let handle = telemetry::install_recorder()?;
            tokio::spawn(telemetry::serve_metrics(
                metrics,
                handle,
                Arc::clone(&store),
                std::future::pending(),
            ));
        }
        service::serve(listener, store, config, shutdown_signal()).await?;
        tracing::info!(target: LOG_TARGET, "stopped");
        Ok(())
    })
}

/// Completes on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::warn!(target: LOG_TARGET, %error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!(
        target: LOG_TARGET,
        "shutting down: no new connections; in-flight requests finish within the grace period"
    );
}

//! Shared helpers for integration tests: start the real server with the shipped models on an
//! ephemeral loopback port, connect real clients, read the example articles.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::PathBuf;

use docclass::model::ModelStore;
use docclass::pb::document_service_client::DocumentServiceClient;
use docclass::service::{self, ServerConfig};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tonic::transport::Channel;

/// A server running in this test process; stopped when dropped.
pub struct TestServer {
    /// Where it listens.
    pub addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    handle: Option<JoinHandle<()>>,
}

impl TestServer {
    /// Starts the server on 127.0.0.1:0 with the models shipped in `models/`.
    pub async fn start() -> Self {
        Self::start_with(ServerConfig::default()).await
    }

    /// Starts the server with `config`.
    pub async fn start_with(config: ServerConfig) -> Self {
        let store =
            std::sync::Arc::new(ModelStore::open(&models_dir()).expect("shipped models load"));
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("local addr");
        let (tx, rx) = oneshot::channel::<()>();
        let handle = tokio::spawn(async move {
            service::serve(listener, store, config, async {
                let _ = rx.await;
            })
            .await
            .expect("server runs");
        });
        Self {
            addr,
            shutdown: Some(tx),
            handle: Some(handle),
        }
    }

    /// `http://addr`, for tonic clients.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A connected DocumentService client.
    pub async fn client(&self) -> DocumentServiceClient<Channel> {
        DocumentServiceClient::connect(self.url())
            .await
            .expect("connect")
    }

    /// A connected channel for other generated clients.
    pub async fn channel(&self) -> Channel {
        Channel::from_shared(self.url())
            .expect("url")
            .connect()
            .await
            .expect("connect")
    }

    /// Signals shutdown and waits for the server to finish in-flight requests.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(handle) = self.handle.take() {
            handle.await.expect("server task");
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// The repository root.
pub fn repo_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The shipped models.
pub fn models_dir() -> PathBuf {
    repo_dir().join("models")
}

/// `../shared`, beside the repository.
pub fn shared_dir() -> PathBuf {
    repo_dir().join("..").join("shared")
}

/// The five example articles: (file name, text), sorted by name.
pub fn example_articles() -> Vec<(String, String)> {
    let dir = shared_dir().join("examples");
    let mut articles: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.expect("entry").path();
            let text = std::fs::read_to_string(&path).expect("article text");
            (
                path.file_name()
                    .expect("name")
                    .to_string_lossy()
                    .into_owned(),
                text,
            )
        })
        .collect();
    articles.sort();
    assert_eq!(
        articles.len(),
        5,
        "expected five example articles in {}",
        dir.display()
    );
    articles
}

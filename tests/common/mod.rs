//! Shared helpers for integration tests: start the real server with the shipped models on an
//! ephemeral loopback port, connect real clients, read the example articles.
#![allow(dead_code)]

pub mod raw_h2;
pub mod v2;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use docclass::model::ReloadableModelSet;
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
        let store = std::sync::Arc::new(
            ReloadableModelSet::open(&models_dir()).expect("shipped models load"),
        );
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

/// The `docclass serve` binary on a free loopback port with the shipped models, logging JSON
/// lines to a channel; killed when dropped.
pub struct ServedBinary {
    /// The process.
    pub child: Child,
    /// Its log lines.
    pub lines: mpsc::Receiver<String>,
    /// Where it listens.
    pub addr: SocketAddr,
}

impl ServedBinary {
    /// Starts the server with `extra` flags; with `max_files`, under `ulimit -n max_files`.
    pub fn start(extra: &[&str], max_files: Option<u32>) -> Self {
        Self::start_logging(extra, max_files, "info")
    }

    /// [`Self::start`], logging at `level` (a `RUST_LOG` value).
    pub fn start_logging(extra: &[&str], max_files: Option<u32>, level: &str) -> Self {
        let binary = env!("CARGO_BIN_EXE_docclass");
        let mut command = match max_files {
            Some(limit) => {
                let mut command = Command::new("sh");
                command.args([
                    "-c",
                    &format!("ulimit -n {limit} && exec \"$0\" \"$@\""),
                    binary,
                ]);
                command
            }
            None => Command::new(binary),
        };
        let mut child = command
            .args(["--log-format", "json", "serve", "--addr", "127.0.0.1:0"])
            .args(extra)
            .arg("--models")
            .arg(models_dir())
            .env("RUST_LOG", level)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start docclass");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let addr = loop {
            let line = lines
                .recv_timeout(Duration::from_secs(30))
                .expect("server logs 'serving'");
            let json: serde_json::Value = serde_json::from_str(&line).expect("JSON log line");
            if json["fields"]["message"] == "serving" {
                let addr = json["fields"]["addr"].as_str().expect("addr");
                break addr.parse().expect("socket address");
            }
        };
        Self { child, lines, addr }
    }

    /// Sends SIGTERM.
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success(), "kill -TERM");
    }

    /// Waits up to `limit` for the process to exit; its exit status, or `None` if it is
    /// still running.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let start = std::time::Instant::now();
        while start.elapsed() < limit {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }

    /// The log lines written so far, parsed.
    pub fn logged(&self) -> Vec<serde_json::Value> {
        self.lines
            .try_iter()
            .filter_map(|line| serde_json::from_str(&line).ok())
            .collect()
    }
}

impl Drop for ServedBinary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

//! Hot reload without downtime: through AdminService and SIGHUP, under load, with a bad
//! model rejected while the previous set keeps serving.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::models_dir;
use docclass::model::{Artifact, ReloadableModelSet};
use docclass::pb;
use docclass::service::{self, ServerConfig};
use tonic::Code;

fn copy_models(to: &Path) {
    for entry in std::fs::read_dir(models_dir()).expect("models dir") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "model") {
            std::fs::copy(&path, to.join(path.file_name().expect("name"))).expect("copy");
        }
    }
}

/// Writes a copy of the shipped bbc model renamed to `name` into `dir`.
fn write_renamed_topic_model(dir: &Path, name: &str) {
    let loaded = Artifact::load(&models_dir().join("bbc.model")).expect("bbc model");
    let Artifact::Classifier(mut classifier) = loaded.artifact else {
        panic!("bbc.model is a classifier");
    };
    classifier.metadata_mut().name = name.to_string();
    Artifact::Classifier(classifier)
        .save(&dir.join(format!("{name}.model")))
        .expect("save renamed model");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_reloads_under_load_fail_no_request() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_models(dir.path());
    let store = Arc::new(ReloadableModelSet::open(dir.path()).expect("models"));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let (stop_server, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(service::serve(
        listener,
        Arc::clone(&store),
        ServerConfig {
            enable_admin: true,
            ..ServerConfig::default()
        },
        async {
            let _ = stopped.await;
        },
    ));

    let running = Arc::new(AtomicBool::new(true));
    let (answered, failed) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let mut load = Vec::new();
    for worker in 0..4 {
        let (running, answered, failed) = (running.clone(), answered.clone(), failed.clone());
        let url = url.clone();
        load.push(tokio::spawn(async move {
            let mut client = pb::document_service_client::DocumentServiceClient::connect(url)
                .await
                .expect("connect");
            while running.load(Ordering::Relaxed) {
                let request = pb::ClassifyRequest {
                    id: worker.to_string(),
                    text: "The striker scored twice as the club won the cup final.".into(),
                    target: "Atheism".into(),
                    ..Default::default()
                };
                match client.classify(request).await {
                    Ok(_) => answered.fetch_add(1, Ordering::Relaxed),
                    Err(_) => failed.fetch_add(1, Ordering::Relaxed),
                };
            }
        }));
    }
    let mut admin = pb::admin_service_client::AdminServiceClient::connect(url.clone())
        .await
        .expect("admin");
    let shipped = store.snapshot().models().count();
    for round in 0..20 {
        if round == 10 {
            write_renamed_topic_model(dir.path(), "bbc-copy");
        }
        let reloaded = admin
            .reload_models(pb::ReloadModelsRequest {})
            .await
            .unwrap_or_else(|e| panic!("reload {round}: {e}"))
            .into_inner();
        let expected = if round >= 10 { shipped + 1 } else { shipped };
        assert_eq!(reloaded.models.len(), expected, "round {round}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    running.store(false, Ordering::Relaxed);
    for task in load {
        task.await.expect("load task");
    }
    assert_eq!(
        failed.load(Ordering::Relaxed),
        0,
        "no request failed during reloads"
    );
    assert!(answered.load(Ordering::Relaxed) > 50, "the load ran");

    // The new model is served by name.
    let mut client = pb::document_service_client::DocumentServiceClient::connect(url.clone())
        .await
        .expect("connect");
    let answer = client
        .classify(pb::ClassifyRequest {
            text: "Shares fell.".into(),
            topic_model: "bbc-copy".into(),
            ..Default::default()
        })
        .await
        .expect("new model served")
        .into_inner();
    assert_eq!(answer.topic.expect("topic").model, "bbc-copy");

    // A bad file: the reload fails naming it, the previous set keeps serving.
    let bad = dir.path().join("semeval2016.model");
    let mut bytes = std::fs::read(&bad).expect("read");
    bytes.truncate(bytes.len() - 10);
    std::fs::write(&bad, bytes).expect("write");
    let error = admin
        .reload_models(pb::ReloadModelsRequest {})
        .await
        .expect_err("bad model rejected");
    assert_eq!(error.code(), Code::FailedPrecondition);
    assert!(
        error.message().contains("semeval2016.model"),
        "{}",
        error.message()
    );
    let info = client
        .get_model_info(pb::GetModelInfoRequest {})
        .await
        .expect("info")
        .into_inner();
    assert_eq!(info.models.len(), shipped + 1, "previous set still served");
    client
        .classify(pb::ClassifyRequest {
            text: "still served".into(),
            target: "Atheism".into(),
            ..Default::default()
        })
        .await
        .expect("stance model still served");

    let _ = stop_server.send(());
    server.await.expect("server task").expect("server ran");
}

#[test]
fn sighup_reloads_the_running_binary() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_models(dir.path());
    let mut child = Command::new(env!("CARGO_BIN_EXE_docclass"))
        .args(["serve", "--addr", "127.0.0.1:0", "--models"])
        .arg(dir.path())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start server");
    let mut log = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let mut next_line_with = |needle: &str| -> String {
        for line in log.by_ref() {
            let line = line.expect("log line");
            if line.contains(needle) {
                return line;
            }
        }
        panic!("server log ended before {needle:?}");
    };
    let serving = next_line_with("serving");
    let addr = serving
        .split_whitespace()
        .find_map(|field| field.strip_prefix("addr="))
        .expect("address in log")
        .to_string();
    let pid = child.id().to_string();
    let hangup = || {
        let status = Command::new("kill")
            .args(["-HUP", &pid])
            .status()
            .expect("kill");
        assert!(status.success());
    };

    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let models = |addr: &str| {
        runtime.block_on(async {
            let mut client = pb::document_service_client::DocumentServiceClient::connect(format!(
                "http://{addr}"
            ))
            .await
            .expect("connect");
            let info = client
                .get_model_info(pb::GetModelInfoRequest {})
                .await
                .expect("info")
                .into_inner();
            info.models.into_iter().map(|m| m.name).collect::<Vec<_>>()
        })
    };
    let shipped = models(&addr).len();
    assert!(shipped >= 2);

    std::fs::write(dir.path().join("broken.model"), b"DOCCLASS junk").expect("write broken");
    hangup();
    let failure = next_line_with("reload failed");
    assert!(failure.contains("broken.model"), "{failure}");
    assert_eq!(models(&addr).len(), shipped, "previous models still served");

    std::fs::remove_file(dir.path().join("broken.model")).expect("remove broken");
    write_renamed_topic_model(dir.path(), "bbc-copy");
    hangup();
    next_line_with("models reloaded on SIGHUP");
    assert!(models(&addr).contains(&"bbc-copy".to_string()));

    let status = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(status.success());
    assert!(
        child.wait().expect("exit").success(),
        "SIGTERM is a clean shutdown"
    );
}

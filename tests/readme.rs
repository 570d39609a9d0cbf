//! The README's grpcurl examples work as written: every command line of the marked block is
//! run with bash against a live server (its address substituted for 127.0.0.1:50051).

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::{repo_dir, TestServer};

const START: &str = "<!-- readme-grpcurl:start -->";
const END: &str = "<!-- readme-grpcurl:end -->";

fn readme_commands() -> Vec<String> {
    let readme = std::fs::read_to_string(repo_dir().join("README.md")).expect("README.md");
    let start = readme.find(START).expect("start marker") + START.len();
    let end = readme.find(END).expect("end marker");
    readme[start..end]
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with("```"))
        .map(String::from)
        .collect()
}

/// PATH with the directory of `$GRPCURL` (set by .ci/run) in front.
fn path_with_grpcurl() -> String {
    let path = std::env::var("PATH").unwrap_or_default();
    match std::env::var("GRPCURL") {
        Ok(binary) => match PathBuf::from(binary).parent() {
            Some(dir) => format!("{}:{path}", dir.display()),
            None => path,
        },
        Err(_) => path,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_readme_grpcurl_example_runs() {
    let server = TestServer::start().await;
    let commands = readme_commands();
    assert!(
        commands.len() >= 6,
        "README lists the examples: {commands:?}"
    );
    for command in commands {
        let live = command.replace("127.0.0.1:50051", &server.addr.to_string());
        let output = Command::new("bash")
            .args(["-o", "pipefail", "-c", &live])
            .current_dir(repo_dir())
            .env("PATH", path_with_grpcurl())
            .output()
            .expect("bash");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success(),
            "{command}\nstdout: {stdout}\nstderr: {stderr}"
        );
        if command.ends_with("|| true") {
            assert!(
                stderr.contains("InvalidArgument") && stderr.contains("text is empty"),
                "{stderr}"
            );
        } else {
            assert!(!stdout.trim().is_empty(), "{command} printed nothing");
        }
    }
}

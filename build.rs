//! Compiles `proto/` into Rust with protox (a pure-Rust protobuf compiler, so no system
//! `protoc` is needed) and tonic-prost-build, and writes the file descriptor set that
//! server reflection serves: docclass's own API and the Open Inference Protocol (KServe v2,
//! `proto/inference/`) it serves beside it. The bench-only Echo proto is compiled separately
//! so its descriptors never reach the production server's reflection.

use std::{env, fs, path::PathBuf};

use prost::Message;

const PROTOS: &[&str] = &[
    "proto/docclass/v1/docclass.proto",
    "proto/inference/grpc_predict_v2.proto",
];
const BENCH_PROTOS: &[&str] = &["proto/bench/v1/echo.proto"];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    for proto in PROTOS.iter().chain(BENCH_PROTOS) {
        println!("cargo:rerun-if-changed={proto}");
    }
    let descriptors = protox::compile(PROTOS, ["proto"])?;
    let out_dir = PathBuf::from(env::var("OUT_DIR")?);
    fs::write(
        out_dir.join("docclass_descriptor.bin"),
        descriptors.encode_to_vec(),
    )?;
    tonic_prost_build::configure()
        .type_attribute(".docclass.v1", "#[derive(serde::Serialize)]")
        .compile_fds(descriptors)?;
    tonic_prost_build::configure().compile_fds(protox::compile(BENCH_PROTOS, ["proto"])?)?;
    Ok(())
}

//! Code generated from `proto/docclass/v1/docclass.proto` and the Open Inference Protocol's
//! `proto/inference/grpc_predict_v2.proto` by `build.rs` (never edited or committed), and the
//! file descriptor set that server reflection serves.
#![allow(missing_docs, clippy::all, clippy::pedantic)]

tonic::include_proto!("docclass.v1");

/// The Open Inference Protocol (KServe v2): `inference.GRPCInferenceService`, served beside
/// `docclass.v1` by `service::kserve`.
pub mod inference {
    #![allow(missing_docs, clippy::all, clippy::pedantic)]
    tonic::include_proto!("inference");
}

/// Encoded `FileDescriptorSet` of the docclass protos, for gRPC server reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] = tonic::include_file_descriptor_set!("docclass_descriptor");

/// The bench-only no-op Echo service (`proto/bench/v1/echo.proto`), served by
/// `docclass-bench echo-server` and never by the production server.
pub mod bench {
    #![allow(missing_docs, clippy::all, clippy::pedantic)]
    tonic::include_proto!("bench.v1");
}

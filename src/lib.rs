//! docclass: a gRPC service that tells what a news document is about (topic), what side it
//! takes (stance, optionally toward a target or claim) and what it says (an extractive
//! summary).
//!
//! Data flows one way: request → [`text`] → [`features`] → [`model`] → response. [`train`]
//! fits models from labeled data and writes them to disk; [`service`] loads them and serves
//! them over gRPC. [`cli`] is the `docclass` command line that drives them all.

pub mod cli;
pub mod features;
pub mod loadgen;
pub mod model;
pub mod pb;
pub mod service;
pub mod summarize;
pub mod telemetry;
pub mod text;
pub mod train;

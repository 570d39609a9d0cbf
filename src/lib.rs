//! docclass: a gRPC service that tells what a news document is about (topic), what side it
//! takes (stance, optionally toward a target or claim) and what it says (an extractive
//! summary).
//!
//! Data flows one way: request → [`text`] → [`features`] → [`model`] → response; [`stance`]
//! reads a document's stance toward a named target off the sentences that mention it
//! ([`mentions`] finds them). [`corpus`] reads labeled data; [`train`] fits models from it
//! and writes them to disk; [`evaluate`] measures a model on it; [`service`] loads the models
//! and serves them over gRPC, with [`telemetry`] counting and logging what it does. [`cli`]
//! is the `docclass` command line that drives them all.

pub mod cli;
pub mod corpus;
pub mod evaluate;
pub mod features;
pub mod loadgen;
pub mod mentions;
pub mod model;
pub mod pb;
pub mod progress;
pub mod service;
pub mod stance;
pub mod summarize;
pub mod telemetry;
pub mod text;
pub mod train;

//! Helpers for tests of the Open Inference Protocol (v2): a connected client, input tensors,
//! requests in typed and raw form, and reading output tensors of either form.

use docclass::pb::inference::grpc_inference_service_client::GrpcInferenceServiceClient;
use docclass::pb::inference::model_infer_request::InferInputTensor;
use docclass::pb::inference::model_infer_response::InferOutputTensor;
use docclass::pb::inference::{self as v2, InferTensorContents};
use tonic::transport::Channel;

use super::TestServer;

/// A connected v2 client.
pub async fn v2_client(server: &TestServer) -> GrpcInferenceServiceClient<Channel> {
    GrpcInferenceServiceClient::new(server.channel().await)
}

/// A BYTES [N] input with typed contents.
pub fn input(name: &str, elements: &[&str]) -> InferInputTensor {
    InferInputTensor {
        name: name.into(),
        datatype: "BYTES".into(),
        shape: vec![elements.len() as i64],
        parameters: Default::default(),
        contents: Some(InferTensorContents {
            bytes_contents: elements.iter().map(|e| e.as_bytes().to_vec()).collect(),
            ..Default::default()
        }),
    }
}

/// A request to `model` with `inputs`.
pub fn infer(model: &str, inputs: Vec<InferInputTensor>) -> v2::ModelInferRequest {
    v2::ModelInferRequest {
        model_name: model.into(),
        inputs,
        ..Default::default()
    }
}

/// `request` with every input's contents moved to `raw_input_contents`, as tritonclient
/// sends them.
pub fn as_raw(mut request: v2::ModelInferRequest) -> v2::ModelInferRequest {
    for tensor in &mut request.inputs {
        let contents = tensor.contents.take().expect("typed contents");
        let mut raw = Vec::new();
        for element in contents.bytes_contents {
            raw.extend_from_slice(&(element.len() as u32).to_le_bytes());
            raw.extend_from_slice(&element);
        }
        request.raw_input_contents.push(raw);
    }
    request
}

/// The output called `name`, with its position.
pub fn output<'a>(
    response: &'a v2::ModelInferResponse,
    name: &str,
) -> (usize, &'a InferOutputTensor) {
    response
        .outputs
        .iter()
        .enumerate()
        .find(|(_, o)| o.name == name)
        .unwrap_or_else(|| panic!("output {name} in {:?}", response.outputs))
}

/// The BYTES output `name` as strings.
pub fn strings(response: &v2::ModelInferResponse, name: &str) -> Vec<String> {
    let (index, tensor) = output(response, name);
    assert_eq!(tensor.datatype, "BYTES");
    match response.raw_output_contents.get(index) {
        Some(raw) => {
            let mut raw = raw.as_slice();
            let mut elements = Vec::new();
            while !raw.is_empty() {
                let (prefix, rest) = raw.split_at(4);
                let size = u32::from_le_bytes(prefix.try_into().expect("4 bytes")) as usize;
                elements.push(String::from_utf8(rest[..size].to_vec()).expect("UTF-8"));
                raw = &rest[size..];
            }
            elements
        }
        None => tensor
            .contents
            .as_ref()
            .expect("contents")
            .bytes_contents
            .iter()
            .map(|b| String::from_utf8(b.clone()).expect("UTF-8"))
            .collect(),
    }
}

/// The FP32 output `name`.
pub fn floats(response: &v2::ModelInferResponse, name: &str) -> Vec<f32> {
    let (index, tensor) = output(response, name);
    assert_eq!(tensor.datatype, "FP32");
    match response.raw_output_contents.get(index) {
        Some(raw) => raw
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes(c.try_into().expect("4 bytes")))
            .collect(),
        None => tensor
            .contents
            .as_ref()
            .expect("contents")
            .fp32_contents
            .clone(),
    }
}

/// The INT64 output `name`.
pub fn int64s(response: &v2::ModelInferResponse, name: &str) -> Vec<i64> {
    let (index, tensor) = output(response, name);
    assert_eq!(tensor.datatype, "INT64");
    match response.raw_output_contents.get(index) {
        Some(raw) => raw
            .chunks_exact(8)
            .map(|c| i64::from_le_bytes(c.try_into().expect("8 bytes")))
            .collect(),
        None => tensor
            .contents
            .as_ref()
            .expect("contents")
            .int64_contents
            .clone(),
    }
}

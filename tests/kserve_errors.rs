//! Bad Open Inference Protocol requests through the real server: each gets the right code
//! and a bounded message naming the tensor, parameter or output; the same auth and deadlines
//! as the native API apply; the server keeps answering.

mod common;

use common::v2::{as_raw, infer, input, v2_client};
use common::TestServer;
use docclass::pb;
use docclass::pb::inference::grpc_inference_service_client::GrpcInferenceServiceClient;
use docclass::pb::inference::infer_parameter::ParameterChoice;
use docclass::pb::inference::model_infer_request::InferRequestedOutputTensor;
use docclass::pb::inference::{self as v2, InferParameter};
use docclass::service::{Limits, ServerConfig};
use tonic::transport::Channel;
use tonic::{Code, Request};

/// Sends `request` and checks that it fails with `code` and a message containing `needle`.
async fn refused(
    client: &mut GrpcInferenceServiceClient<Channel>,
    request: v2::ModelInferRequest,
    code: Code,
    needle: &str,
) {
    let status = client.model_infer(request).await.expect_err(needle);
    assert_eq!(status.code(), code, "{needle}: {status:?}");
    assert!(
        status.message().contains(needle),
        "{needle:?} not in {:?}",
        status.message()
    );
    assert!(status.message().len() < 400, "{}", status.message());
}

#[tokio::test]
async fn bad_requests_get_the_right_code_naming_the_tensor() {
    let server = TestServer::start_with(ServerConfig {
        limits: Limits {
            max_document_bytes: 1000,
        },
        ..ServerConfig::default()
    })
    .await;
    let mut v2 = v2_client(&server).await;
    let text = "Parliament passed the budget after a long debate.";
    let ok = || infer("bbc", vec![input("text", &[text])]);
    v2.model_infer(ok())
        .await
        .expect("the base request is fine");

    let long = "word ".repeat(300);
    let mut wrong_type = ok();
    wrong_type.inputs[0].datatype = "FP32".into();
    let mut wrong_shape = ok();
    wrong_shape.inputs[0].shape = vec![1, 1];
    let mut count_mismatch = ok();
    count_mismatch.inputs[0].shape = vec![2];
    let mut bad_raw = as_raw(ok());
    bad_raw.raw_input_contents[0].truncate(10);
    let mut trailing_raw = as_raw(ok());
    trailing_raw.raw_input_contents[0].push(0);
    let mut unknown_output = ok();
    unknown_output.outputs.push(InferRequestedOutputTensor {
        name: "sentiment".into(),
        parameters: Default::default(),
    });
    let mut classification = ok();
    classification.outputs.push(InferRequestedOutputTensor {
        name: "label".into(),
        parameters: [(
            "classification".to_string(),
            InferParameter {
                parameter_choice: Some(ParameterChoice::Int64Param(2)),
            },
        )]
        .into(),
    });
    let mut input_parameter = ok();
    input_parameter.inputs[0].parameters.insert(
        "binary_data_size".into(),
        InferParameter {
            parameter_choice: Some(ParameterChoice::Int64Param(10)),
        },
    );
    let mut unknown_parameter = ok();
    unknown_parameter.parameters.insert(
        "temperature".into(),
        InferParameter {
            parameter_choice: Some(ParameterChoice::StringParam("hot".into())),
        },
    );
    let mut unknown_version = ok();
    unknown_version.model_version = "7".into();
    let mut not_utf8 = ok();
    not_utf8.inputs[0].contents.as_mut().unwrap().bytes_contents[0] = vec![b'a', 0xff];
    let mut huge_batch = ok();
    huge_batch.inputs[0].shape = vec![5000];
    let cases = [
        (
            infer("bbc", vec![input("title", &["Budget"])]),
            Code::InvalidArgument,
            "input tensor \"text\" is missing",
        ),
        (
            wrong_type,
            Code::InvalidArgument,
            "input tensor \"text\": datatype is \"FP32\", expected BYTES",
        ),
        (
            wrong_shape,
            Code::InvalidArgument,
            "input tensor \"text\": shape is [1, 1], expected [N]",
        ),
        (
            count_mismatch,
            Code::InvalidArgument,
            "input tensor \"text\": shape [2] but 1 elements",
        ),
        (
            huge_batch,
            Code::InvalidArgument,
            "over the limit of 1024 documents",
        ),
        (
            infer(
                "bbc",
                vec![input("text", &[text, text]), input("title", &["one"])],
            ),
            Code::InvalidArgument,
            "input tensor \"title\": has 1 elements but input \"text\" has 2",
        ),
        (
            infer("bbc", vec![input("text", &[text]), input("body", &[text])]),
            Code::InvalidArgument,
            "input tensor \"body\": model bbc takes no such input",
        ),
        (
            infer("bbc", vec![input("text", &[text, "  "])]),
            Code::InvalidArgument,
            "document 1 of the batch: text is empty",
        ),
        (
            infer("bbc", vec![input("text", &[text, &long])]),
            Code::InvalidArgument,
            "document 1 of the batch: text is 1500 bytes, over the limit of 1000 bytes",
        ),
        (
            not_utf8,
            Code::InvalidArgument,
            "input tensor \"text\": element 0 is not UTF-8",
        ),
        (
            bad_raw,
            Code::InvalidArgument,
            "input tensor \"text\": raw element 0 declares",
        ),
        (
            trailing_raw,
            Code::InvalidArgument,
            "1 bytes after the last of its 1 elements",
        ),
        (
            classification,
            Code::InvalidArgument,
            "output tensor \"label\": has parameter \"classification\", but no output",
        ),
        (
            input_parameter,
            Code::InvalidArgument,
            "input tensor \"text\": has parameter \"binary_data_size\"",
        ),
        (
            unknown_output,
            Code::InvalidArgument,
            "output tensor \"sentiment\": model bbc has no such output",
        ),
        (
            unknown_parameter,
            Code::InvalidArgument,
            "parameter \"temperature\": model bbc takes no such parameter",
        ),
        (
            infer("no-such-model", vec![input("text", &[text])]),
            Code::NotFound,
            "no model named \"no-such-model\"",
        ),
        (
            unknown_version,
            Code::NotFound,
            "model bbc has no version \"7\"",
        ),
        (
            infer("", vec![input("text", &[text])]),
            Code::InvalidArgument,
            "model name is empty",
        ),
        (
            infer(&"m".repeat(300), vec![input("text", &[text])]),
            Code::InvalidArgument,
            "model name is 300 bytes",
        ),
    ];
    for (request, code, needle) in cases {
        refused(&mut v2, request, code, needle).await;
    }
    // A model that needs a target says so when a document has none.
    let info = server
        .client()
        .await
        .get_model_info(pb::GetModelInfoRequest {})
        .await
        .unwrap()
        .into_inner();
    if let Some(stance) = info.models.iter().find(|m| m.needs_target) {
        refused(
            &mut v2,
            infer(&stance.name, vec![input("text", &[text])]),
            Code::InvalidArgument,
            "input tensor \"target\" is missing",
        )
        .await;
        refused(
            &mut v2,
            infer(
                &stance.name,
                vec![input("text", &[text]), input("target", &[""])],
            ),
            Code::InvalidArgument,
            "document 0 of the batch: target is empty",
        )
        .await;
    }
    v2.model_infer(ok())
        .await
        .expect("the server still answers");
    server.stop().await;
}

/// `request` carrying `authorization: value` and `grpc-timeout: timeout` when given.
fn with_metadata<T>(request: T, authorization: Option<&str>, timeout: Option<&str>) -> Request<T> {
    let mut request = Request::new(request);
    if let Some(value) = authorization {
        request
            .metadata_mut()
            .insert("authorization", value.parse().expect("ascii"));
    }
    if let Some(value) = timeout {
        request
            .metadata_mut()
            .insert("grpc-timeout", value.parse().expect("ascii"));
    }
    request
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_native_api_s_auth_deadlines_and_admission_apply() {
    let server = TestServer::start_with(ServerConfig {
        auth_token: Some("s3cret-token".into()),
        max_in_flight: 2,
        workers: 1,
        ..ServerConfig::default()
    })
    .await;
    let mut v2 = v2_client(&server).await;
    let text = "Parliament passed the budget after a long debate.";
    let request = || infer("bbc", vec![input("text", &[text])]);
    let token = Some("Bearer s3cret-token");
    for (name, authorization) in [("no token", None), ("wrong token", Some("Bearer nope"))] {
        let denied = v2
            .model_infer(with_metadata(request(), authorization, None))
            .await
            .expect_err(name);
        assert_eq!(denied.code(), Code::Unauthenticated, "{name}: {denied:?}");
        let denied = v2
            .model_ready(with_metadata(
                v2::ModelReadyRequest {
                    name: "bbc".into(),
                    version: String::new(),
                },
                authorization,
                None,
            ))
            .await
            .expect_err(name);
        assert_eq!(denied.code(), Code::Unauthenticated, "{name}: {denied:?}");
    }
    v2.model_infer(with_metadata(request(), token, None))
        .await
        .expect("with the token");
    let expired = v2
        .model_infer(with_metadata(request(), token, Some("0n")))
        .await
        .expect_err("deadline already passed");
    // tonic's client enforces the same grpc-timeout itself and, on a loaded machine, its own
    // timer can fire first (CANCELLED "Timeout expired"); either way the call does not run.
    assert!(
        matches!(expired.code(), Code::DeadlineExceeded | Code::Cancelled),
        "{expired:?}"
    );

    // Batches of long documents on the one worker: past two in flight, calls are shed.
    let long = "The committee met again to discuss the budget. ".repeat(2000);
    let batch: Vec<&str> = vec![long.as_str(); 8];
    let mut calls = Vec::new();
    for _ in 0..12 {
        let mut client = v2_client(&server).await;
        let request = with_metadata(infer("bbc", vec![input("text", &batch)]), token, None);
        calls.push(tokio::spawn(
            async move { client.model_infer(request).await },
        ));
    }
    let (mut ok, mut shed) = (0, 0);
    for call in calls {
        match call.await.expect("task") {
            Ok(_) => ok += 1,
            Err(status) => {
                assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
                assert!(status.message().contains("--max-in-flight"), "{status:?}");
                shed += 1;
            }
        }
    }
    assert!(ok >= 2 && shed > 0, "{ok} ok, {shed} shed");
    server.stop().await;
}

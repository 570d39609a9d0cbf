//! Optional TLS: the server speaks TLS with the given identity, and a client trusting its
//! certificate gets answers.

mod common;

use common::TestServer;
use docclass::pb;
use docclass::service::{ServerConfig, TlsFiles};
use tonic::transport::{Certificate, Channel, ClientTlsConfig};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_tls_with_the_configured_identity() {
    let dir = tempfile::tempdir().expect("tempdir");
    let certified =
        rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).expect("cert");
    let cert_pem = certified.cert.pem();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert, &cert_pem).expect("cert file");
    std::fs::write(&key, certified.signing_key.serialize_pem()).expect("key file");
    let server = TestServer::start_with(ServerConfig {
        tls: Some(TlsFiles { cert, key }),
        ..ServerConfig::default()
    })
    .await;

    let tls = ClientTlsConfig::new()
        .ca_certificate(Certificate::from_pem(cert_pem))
        .domain_name("localhost");
    let channel = Channel::from_shared(format!("https://{}", server.addr))
        .expect("url")
        .tls_config(tls)
        .expect("tls config")
        .connect()
        .await
        .expect("TLS handshake");
    let mut client = pb::document_service_client::DocumentServiceClient::new(channel);
    let answer = client
        .classify(pb::ClassifyRequest {
            text: "The minister announced the election date.".into(),
            ..Default::default()
        })
        .await
        .expect("answer over TLS")
        .into_inner();
    assert!(answer.topic.is_some());

    // A plaintext client cannot talk to it.
    let plaintext = pb::document_service_client::DocumentServiceClient::connect(server.url()).await;
    let failed = match plaintext {
        Err(_) => true,
        Ok(mut client) => client
            .classify(pb::ClassifyRequest {
                text: "x".into(),
                ..Default::default()
            })
            .await
            .is_err(),
    };
    assert!(failed, "plaintext request to a TLS server must fail");
}

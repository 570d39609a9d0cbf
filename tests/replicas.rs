//! Scaling out: three replicas on loopback ports behind tonic's balanced channel. One
//! replica is stopped mid-run; with a client-side retry on UNAVAILABLE no request fails.
//!
//! tonic's static `balance_list` keeps the stopped address in its set and keeps picking it
//! (about one attempt in three fails fast with UNAVAILABLE), so the retry budget is sized
//! for that: ten attempts make a spurious failure over 100 requests about 1 in 600.

mod common;

use std::time::Duration;

use common::{example_articles, TestServer};
use docclass::pb::{self, document_service_client::DocumentServiceClient};
use tonic::transport::{Channel, Endpoint};

/// Attempts per request; UNAVAILABLE (a replica that went away) is retried after a pause.
const ATTEMPTS: usize = 10;

async fn classify_with_retry(
    client: &mut DocumentServiceClient<Channel>,
    request: &pb::ClassifyRequest,
) -> Result<(pb::ClassifyResponse, usize), tonic::Status> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        match client.classify(request.clone()).await {
            Ok(response) => return Ok((response.into_inner(), attempt - 1)),
            Err(status) if status.code() == tonic::Code::Unavailable && attempt < ATTEMPTS => {
                tokio::time::sleep(Duration::from_millis(20 * attempt as u64)).await;
            }
            Err(status) => return Err(status),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_replica_costs_no_failed_request() {
    let mut replicas = Vec::new();
    for _ in 0..3 {
        replicas.push(TestServer::start().await);
    }
    let endpoints = replicas.iter().map(|r| {
        Endpoint::from_shared(r.url())
            .expect("url")
            .connect_timeout(Duration::from_secs(1))
            .timeout(Duration::from_secs(10))
    });
    let mut client = DocumentServiceClient::new(Channel::balance_list(endpoints));
    let (_, text) = &example_articles()[1];
    let request = pb::ClassifyRequest {
        id: "replica-check".into(),
        text: text.clone(),
        ..Default::default()
    };

    let (mut answered, mut retries) = (0, 0);
    for i in 0..150 {
        if i == 50 {
            replicas.remove(1).stop().await;
        }
        let (response, retried) = classify_with_retry(&mut client, &request)
            .await
            .unwrap_or_else(|status| panic!("request {i} failed after retries: {status:?}"));
        assert_eq!(response.id, "replica-check");
        assert!(response.topic.is_some());
        answered += 1;
        retries += retried;
    }
    assert_eq!(answered, 150);
    eprintln!("150 requests answered by 3 then 2 replicas; {retries} retried attempts");
    for replica in replicas {
        replica.stop().await;
    }
}

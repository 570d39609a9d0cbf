//! The no-op limit: an Echo service that decodes the request and answers at once, hosted with
//! the same transport settings and message limits as the production server. Whatever
//! throughput it reaches is what tonic, HTTP/2 and the loopback cost before any model work.

use std::future::Future;

use tokio::net::TcpListener;
use tonic::{Request, Response, Status};

use crate::pb::bench::echo_server::{Echo, EchoServer};
use crate::pb::bench::{EchoRequest, EchoResponse};
use crate::service::{self, ServerConfig};

/// Answers every request with its id and text length.
#[derive(Debug, Default, Clone, Copy)]
pub struct EchoService;

#[tonic::async_trait]
impl Echo for EchoService {
    async fn echo(&self, request: Request<EchoRequest>) -> Result<Response<EchoResponse>, Status> {
        let request = request.into_inner();
        Ok(Response::new(EchoResponse {
            text_bytes: request.text.len() as u64,
            id: request.id,
        }))
    }
}

/// Serves Echo (and `grpc.health.v1.Health`, so start-up can be polled the same way) on
/// `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    config: ServerConfig,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), tonic::transport::Error> {
    let (health_reporter, health_service) = tonic_health::server::health_reporter();
    health_reporter
        .set_serving::<EchoServer<EchoService>>()
        .await;
    let echo = EchoServer::new(EchoService)
        .max_decoding_message_size(config.max_message_bytes)
        .max_encoding_message_size(config.max_message_bytes);
    service::transport()
        .add_service(health_service)
        .add_service(echo)
        .serve_with_incoming_shutdown(service::incoming(listener), shutdown)
        .await
}

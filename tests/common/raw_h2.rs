//! A raw HTTP/2 client (the `h2` crate) for tests that send what a gRPC library never would:
//! DATA frames of any size, truncated messages, malformed headers, windows held shut.

use std::net::SocketAddr;

use h2::client::SendRequest;
use h2::{PingPong, RecvStream, SendStream};
use hyper::body::Bytes;
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// One HTTP/2 connection to the server.
pub struct RawConnection {
    /// Opens streams.
    pub send: SendRequest<Bytes>,
    /// Round trips through the server's frame reader.
    pub ping: PingPong,
    /// Changes the connection's initial stream window (SETTINGS_INITIAL_WINDOW_SIZE).
    windows: mpsc::UnboundedSender<u32>,
    /// The connection task: its end and why.
    pub done: JoinHandle<Result<(), h2::Error>>,
    addr: SocketAddr,
}

impl RawConnection {
    /// Connects to `addr` with a window of `response_window` bytes for every stream's
    /// response (0 = the server cannot send a response body until [`Self::open_windows`]).
    pub async fn connect(addr: SocketAddr, response_window: u32) -> Self {
        let tcp = TcpStream::connect(addr).await.expect("connect");
        let (send, mut connection) = h2::client::Builder::new()
            .initial_window_size(response_window)
            .handshake::<_, Bytes>(tcp)
            .await
            .expect("HTTP/2 handshake");
        let ping = connection.ping_pong().expect("ping handle");
        let (windows, mut sizes) = mpsc::unbounded_channel();
        let done = tokio::spawn(async move {
            loop {
                tokio::select! {
                    result = &mut connection => return result,
                    Some(size) = sizes.recv() => connection.set_initial_window_size(size)?,
                }
            }
        });
        Self {
            send,
            ping,
            windows,
            done,
            addr,
        }
    }

    /// Lets the server send response bodies (a 1 MiB window per stream).
    pub fn open_windows(&self) {
        self.windows.send(1 << 20).expect("connection task runs");
    }

    /// Opens a gRPC call of `method` (`/package.Service/Method`) with `headers`; the body
    /// is sent on the returned stream.
    pub async fn call(
        &mut self,
        method: &str,
        headers: &[(&str, &str)],
        end_of_stream: bool,
    ) -> (h2::client::ResponseFuture, SendStream<Bytes>) {
        let mut request = http::Request::builder()
            .method("POST")
            .uri(format!("http://{}{method}", self.addr))
            .header("content-type", "application/grpc")
            .header("te", "trailers");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request.body(()).expect("request");
        let mut ready = self.send.clone().ready().await.expect("ready to send");
        let (response, stream) = ready
            .send_request(request, end_of_stream)
            .expect("send request");
        self.send = ready;
        (response, stream)
    }

    /// A PING answered: the server has read every frame sent before it.
    pub async fn round_trip(&mut self) -> Result<(), h2::Error> {
        self.ping.ping(h2::Ping::opaque()).await.map(|_| ())
    }
}

/// `message` in gRPC's framing: uncompressed flag, 4-byte big-endian length, the bytes.
pub fn grpc_frame(message: &[u8]) -> Vec<u8> {
    let mut framed = Vec::with_capacity(5 + message.len());
    framed.push(0);
    framed.extend_from_slice(&(message.len() as u32).to_be_bytes());
    framed.extend_from_slice(message);
    framed
}

/// A finished gRPC response: its messages and status.
#[derive(Debug)]
pub struct GrpcAnswer {
    /// The response messages, undecoded.
    pub messages: Vec<Bytes>,
    /// `grpc-status` (from the trailers, or the headers of a trailers-only answer).
    pub code: i32,
    /// `grpc-message`, percent-decoded.
    pub message: String,
}

/// Reads a whole response, releasing flow-control capacity as it goes.
pub async fn read_answer(response: h2::client::ResponseFuture) -> Result<GrpcAnswer, h2::Error> {
    let response = response.await?;
    let (parts, mut body): (_, RecvStream) = response.into_parts();
    let mut buffer = Vec::new();
    while let Some(chunk) = body.data().await {
        let chunk = chunk?;
        let _ = body.flow_control().release_capacity(chunk.len());
        buffer.extend_from_slice(&chunk);
    }
    let trailers = body.trailers().await?;
    let status_from = trailers.as_ref().unwrap_or(&parts.headers);
    let status = tonic::Status::from_header_map(status_from);
    let mut messages = Vec::new();
    let mut rest = Bytes::from(buffer);
    while rest.len() >= 5 {
        let length = u32::from_be_bytes([rest[1], rest[2], rest[3], rest[4]]) as usize;
        let frame = rest.split_to((5 + length).min(rest.len()));
        messages.push(frame.slice(5..));
    }
    Ok(GrpcAnswer {
        messages,
        code: status.as_ref().map_or(-1, |s| s.code() as i32),
        message: status.map(|s| s.message().to_string()).unwrap_or_default(),
    })
}

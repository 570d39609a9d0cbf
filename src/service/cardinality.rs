//! Exactly one request message on the calls that take one. tonic decodes the first message
//! of a unary (or server-streaming) call and silently drops any that follow; gRPC's
//! status-code guide calls a request with more than one message a cardinality violation and
//! gives it UNIMPLEMENTED. The request body of such a call is watched here: it counts the
//! gRPC messages that start in it (reading only their 5-byte prefixes, skipping payloads by
//! their length), and when a second one starts, the body fails with UNIMPLEMENTED, which
//! tonic answers with. (A call with no message at all is answered by tonic and corrected in
//! `status::client_fault`.)

use std::pin::Pin;
use std::task::{Context, Poll};

use http_body::{Body, Frame, SizeHint};
use hyper::body::{Buf, Bytes};
use tonic::Status;

/// The methods that take exactly one request message.
const SINGLE_MESSAGE_METHODS: &[&str] = &[
    "/docclass.v1.DocumentService/Classify",
    "/docclass.v1.DocumentService/Summarize",
    "/docclass.v1.DocumentService/GetModelInfo",
    "/docclass.v1.AdminService/ReloadModels",
    "/inference.GRPCInferenceService/ServerLive",
    "/inference.GRPCInferenceService/ServerReady",
    "/inference.GRPCInferenceService/ModelReady",
    "/inference.GRPCInferenceService/ServerMetadata",
    "/inference.GRPCInferenceService/ModelMetadata",
    "/inference.GRPCInferenceService/ModelInfer",
    "/grpc.health.v1.Health/Check",
    "/grpc.health.v1.Health/Watch",
];

/// Whether a call to `path` takes exactly one request message.
pub fn single_message(path: &str) -> bool {
    SINGLE_MESSAGE_METHODS.contains(&path)
}

/// A request body that fails when a second gRPC message starts in it.
pub struct OneMessage<B> {
    inner: B,
    /// Messages whose prefix has begun.
    started: u32,
    /// Prefix bytes of the current message seen so far (0 to 5).
    prefix: [u8; 5],
    prefix_seen: usize,
    /// Payload bytes of the current message still to skip.
    payload_left: u64,
}

impl<B> OneMessage<B> {
    /// Watches `inner`.
    pub fn new(inner: B) -> Self {
        Self {
            inner,
            started: 0,
            prefix: [0; 5],
            prefix_seen: 0,
            payload_left: 0,
        }
    }

    /// Counts the messages that start in `data`; fails on the second.
    fn scan(&mut self, mut data: &[u8]) -> Result<(), Status> {
        while !data.is_empty() {
            if self.payload_left > 0 {
                let skip = self.payload_left.min(data.len() as u64);
                data = &data[skip as usize..];
                self.payload_left -= skip;
                continue;
            }
            if self.prefix_seen == 0 {
                self.started += 1;
                if self.started > 1 {
                    return Err(Status::unimplemented(
                        "a unary call carries exactly one request message; this one has more",
                    ));
                }
            }
            let take = (5 - self.prefix_seen).min(data.len());
            self.prefix[self.prefix_seen..self.prefix_seen + take].copy_from_slice(&data[..take]);
            self.prefix_seen += take;
            data = &data[take..];
            if self.prefix_seen == 5 {
                let length = [
                    self.prefix[1],
                    self.prefix[2],
                    self.prefix[3],
                    self.prefix[4],
                ];
                self.payload_left = u64::from(u32::from_be_bytes(length));
                self.prefix_seen = 0;
            }
        }
        Ok(())
    }
}

impl<B> Body for OneMessage<B>
where
    B: Body<Data = Bytes, Error = Status> + Unpin,
{
    type Data = Bytes;
    type Error = Status;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let frame = std::task::ready!(Pin::new(&mut self.inner).poll_frame(cx));
        if let Some(Ok(frame)) = &frame {
            if let Some(data) = frame.data_ref() {
                self.scan(data.chunk())?;
            }
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::OneMessage;

    #[test]
    fn a_second_message_is_found_across_any_split() {
        let mut two = vec![0, 0, 0, 0, 3, 1, 2, 3];
        two.extend_from_slice(&[0, 0, 0, 0, 1, 9]);
        for split in 0..two.len() {
            let mut body = OneMessage::new(());
            let first = body.scan(&two[..split]);
            let second = body.scan(&two[split..]);
            assert!(first.is_err() || second.is_err(), "split at {split}");
        }
        let mut one = OneMessage::new(());
        for byte in [0u8, 0, 0, 0, 3, 1, 2, 3] {
            one.scan(&[byte]).expect("one message, byte by byte");
        }
        assert!(
            OneMessage::new(()).scan(&[0, 0, 0, 0, 0]).is_ok(),
            "an empty message"
        );
    }
}

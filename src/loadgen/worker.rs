//! One load worker: a closed loop of calls (or paced calls, with a rate), or one long
//! `ClassifyStream` kept `window` requests deep.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, Semaphore};
use tokio_stream::wrappers::ReceiverStream;
use tonic::transport::Channel;

use super::{Budget, LoadConfig, Recorder, Rpc};
use crate::pb::bench::{echo_client::EchoClient, EchoRequest};
use crate::pb::document_service_client::DocumentServiceClient;
use crate::pb::{ClassifyRequest, SummarizeRequest};

pub(super) struct Worker {
    pub channel: Channel,
    pub config: LoadConfig,
    pub budget: Arc<Budget>,
    pub index: usize,
    pub start: Instant,
}

impl Worker {
    pub async fn run(self) -> Recorder {
        if self.config.rpc == Rpc::Stream {
            self.stream().await
        } else {
            self.unary().await
        }
    }

    fn classify_request(&self, n: usize) -> ClassifyRequest {
        let payload = &self.config.payloads[n % self.config.payloads.len()];
        ClassifyRequest {
            id: n.to_string(),
            title: payload.title.clone(),
            text: payload.text.clone(),
            ..Default::default()
        }
    }

    /// Calls the unary RPC in a loop; with a rate, at this worker's share of it.
    async fn unary(self) -> Recorder {
        let limit = self.config.max_message_bytes;
        let mut documents = DocumentServiceClient::new(self.channel.clone())
            .max_decoding_message_size(limit)
            .max_encoding_message_size(limit);
        let mut echo = EchoClient::new(self.channel.clone())
            .max_decoding_message_size(limit)
            .max_encoding_message_size(limit);
        let interval = self
            .config
            .rate
            .map(|rate| Duration::from_secs_f64(self.config.concurrency as f64 / rate));
        // Workers start staggered over one interval so paced sends are spread evenly.
        let mut scheduled = self.start
            + interval.map_or(Duration::ZERO, |i| {
                i.mul_f64(self.index as f64 / self.config.concurrency as f64)
            });
        let mut recorder = Recorder::default();
        let mut n = self.index * 7919;
        loop {
            if interval.is_some() {
                tokio::time::sleep_until(scheduled.into()).await;
            }
            let Some(measured) = self.budget.take() else {
                break;
            };
            let started = if interval.is_some() {
                scheduled
            } else {
                Instant::now()
            };
            let payload = &self.config.payloads[n % self.config.payloads.len()];
            let result = match self.config.rpc {
                Rpc::Classify | Rpc::Stream => {
                    documents.classify(self.classify_request(n)).await.map(drop)
                }
                Rpc::Summarize => documents
                    .summarize(SummarizeRequest {
                        title: payload.title.clone(),
                        text: payload.text.clone(),
                        max_sentences: 3,
                        ratio: 0.0,
                    })
                    .await
                    .map(drop),
                Rpc::Echo => echo
                    .echo(EchoRequest {
                        id: n.to_string(),
                        title: payload.title.clone(),
                        text: payload.text.clone(),
                    })
                    .await
                    .map(drop),
            };
            if measured {
                match result {
                    Ok(()) => recorder.success(started.elapsed()),
                    Err(status) => recorder.failure(|| status.to_string()),
                }
            }
            n += 1;
            if let Some(interval) = interval {
                scheduled += interval;
            }
        }
        recorder
    }

    /// Keeps one `ClassifyStream` open with up to `stream_window` requests in flight.
    async fn stream(self) -> Recorder {
        let limit = self.config.max_message_bytes;
        let mut client = DocumentServiceClient::new(self.channel.clone())
            .max_decoding_message_size(limit)
            .max_encoding_message_size(limit);
        let window = self.config.stream_window;
        let (requests, requests_rx) = mpsc::channel::<ClassifyRequest>(window);
        // Send times (and whether measured), in order: responses come back in request order.
        let (sent, mut sent_rx) = mpsc::unbounded_channel::<(Instant, bool)>();
        let permits = Arc::new(Semaphore::new(window));
        let sender = {
            let permits = Arc::clone(&permits);
            let budget = Arc::clone(&self.budget);
            let worker = Worker {
                channel: self.channel.clone(),
                config: self.config.clone(),
                budget: Arc::clone(&self.budget),
                index: self.index,
                start: self.start,
            };
            tokio::spawn(async move {
                let mut n = worker.index * 7919;
                while let Ok(permit) = permits.acquire().await {
                    permit.forget();
                    let Some(measured) = budget.take() else {
                        break;
                    };
                    if sent.send((Instant::now(), measured)).is_err()
                        || requests.send(worker.classify_request(n)).await.is_err()
                    {
                        break;
                    }
                    n += 1;
                }
            })
        };
        let mut recorder = Recorder::default();
        match client
            .classify_stream(ReceiverStream::new(requests_rx))
            .await
        {
            Ok(response) => {
                let mut responses = response.into_inner();
                loop {
                    match responses.message().await {
                        Ok(Some(_)) => {
                            if let Some((started, true)) = sent_rx.recv().await {
                                recorder.success(started.elapsed());
                            }
                            permits.add_permits(1);
                        }
                        Ok(None) => break,
                        Err(status) => {
                            recorder.failure(|| status.to_string());
                            break;
                        }
                    }
                }
            }
            Err(status) => recorder.failure(|| status.to_string()),
        }
        sender.abort();
        recorder
    }
}

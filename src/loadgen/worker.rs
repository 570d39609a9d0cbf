//! One load worker: a closed loop of calls (or paced calls, with a rate), or one long
//! `ClassifyStream` kept `window` requests deep. A `ModelInfer` call carries `batch`
//! consecutive payloads.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, Semaphore};
use tokio_stream::wrappers::ReceiverStream;
use tonic::transport::Channel;

use super::{Budget, LoadConfig, Recorder, Rpc};
use crate::pb::bench::{echo_client::EchoClient, EchoRequest};
use crate::pb::document_service_client::DocumentServiceClient;
use crate::pb::inference::grpc_inference_service_client::GrpcInferenceServiceClient;
use crate::pb::inference::model_infer_request::InferInputTensor;
use crate::pb::inference::{ModelInferRequest, ModelInferResponse};
use crate::pb::{ClassifyRequest, ClassifyResponse, SummarizeRequest};

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
            target: self.config.target.clone().unwrap_or_default(),
            ..Default::default()
        }
    }

    /// A `ModelInfer` request of `batch` documents from payload `n` on, their texts and
    /// titles as raw BYTES tensors (each element after its 4-byte little-endian length).
    fn model_infer_request(&self, n: usize) -> ModelInferRequest {
        let batch = self.config.batch;
        let payloads =
            (n..n + batch).map(|i| &self.config.payloads[i % self.config.payloads.len()]);
        let mut texts = Vec::new();
        let mut titles = Vec::new();
        for payload in payloads {
            for (raw, value) in [(&mut texts, &payload.text), (&mut titles, &payload.title)] {
                raw.extend_from_slice(&(value.len() as u32).to_le_bytes());
                raw.extend_from_slice(value.as_bytes());
            }
        }
        let tensor = |name: &str| InferInputTensor {
            name: name.to_string(),
            datatype: "BYTES".to_string(),
            shape: vec![batch as i64],
            ..Default::default()
        };
        ModelInferRequest {
            model_name: self.config.model.clone().unwrap_or_default(),
            id: n.to_string(),
            inputs: vec![tensor("text"), tensor("title")],
            raw_input_contents: vec![texts, titles],
            ..Default::default()
        }
    }

    /// Whether a `ModelInfer` answer holds a label for every document of the batch.
    fn check_inference(&self, answer: &ModelInferResponse) -> Result<(), String> {
        let labels = answer.outputs.iter().position(|o| o.name == "label");
        match labels.map(|i| (&answer.outputs[i], answer.raw_output_contents.get(i))) {
            Some((tensor, Some(_))) if tensor.shape == [self.config.batch as i64] => Ok(()),
            _ => Err(format!(
                "answer {:?} has no raw label tensor of shape [{}]",
                answer.id, self.config.batch
            )),
        }
    }

    /// Whether an answer is what was asked for: with a target, it must carry a stance (a
    /// server that ignored the target would otherwise be measured doing less work), or say
    /// that the text never mentions the named target.
    fn check_answer(&self, answer: &ClassifyResponse) -> Result<(), String> {
        let not_mentioned = answer
            .target_evidence
            .as_ref()
            .is_some_and(|evidence| !evidence.mentioned);
        if self.config.target.is_some() && answer.stance.is_none() && !not_mentioned {
            return Err(format!(
                "answer {:?} has no stance although a target was sent",
                answer.id
            ));
        }
        Ok(())
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
        let mut inference = GrpcInferenceServiceClient::new(self.channel.clone())
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
                    match documents.classify(self.classify_request(n)).await {
                        Ok(answer) => self.check_answer(answer.get_ref()),
                        Err(status) => Err(status.to_string()),
                    }
                }
                Rpc::Summarize => documents
                    .summarize(SummarizeRequest {
                        title: payload.title.clone(),
                        text: payload.text.clone(),
                        max_sentences: 3,
                        ratio: 0.0,
                    })
                    .await
                    .map(drop)
                    .map_err(|status| status.to_string()),
                Rpc::ModelInfer => match inference.model_infer(self.model_infer_request(n)).await {
                    Ok(answer) => self.check_inference(answer.get_ref()),
                    Err(status) => Err(status.to_string()),
                },
                Rpc::Echo => echo
                    .echo(EchoRequest {
                        id: n.to_string(),
                        title: payload.title.clone(),
                        text: payload.text.clone(),
                    })
                    .await
                    .map(drop)
                    .map_err(|status| status.to_string()),
            };
            if measured {
                match result {
                    Ok(()) => recorder.success(started.elapsed()),
                    Err(error) => recorder.failure(|| error),
                }
            }
            n += self.config.batch;
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
                        Ok(Some(answer)) => {
                            if let Some((started, true)) = sent_rx.recv().await {
                                match self.check_answer(&answer) {
                                    Ok(()) => recorder.success(started.elapsed()),
                                    Err(error) => recorder.failure(|| error),
                                }
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

//! Conversions between library results and wire messages, kept out of the handlers. They
//! only convert: answers are counted by the caller, in `telemetry`.

use crate::model::{ModelMetadata, ModelSet, Prediction, Task};
use crate::pb;
use crate::stance::{route, TargetStance};
use crate::summarize::Summary;

/// The wire form of the answer of the model described by `metadata`: scores best first,
/// `top_k` of them (0 or more than the label count = all).
pub fn prediction(metadata: &ModelMetadata, answer: Prediction, top_k: usize) -> pb::Prediction {
    let labels = &metadata.labels;
    let best = answer.best();
    let mut ranked = ranking(labels, &answer.probabilities);
    if top_k > 0 {
        ranked.truncate(top_k);
    }
    pb::Prediction {
        model: metadata.name.clone(),
        label: labels[best].clone(),
        confidence: answer.probabilities[best],
        scores: ranked
            .into_iter()
            .map(|class| pb::LabelScore {
                label: labels[class].clone(),
                score: answer.probabilities[class],
            })
            .collect(),
        explanation: answer
            .explanation
            .into_iter()
            .map(|(term, weight)| pb::TermWeight { term, weight })
            .collect(),
    }
}

/// The class numbers of `labels` ordered as every answer lists scores: most probable first,
/// ties by label.
pub fn ranking(labels: &[String], probabilities: &[f32]) -> Vec<usize> {
    let mut classes: Vec<usize> = (0..labels.len().min(probabilities.len())).collect();
    classes.sort_by(|&a, &b| {
        probabilities[b]
            .total_cmp(&probabilities[a])
            .then_with(|| labels[a].cmp(&labels[b]))
    });
    classes
}

/// The wire form of a summary of `text`.
pub fn summary(text: &str, summary: &Summary) -> pb::SummarizeResponse {
    pb::SummarizeResponse {
        summary: summary.joined(text),
        sentences: summary
            .sentences
            .iter()
            .map(|s| pb::SummarySentence {
                text: text[s.start..s.end].to_string(),
                index: s.index as u32,
                start: s.start as u32,
                end: s.end as u32,
                score: s.score,
            })
            .collect(),
    }
}

/// The wire form of what `text` says about a named target, read by the model described by
/// `metadata`: counts, the alias entry the target resolved to, and up to `max_evidence`
/// evidence sentences, strongest first.
pub fn target_evidence(
    text: &str,
    metadata: &ModelMetadata,
    read: &TargetStance,
    entry: Option<&str>,
    max_evidence: usize,
) -> pb::TargetEvidence {
    let document_label = read.best().unwrap_or_default();
    let evidence = read
        .evidence(max_evidence)
        .into_iter()
        .map(|sentence| {
            let best = sentence.best();
            pb::EvidenceSentence {
                text: text[sentence.start..sentence.end].to_string(),
                index: sentence.index as u32,
                start: sentence.start as u32,
                end: sentence.end as u32,
                label: metadata.labels[best].clone(),
                score: sentence.probabilities[best],
                mentions: sentence
                    .mentions
                    .iter()
                    .map(|m| pb::TextSpan {
                        start: m.start as u32,
                        end: m.end as u32,
                    })
                    .collect(),
                support: sentence.probabilities[document_label],
            }
        })
        .collect();
    pb::TargetEvidence {
        mentioned: read.probabilities.is_some(),
        mentioning_sentences: read.mentioning.len() as u32,
        mentions: read.mentions as u32,
        sentences: read.sentences as u32,
        resolved_entry: entry.unwrap_or_default().to_string(),
        evidence,
    }
}

impl From<Task> for pb::Task {
    fn from(task: Task) -> Self {
        match task {
            Task::Topic => pb::Task::Topic,
            Task::Stance => pb::Task::Stance,
        }
    }
}

/// Everything `GetModelInfo` says about the loaded models.
pub fn model_info(models: &ModelSet) -> pb::GetModelInfoResponse {
    pb::GetModelInfoResponse {
        models: models
            .models()
            .map(|model| {
                let classifier = &model.classifier;
                let metadata = classifier.metadata();
                pb::ModelInfo {
                    name: metadata.name.clone(),
                    task: pb::Task::from(metadata.task).into(),
                    labels: metadata.labels.clone(),
                    version: model.version.clone(),
                    training_data_digest: metadata.training_data_digest.clone(),
                    metrics: metadata.metrics.clone().into_iter().collect(),
                    needs_target: classifier.needs_target(),
                    trained_at: metadata.trained_at.clone(),
                    training_documents: metadata.training_documents,
                }
            })
            .collect(),
        default_topic_model: models
            .default_name(Task::Topic)
            .unwrap_or_default()
            .to_string(),
        default_stance_model: models
            .default_name(Task::Stance)
            .unwrap_or_default()
            .to_string(),
        named_target_stance_model: models
            .get(route::NAMED_TARGET_MODEL)
            .map(|m| m.classifier.metadata().name.clone())
            .unwrap_or_default(),
        stance_routing_rule: route::ROUTING_RULE.to_string(),
        alias_entries: models.aliases().len() as u32,
    }
}

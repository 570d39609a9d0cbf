//! The answer counters (`docclass_predictions_total`, by model, task and label). Answers are
//! counted here, apart from their conversion to wire messages; a model's counters are
//! registered on its first answer and kept, so an answer increments one counter without a
//! lookup in the metrics registry, and without a lock.

use std::sync::Arc;

use arc_swap::ArcSwap;
use rustc_hash::FxHashMap;

use super::PREDICTIONS_TOTAL;
use crate::model::registry::ServedClassifier;

/// The answer counters of every model a service has answered with, by model name.
#[derive(Debug, Default)]
pub struct PredictionCounters {
    by_model: ArcSwap<FxHashMap<String, Arc<ModelCounters>>>,
}

/// One model file's counters, one per label.
#[derive(Debug)]
struct ModelCounters {
    /// The model's version (format and payload digest): a reloaded model of the same name
    /// but another file gets counters of its own labels.
    version: String,
    by_label: Vec<metrics::Counter>,
}

impl PredictionCounters {
    /// Counts one answer of `model` with its label number `label`.
    pub fn record(&self, model: &ServedClassifier, label: usize) {
        let name = &model.classifier.metadata().name;
        if let Some(counters) = self
            .by_model
            .load()
            .get(name)
            .filter(|counters| counters.version == model.version)
        {
            counters.increment(label);
            return;
        }
        let counters = Arc::new(ModelCounters::register(model));
        counters.increment(label);
        self.by_model.rcu(|current| {
            let mut next = FxHashMap::clone(current);
            next.insert(name.clone(), Arc::clone(&counters));
            next
        });
    }
}

impl ModelCounters {
    fn register(model: &ServedClassifier) -> Self {
        let metadata = model.classifier.metadata();
        let by_label = metadata
            .labels
            .iter()
            .map(|label| {
                metrics::counter!(
                    PREDICTIONS_TOTAL,
                    "model" => metadata.name.clone(),
                    "task" => metadata.task.as_str(),
                    "label" => label.clone()
                )
            })
            .collect();
        Self {
            version: model.version.clone(),
            by_label,
        }
    }

    fn increment(&self, label: usize) {
        if let Some(counter) = self.by_label.get(label) {
            counter.increment(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use metrics_exporter_prometheus::PrometheusBuilder;

    use super::*;
    use crate::model::Classifier;

    fn bbc(version: &str, labels: &[&str]) -> ServedClassifier {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/bbc.model");
        let mut classifier = *Classifier::load(&path).expect("bbc.model");
        for (label, name) in classifier.metadata_mut().labels.iter_mut().zip(labels) {
            *label = name.to_string();
        }
        ServedClassifier {
            classifier,
            path: PathBuf::from("bbc.model"),
            version: version.to_string(),
        }
    }

    #[test]
    fn each_answer_counts_once_and_a_reloaded_file_counts_under_its_own_labels() {
        let recorder = PrometheusBuilder::new().build_recorder();
        let handle = recorder.handle();
        let counters = PredictionCounters::default();
        metrics::with_local_recorder(&recorder, || {
            let first = bbc("1-aaaa", &["one"]);
            counters.record(&first, 0);
            counters.record(&first, 0);
            // The same name from another file (a reload), whose first label is another.
            counters.record(&bbc("1-bbbb", &["uno"]), 0);
        });
        let text = handle.render();
        let series = |label: &str| {
            format!("docclass_predictions_total{{model=\"bbc\",task=\"topic\",label=\"{label}\"}}")
        };
        assert!(text.contains(&format!("{} 2\n", series("one"))), "{text}");
        assert!(text.contains(&format!("{} 1\n", series("uno"))), "{text}");
    }
}

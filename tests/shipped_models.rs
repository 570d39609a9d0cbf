//! The shipped models still load: every `models/*.model` decodes with the current code,
//! validates, and encodes back to exactly the bytes on disk. Model files are postcard, which
//! is not self-describing (see `FeatureSettings`), so a change to a stored type that breaks
//! them shows here: as a file that no longer decodes, or as one that decodes into other
//! values and so encodes differently.

mod common;

use common::models_dir;
use docclass::model::{Artifact, Classifier, ModelSet};

#[test]
fn every_shipped_model_loads_validates_and_encodes_back_to_its_bytes() {
    let mut paths: Vec<_> = std::fs::read_dir(models_dir())
        .expect("models dir")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "model"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 4, "shipped models: {paths:?}");
    let mut classifiers = 0;
    for path in &paths {
        let bytes = std::fs::read(path).expect("read");
        let loaded = Artifact::from_bytes(&bytes, path)
            .unwrap_or_else(|e| panic!("{e}: the current code cannot read a shipped model"));
        if let Artifact::Classifier(classifier) = &loaded.artifact {
            classifier
                .check(path)
                .unwrap_or_else(|e| panic!("{e}: a shipped model no longer validates"));
            Classifier::load(path).unwrap_or_else(|e| panic!("{e}"));
            classifiers += 1;
        }
        let again = loaded.artifact.to_bytes().expect("encode");
        assert!(
            again == bytes,
            "{}: decodes into something that encodes differently ({} bytes, was {})",
            path.display(),
            again.len(),
            bytes.len()
        );
    }
    assert!(classifiers >= 3, "shipped classifiers: {classifiers}");
    ModelSet::load_dir(&models_dir()).expect("the shipped directory loads as a model set");
}

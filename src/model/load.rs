//! Loading one classifier file and checking it before use. The registry (what the server
//! answers with) and evaluation read classifier files through the same check, so a file the
//! server refuses is refused by `docclass evaluate` with the same message.

use std::path::{Path, PathBuf};

use thiserror::Error;

use super::artifact::{Artifact, ArtifactError};
use super::Classifier;

/// A model file that decodes but whose parts do not fit together, or that carries a number
/// that is not finite (see [`Classifier::validate`]).
#[derive(Debug, Error)]
#[error("{path}: invalid model: {reason}")]
pub struct InvalidModel {
    /// The file.
    pub path: PathBuf,
    /// What is wrong.
    pub reason: String,
}

/// Why a classifier file could not be loaded.
#[derive(Debug, Error)]
pub enum ClassifierLoadError {
    /// The file is unreadable or not a valid model file.
    #[error(transparent)]
    Artifact(#[from] ArtifactError),
    /// The file holds a model of another kind (the summarizer's statistics).
    #[error("{0}: not a classifier model")]
    NotAClassifier(PathBuf),
    /// The classifier in the file is invalid.
    #[error(transparent)]
    Invalid(#[from] InvalidModel),
}

impl Classifier {
    /// Loads the model file at `path`, which must hold a valid classifier.
    pub fn load(path: &Path) -> Result<Box<Self>, ClassifierLoadError> {
        let loaded = Artifact::load(path)?;
        let Artifact::Classifier(classifier) = loaded.artifact else {
            return Err(ClassifierLoadError::NotAClassifier(path.to_path_buf()));
        };
        classifier.check(path)?;
        Ok(classifier)
    }

    /// [`Classifier::validate`] for the classifier read from `path`, whose error names the
    /// file.
    pub fn check(&self, path: &Path) -> Result<(), InvalidModel> {
        self.validate().map_err(|reason| InvalidModel {
            path: path.to_path_buf(),
            reason,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("models")
            .join(name)
    }

    #[test]
    fn a_bad_classifier_file_is_named_and_said_to_be_invalid() {
        let dir = tempfile::tempdir().expect("temp dir");
        let Artifact::Classifier(mut classifier) =
            Artifact::load(&shipped("bbc.model")).expect("bbc").artifact
        else {
            panic!("bbc.model holds a classifier");
        };
        classifier.temperature = f32::NAN;
        let bad = dir.path().join("bad.model");
        Artifact::Classifier(classifier).save(&bad).expect("save");
        let error = Classifier::load(&bad).expect_err("NaN temperature");
        assert!(
            matches!(error, ClassifierLoadError::Invalid(_)),
            "{error:?}"
        );
        assert_eq!(
            error.to_string(),
            format!("{}: invalid model: temperature is NaN", bad.display())
        );

        let summarizer = shipped("summarizer.model");
        let error = Classifier::load(&summarizer).expect_err("summarizer");
        assert_eq!(
            error.to_string(),
            format!("{}: not a classifier model", summarizer.display())
        );
        assert!(Classifier::load(&shipped("bbc.model")).is_ok());
    }
}

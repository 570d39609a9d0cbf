//! The set of models the server answers with, loaded from a directory at start-up.
//!
//! Every `*.model` file in the directory is read and validated before the server listens,
//! and so is the alias table of named targets (`aliases.jsonl`, when the directory has one);
//! the first bad file stops the load with an error that names it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arc_swap::ArcSwap;
use thiserror::Error;

use super::artifact::{Artifact, ArtifactError};
use super::{Classifier, InvalidModel, Task};
use crate::mentions::{AliasError, AliasTable};
use crate::summarize::Summarizer;

/// File extension of model files.
pub const MODEL_EXTENSION: &str = "model";

/// File name, in the model directory, of the alias table that says what else a named target
/// may be called (see [`crate::mentions`]).
pub const ALIAS_FILE: &str = "aliases.jsonl";

/// Preferred default models per task, best first; otherwise the first by name.
const PREFERRED_DEFAULTS: &[(Task, &[&str])] = &[
    (Task::Topic, &["agnews", "bbc"]),
    (Task::Stance, &["fnc1", "semeval2016"]),
];

/// Why the model directory could not be loaded.
#[derive(Debug, Error)]
pub enum RegistryError {
    /// The directory could not be listed.
    #[error("cannot read model directory {path}: {source}")]
    Directory {
        /// The directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A model file is unreadable or invalid.
    #[error(transparent)]
    Artifact(#[from] ArtifactError),
    /// A model file decodes but its parts do not fit together.
    #[error(transparent)]
    Invalid(#[from] InvalidModel),
    /// Two files carry a model of the same name.
    #[error("{path}: model name {name:?} is already used by {other}")]
    DuplicateName {
        /// The second file.
        path: PathBuf,
        /// The name.
        name: String,
        /// The first file.
        other: PathBuf,
    },
    /// The directory holds no summarizer statistics.
    #[error("no summarizer model in {path} (train one with `docclass train --task summary`)")]
    MissingSummarizer {
        /// The directory.
        path: PathBuf,
    },
    /// The directory holds two summarizer models.
    #[error("{path}: a second summarizer model (the first is {other})")]
    DuplicateSummarizer {
        /// The second file.
        path: PathBuf,
        /// The first file.
        other: PathBuf,
    },
    /// The alias file is unreadable or invalid.
    #[error(transparent)]
    Aliases(#[from] AliasError),
    /// The directory holds no model for a task.
    #[error("no {task} model in {path}")]
    MissingTask {
        /// The directory.
        path: PathBuf,
        /// The task without a model.
        task: Task,
    },
}

/// A classifier as the server holds it: the classifier, the file it came from and its
/// version.
#[derive(Debug)]
pub struct ServedClassifier {
    /// The classifier.
    pub classifier: Classifier,
    /// The file it was loaded from.
    pub path: PathBuf,
    /// Version string: format version and payload digest prefix.
    pub version: String,
}

/// Every model one load of the directory produced (the classifiers by name, each task's
/// default, the summarizer), shared read-only between requests.
#[derive(Debug)]
pub struct ModelSet {
    models: BTreeMap<String, Arc<ServedClassifier>>,
    defaults: BTreeMap<Task, String>,
    summarizer: Arc<Summarizer>,
    aliases: Arc<AliasTable>,
    summarizer_version: String,
}

impl ModelSet {
    /// Loads and validates every model file in `dir`, and its [`ALIAS_FILE`] when there is
    /// one (without it, named targets are matched by their own words only); needs at least
    /// one topic and one stance model.
    pub fn load_dir(dir: &Path) -> Result<Self, RegistryError> {
        let directory_error = |source| RegistryError::Directory {
            path: dir.to_path_buf(),
            source,
        };
        let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(directory_error)?
            .map(|entry| entry.map(|e| e.path()))
            .collect::<Result<_, _>>()
            .map_err(directory_error)?;
        paths.retain(|p| p.extension().is_some_and(|e| e == MODEL_EXTENSION));
        paths.sort();
        let mut classifiers = ClassifiersByName::default();
        let mut summarizer: Option<(Summarizer, PathBuf, String)> = None;
        for path in paths {
            let loaded = Artifact::load(&path)?;
            let version = format!("{}-{}", super::FORMAT_VERSION, &loaded.digest[..12]);
            match loaded.artifact {
                Artifact::Classifier(classifier) => {
                    classifiers.insert(*classifier, path, version)?;
                }
                Artifact::Summarizer(idf) => {
                    if let Some((_, other, _)) = summarizer {
                        return Err(RegistryError::DuplicateSummarizer { path, other });
                    }
                    summarizer = Some((Summarizer::new(idf), path, version));
                }
            }
        }
        for task in [Task::Topic, Task::Stance] {
            if !classifiers.defaults.contains_key(&task) {
                return Err(RegistryError::MissingTask {
                    path: dir.to_path_buf(),
                    task,
                });
            }
        }
        let (summarizer, _, summarizer_version) =
            summarizer.ok_or_else(|| RegistryError::MissingSummarizer {
                path: dir.to_path_buf(),
            })?;
        let alias_path = dir.join(ALIAS_FILE);
        let aliases = if alias_path.exists() {
            AliasTable::load(&alias_path)?
        } else {
            AliasTable::empty()
        };
        Ok(Self {
            models: classifiers.models,
            defaults: classifiers.defaults,
            summarizer: Arc::new(summarizer),
            aliases: Arc::new(aliases),
            summarizer_version,
        })
    }

    /// The model called `name`.
    pub fn get(&self, name: &str) -> Option<&Arc<ServedClassifier>> {
        self.models.get(name)
    }

    /// Name of the default model of `task`.
    pub fn default_name(&self, task: Task) -> Option<&str> {
        self.defaults.get(&task).map(String::as_str)
    }

    /// Every model, by name.
    pub fn models(&self) -> impl Iterator<Item = &Arc<ServedClassifier>> {
        self.models.values()
    }

    /// The extractive summarizer.
    pub fn summarizer(&self) -> &Summarizer {
        &self.summarizer
    }

    /// The alias table of named targets (empty when the directory has no [`ALIAS_FILE`]).
    pub fn aliases(&self) -> &AliasTable {
        &self.aliases
    }

    /// The summarizer's version, made as a classifier's is (format version and payload
    /// digest prefix).
    pub fn summarizer_version(&self) -> &str {
        &self.summarizer_version
    }
}

/// The classifiers gathered while loading, by name, with the default of each task.
#[derive(Default)]
struct ClassifiersByName {
    models: BTreeMap<String, Arc<ServedClassifier>>,
    defaults: BTreeMap<Task, String>,
}

impl ClassifiersByName {
    fn insert(
        &mut self,
        classifier: Classifier,
        path: PathBuf,
        version: String,
    ) -> Result<(), RegistryError> {
        classifier.check(&path)?;
        let name = classifier.metadata().name.clone();
        if let Some(other) = self.models.get(&name) {
            return Err(RegistryError::DuplicateName {
                path,
                name,
                other: other.path.clone(),
            });
        }
        let task = classifier.metadata().task;
        let preferred = PREFERRED_DEFAULTS
            .iter()
            .find(|(t, _)| *t == task)
            .map_or(&[][..], |(_, names)| *names);
        let rank = |n: &str| preferred.iter().position(|p| *p == n).unwrap_or(usize::MAX);
        let replace = match self.defaults.get(&task) {
            None => true,
            Some(current) => rank(&name) < rank(current),
        };
        if replace {
            self.defaults.insert(task, name.clone());
        }
        self.models.insert(
            name,
            Arc::new(ServedClassifier {
                classifier,
                path,
                version,
            }),
        );
        Ok(())
    }
}

/// The model set being served and the directory it comes from; reloaded while serving
/// without a pause: readers take a snapshot (an `Arc`) and a reload swaps the whole set atomically.
#[derive(Debug)]
pub struct ReloadableModelSet {
    dir: PathBuf,
    current: ArcSwap<ModelSet>,
}

impl ReloadableModelSet {
    /// Loads and validates the models in `dir`.
    pub fn open(dir: &Path) -> Result<Self, RegistryError> {
        Ok(Self {
            dir: dir.to_path_buf(),
            current: ArcSwap::from_pointee(ModelSet::load_dir(dir)?),
        })
    }

    /// The model directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The models served now; unaffected by later reloads.
    pub fn snapshot(&self) -> Arc<ModelSet> {
        self.current.load_full()
    }

    /// Loads the directory afresh and, only if every model is valid, swaps the new set in.
    /// On error the current set keeps serving.
    pub fn reload(&self) -> Result<Arc<ModelSet>, RegistryError> {
        let fresh = Arc::new(ModelSet::load_dir(&self.dir)?);
        self.current.store(Arc::clone(&fresh));
        Ok(fresh)
    }
}

//! The model file format: a small self-checking envelope around a postcard payload.
//!
//! ```text
//! magic "DOCCLASS" (8 bytes) | format version u32 LE | payload length u64 LE |
//! SHA-256 of payload (32 bytes) | payload (postcard-encoded `Artifact`)
//! ```
//! Loading checks every part before decoding, so a truncated, corrupted, foreign or
//! wrong-version file is refused with a message naming it. Saving writes a temporary file
//! in the destination directory, syncs it and renames it over the target, so readers see
//! the old file or the new one, never half of one.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use thiserror::Error;

use super::Classifier;
use crate::summarize::IdfTable;

/// First bytes of every model file.
pub const MAGIC: &[u8; 8] = b"DOCCLASS";
/// Version of the envelope and payload layout this build reads and writes.
pub const FORMAT_VERSION: u32 = 1;
const HEADER_LEN: usize = 8 + 4 + 8 + 32;

/// Everything a model file can hold.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Artifact {
    /// A topic or stance classifier.
    Classifier(Box<Classifier>),
    /// Corpus statistics of the extractive summarizer.
    Summarizer(IdfTable),
}

/// Why a model file could not be read or written.
#[derive(Debug, Error)]
pub enum ArtifactError {
    /// The file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file does not start with the docclass magic bytes.
    #[error("{path}: not a docclass model file")]
    Foreign {
        /// The file.
        path: PathBuf,
    },
    /// The file was written by another format version.
    #[error("{path}: model format version {found}, this build reads version {FORMAT_VERSION}")]
    WrongVersion {
        /// The file.
        path: PathBuf,
        /// The version found in the file.
        found: u32,
    },
    /// The file is shorter than its header says.
    #[error("{path}: truncated model file ({found} bytes, expected {expected})")]
    Truncated {
        /// The file.
        path: PathBuf,
        /// Bytes present.
        found: usize,
        /// Bytes the header announces.
        expected: usize,
    },
    /// The checksum does not match (or the artifact cannot be encoded for saving).
    #[error("{path}: corrupted model file ({reason})")]
    Corrupted {
        /// The file.
        path: PathBuf,
        /// What did not check out.
        reason: String,
    },
    /// The checksum is right but the payload is not a model of this format version: written
    /// by an incompatible build that kept the version number, or crafted.
    #[error(
        "{path}: payload is not a docclass model of format version {FORMAT_VERSION}: {source}"
    )]
    Undecodable {
        /// The file.
        path: PathBuf,
        /// What the decoder refused.
        source: postcard::Error,
    },
}

/// A decoded model file with its digest.
#[derive(Debug)]
pub struct LoadedArtifact {
    /// The decoded content.
    pub artifact: Artifact,
    /// Hex SHA-256 of the payload: identifies this exact model.
    pub digest: String,
}

impl Artifact {
    /// Encodes the artifact into the envelope.
    pub fn to_bytes(&self) -> Result<Vec<u8>, postcard::Error> {
        let payload = postcard::to_stdvec(self)?;
        let mut bytes = Vec::with_capacity(HEADER_LEN + payload.len());
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        bytes.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        bytes.extend_from_slice(&Sha256::digest(&payload));
        bytes.extend_from_slice(&payload);
        Ok(bytes)
    }

    /// Decodes and checks an envelope read from `path` (used in messages only).
    pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<LoadedArtifact, ArtifactError> {
        let path_buf = || path.to_path_buf();
        if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
            return Err(ArtifactError::Foreign { path: path_buf() });
        }
        if bytes.len() < HEADER_LEN {
            return Err(ArtifactError::Truncated {
                path: path_buf(),
                found: bytes.len(),
                expected: HEADER_LEN,
            });
        }
        let version = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
        if version != FORMAT_VERSION {
            return Err(ArtifactError::WrongVersion {
                path: path_buf(),
                found: version,
            });
        }
        let mut length = [0u8; 8];
        length.copy_from_slice(&bytes[12..20]);
        let length = usize::try_from(u64::from_le_bytes(length)).unwrap_or(usize::MAX);
        let expected = HEADER_LEN.saturating_add(length);
        if bytes.len() != expected {
            return Err(ArtifactError::Truncated {
                path: path_buf(),
                found: bytes.len(),
                expected,
            });
        }
        let payload = &bytes[HEADER_LEN..];
        let digest = Sha256::digest(payload);
        if digest.as_slice() != &bytes[20..HEADER_LEN] {
            return Err(ArtifactError::Corrupted {
                path: path_buf(),
                reason: "checksum mismatch".into(),
            });
        }
        let artifact =
            postcard::from_bytes(payload).map_err(|source| ArtifactError::Undecodable {
                path: path_buf(),
                source,
            })?;
        Ok(LoadedArtifact {
            artifact,
            digest: hex(&digest),
        })
    }

    /// Reads and checks the model file at `path`.
    pub fn load(path: &Path) -> Result<LoadedArtifact, ArtifactError> {
        let bytes = std::fs::read(path).map_err(|source| ArtifactError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_bytes(&bytes, path)
    }

    /// Writes the artifact to `path` atomically (temporary file in the same directory, fsync,
    /// rename). On error the previous file at `path`, if any, is untouched.
    pub fn save(&self, path: &Path) -> Result<(), ArtifactError> {
        let io = |source| ArtifactError::Io {
            path: path.to_path_buf(),
            source,
        };
        let bytes = self.to_bytes().map_err(|e| ArtifactError::Corrupted {
            path: path.to_path_buf(),
            reason: format!("cannot encode: {e}"),
        })?;
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        std::fs::create_dir_all(dir).map_err(io)?;
        let mut temp = tempfile::Builder::new()
            .prefix(".docclass-")
            .suffix(".tmp")
            .tempfile_in(dir)
            .map_err(io)?;
        temp.write_all(&bytes).map_err(io)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let readable = std::fs::Permissions::from_mode(0o644);
            temp.as_file().set_permissions(readable).map_err(io)?;
        }
        temp.as_file().sync_all().map_err(io)?;
        temp.persist(path).map_err(|e| io(e.error))?;
        Ok(())
    }
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

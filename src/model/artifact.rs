//! The model file format: a small self-checking envelope around a postcard payload.
//!
//! ```text
//! magic "DOCCLASS" (8 bytes) | format version u32 LE | payload length u64 LE |
//! SHA-256 of payload (32 bytes) | payload (postcard-encoded `Artifact`)
//! ```
//! Loading checks every part before decoding, so a truncated, corrupted, foreign or
//! wrong-version file is refused with a message naming it. A file is read header first: one
//! that is foreign, of another version, announces more than [`MAX_MODEL_FILE_BYTES`] or
//! whose size disagrees with its header is refused before its payload is read, so a stray or
//! damaged file costs a reload 52 bytes of reading, not its size in memory. Saving writes a
//! temporary file in the destination directory, syncs it and renames it over the target, so
//! readers see the old file or the new one, never half of one.
//!
//! postcard is not self-describing: the payload's layout is the declaration order of every
//! stored type's fields and the index of every enum variant. Changing a stored struct breaks
//! the shipped models unless [`FORMAT_VERSION`] is bumped and they are retrained; appending
//! an enum variant does not (the rule in full is on
//! [`FeatureSettings`](crate::features::FeatureSettings); `tests/shipped_models.rs` checks
//! the shipped files).

use std::io::{Read, Write};
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
/// Largest model file a load or reload reads, in bytes (header included).
pub const MAX_MODEL_FILE_BYTES: u64 = 1 << 30;

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
        found: u64,
        /// Bytes the header announces.
        expected: u64,
    },
    /// The file is longer than its header says.
    #[error("{path}: model file longer than expected ({found} bytes, header says {expected})")]
    Longer {
        /// The file.
        path: PathBuf,
        /// Bytes present.
        found: u64,
        /// Bytes the header announces.
        expected: u64,
    },
    /// The header announces a file larger than a load reads.
    #[error(
        "{path}: header announces a {expected}-byte model file, over the limit of {limit} bytes"
    )]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Bytes the header announces.
        expected: u64,
        /// [`MAX_MODEL_FILE_BYTES`].
        limit: u64,
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
        let header = Header::parse(bytes, path)?;
        header.check_size(bytes.len() as u64, path)?;
        header.decode(&bytes[HEADER_LEN..], path)
    }

    /// Reads and checks the model file at `path`: the header first, the payload only when
    /// the file's size is the one the header announces and within [`MAX_MODEL_FILE_BYTES`].
    pub fn load(path: &Path) -> Result<LoadedArtifact, ArtifactError> {
        let io = |source| ArtifactError::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut file = std::fs::File::open(path).map_err(io)?;
        let size = file.metadata().map_err(io)?.len();
        let mut start = Vec::with_capacity(HEADER_LEN);
        (&mut file)
            .take(HEADER_LEN as u64)
            .read_to_end(&mut start)
            .map_err(io)?;
        let header = Header::parse(&start, path)?;
        header.check_size(size, path)?;
        // One byte more than announced, to see a file that grew since its size was read.
        let mut payload = Vec::with_capacity(header.payload_len as usize);
        file.take(header.payload_len + 1)
            .read_to_end(&mut payload)
            .map_err(io)?;
        header.check_size(HEADER_LEN as u64 + payload.len() as u64, path)?;
        header.decode(&payload, path)
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

/// The fixed-size start of a model file.
struct Header {
    payload_len: u64,
    checksum: [u8; 32],
}

impl Header {
    /// The header at the start of `bytes` (at least its first 52 bytes), checked for the
    /// magic bytes and the format version.
    fn parse(bytes: &[u8], path: &Path) -> Result<Self, ArtifactError> {
        let path_buf = || path.to_path_buf();
        if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
            return Err(ArtifactError::Foreign { path: path_buf() });
        }
        if bytes.len() < HEADER_LEN {
            return Err(ArtifactError::Truncated {
                path: path_buf(),
                found: bytes.len() as u64,
                expected: HEADER_LEN as u64,
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
        let mut checksum = [0u8; 32];
        checksum.copy_from_slice(&bytes[20..HEADER_LEN]);
        Ok(Self {
            payload_len: u64::from_le_bytes(length),
            checksum,
        })
    }

    /// Checks that a file of `size` bytes is exactly as long as the header announces, and
    /// that this is within [`MAX_MODEL_FILE_BYTES`].
    fn check_size(&self, size: u64, path: &Path) -> Result<(), ArtifactError> {
        let expected = (HEADER_LEN as u64).saturating_add(self.payload_len);
        let path = path.to_path_buf();
        if size < expected {
            return Err(ArtifactError::Truncated {
                path,
                found: size,
                expected,
            });
        }
        if size > expected {
            return Err(ArtifactError::Longer {
                path,
                found: size,
                expected,
            });
        }
        if expected > MAX_MODEL_FILE_BYTES {
            return Err(ArtifactError::TooLarge {
                path,
                expected,
                limit: MAX_MODEL_FILE_BYTES,
            });
        }
        Ok(())
    }

    /// Checks `payload` against the checksum and decodes it.
    fn decode(&self, payload: &[u8], path: &Path) -> Result<LoadedArtifact, ArtifactError> {
        let digest = Sha256::digest(payload);
        if digest.as_slice() != self.checksum {
            return Err(ArtifactError::Corrupted {
                path: path.to_path_buf(),
                reason: "checksum mismatch".into(),
            });
        }
        let artifact =
            postcard::from_bytes(payload).map_err(|source| ArtifactError::Undecodable {
                path: path.to_path_buf(),
                source,
            })?;
        Ok(LoadedArtifact {
            artifact,
            digest: hex(&digest),
        })
    }
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

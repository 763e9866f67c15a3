use std::path::PathBuf;

/// The one error type of portavoz.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A model folder or file is missing.
    #[error("model file not found: {path} ({hint})")]
    ModelMissing { path: PathBuf, hint: String },
    /// A model file exists but cannot be read as what it claims to be.
    #[error("model file {path} is corrupt: {reason}")]
    ModelCorrupt { path: PathBuf, reason: String },
    /// The tokenizer could not be loaded or failed on a text.
    #[error("tokenizer error: {0}")]
    Tokenizer(String),
    /// libtorch reported an error.
    #[error("libtorch error: {0}")]
    Torch(#[from] tch::TchError),
    /// A document could not be processed.
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// A malformed data file (corpus, JSONL, lexicon).
    #[error("{path}:{line}: {reason}")]
    Parse { path: String, line: usize, reason: String },
    /// An I/O error, with the path it concerns.
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    /// JSON (de)serialization failed.
    #[error("JSON error: {0}")]
    Json(#[from] serde_json::Error),
    /// A configuration value is out of range.
    #[error("invalid configuration: {0}")]
    Config(String),
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io { path: path.into(), source }
    }
}

/// `Result` with portavoz's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

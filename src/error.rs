use std::path::PathBuf;

/// The one error type of portavoz.
///
/// Its `Debug` form is its message, so that `fn main() -> Result<(), Box<dyn Error>>` prints
/// the message (with the paths and the fix) rather than the variant's fields.
#[derive(thiserror::Error)]
pub enum Error {
    /// A model folder or file is missing.
    #[error("model file not found: {path} ({hint})")]
    ModelMissing { path: PathBuf, hint: String },
    /// No model folder was named and none was found where [`crate::model_location::locate_model`] looks:
    /// `searched` lists every place it looked.
    #[error(
        "no portavoz model found; looked in: {}. Fix: run `make setup` in a portavoz source checkout (it installs \
         the model into the per-user cache), or set PORTAVOZ_MODEL=DIR (or PipelineConfig::model_dir) to a folder \
         holding config.json, model.safetensors and tokenizer.json",
        searched.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
    )]
    ModelNotFound { searched: Vec<PathBuf> },
    /// A model file exists but cannot be read as what it claims to be.
    #[error("model file {path} is corrupt: {reason}")]
    ModelCorrupt { path: PathBuf, reason: String },
    /// A model file can be read, but a value in it does not fit the model (a zero or negative
    /// size, a head count that does not divide the hidden size, a shape that disagrees with
    /// the weights): `field` names the value.
    #[error("model file {path} does not fit: {field}: {reason}")]
    ModelInvalid { path: PathBuf, field: String, reason: String },
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
    /// Another process holds the lock on an output file (two runs writing one output).
    #[error(
        "{path} is being written by another process (it holds an exclusive lock on the file); two runs must not \
         write the same output: wait for the other one to finish, or write to another file"
    )]
    OutputLocked { path: PathBuf },
    /// A configuration value is out of range.
    #[error("invalid configuration: {0}")]
    Config(String),
}

impl std::fmt::Debug for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self}")
    }
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io { path: path.into(), source }
    }
}

/// `Result` with portavoz's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

//! Where the model folder is found, and what it is.
//!
//! [`locate_model`] looks in this order and takes the first that applies:
//!
//! 1. an explicit folder ([`PipelineConfig::model_dir`](method@crate::PipelineConfig::model_dir),
//!    `portavoz annotate --model DIR`);
//! 2. the `PORTAVOZ_MODEL` environment variable;
//! 3. the per-user copy that `make setup` installs: `<cache>/models/portavoz-ner-es-<version>`,
//!    `<version>` being this crate's version and `<cache>` `$PORTAVOZ_CACHE`, else
//!    `$XDG_CACHE_HOME/portavoz`, else `~/.cache/portavoz`;
//! 4. the crate's own `models/portavoz-ner-es` (in the source checkout it was compiled from).
//!
//! A folder named explicitly (1, 2) is used as given, so that a wrong one is reported rather
//! than silently replaced; the other two count only when they hold a `config.json`. When none
//! applies, the error ([`Error::ModelNotFound`]) names every place that was looked at and the
//! command that installs the model.
use std::fmt;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The environment variable that names a model folder.
pub const MODEL_ENV: &str = "PORTAVOZ_MODEL";
/// The environment variable that names the set-up cache (default `~/.cache/portavoz`).
pub const CACHE_ENV: &str = "PORTAVOZ_CACHE";
/// The version of this crate, as reported by `portavoz --version`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// The name of the shipped model.
pub const MODEL_NAME: &str = "portavoz-ner-es";
/// The file of a model folder that holds its version (one line).
pub const MODEL_VERSION_FILE: &str = "VERSION";

/// How the model folder was chosen (see the [module documentation](self)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelSource {
    /// Named by the caller ([`PipelineConfig::model_dir`](method@crate::PipelineConfig::model_dir)).
    Explicit,
    /// Named by the `PORTAVOZ_MODEL` environment variable.
    Environment,
    /// The per-user copy `make setup` installs in the cache.
    UserCache,
    /// The crate's own `models/portavoz-ner-es`.
    Crate,
}

impl fmt::Display for ModelSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ModelSource::Explicit => "given explicitly",
            ModelSource::Environment => "named by PORTAVOZ_MODEL",
            ModelSource::UserCache => "the per-user copy installed by set-up",
            ModelSource::Crate => "the crate's own models folder",
        })
    }
}

/// Which model a [`Pipeline`](crate::Pipeline) runs, and where it was loaded from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelInfo {
    /// The model folder.
    pub dir: PathBuf,
    /// How it was chosen.
    pub source: ModelSource,
    /// The model's version (the folder's `VERSION` file), `None` when it has none.
    pub version: Option<String>,
}

impl ModelInfo {
    /// Finds the model folder ([`locate_model`]) and reads its version; loads nothing.
    pub fn locate(explicit: Option<&Path>) -> Result<ModelInfo> {
        let (dir, source) = locate_model(explicit)?;
        let version = read_version(&dir);
        Ok(ModelInfo {
            dir,
            source,
            version,
        })
    }

    /// The version, or `unversioned`.
    pub fn version_str(&self) -> &str {
        self.version.as_deref().unwrap_or("unversioned")
    }
}

impl fmt::Display for ModelInfo {
    /// `portavoz-ner-es 1.0.0 from DIR (how it was chosen)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{MODEL_NAME} {} from {} ({})",
            self.version_str(),
            self.dir.display(),
            self.source
        )
    }
}

/// The first line of `dir/VERSION`, when there is one and it is not empty.
fn read_version(dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(dir.join(MODEL_VERSION_FILE)).ok()?;
    let line = text.lines().next()?.trim();
    (!line.is_empty() && line.len() <= 100).then(|| line.to_string())
}

/// The set-up cache: `$PORTAVOZ_CACHE`, else `$XDG_CACHE_HOME/portavoz`, else
/// `$HOME/.cache/portavoz` (as `scripts/setup.sh` picks it); `None` when none of these
/// variables is set.
pub fn cache_dir() -> Option<PathBuf> {
    let var = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    var(CACHE_ENV)
        .or_else(|| var("XDG_CACHE_HOME").map(|d| d.join("portavoz")))
        .or_else(|| var("HOME").map(|d| d.join(".cache").join("portavoz")))
}

/// The per-user copy of the model that set-up installs, for this crate's version.
pub fn user_model_dir() -> Option<PathBuf> {
    cache_dir().map(|c| c.join("models").join(format!("{MODEL_NAME}-{VERSION}")))
}

/// The model folder of the crate's source (`models/portavoz-ner-es` next to its Cargo.toml,
/// wherever cargo compiled it from).
pub fn crate_model_dir() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/models/portavoz-ner-es"
    ))
}

/// Finds the model folder, in the order of the [module documentation](self).
///
/// ```
/// use portavoz::model_location::{locate_model, ModelSource};
/// let (dir, source) = locate_model(Some(std::path::Path::new("/opt/models/portavoz-ner-es")))?;
/// assert_eq!((dir.to_str(), source), (Some("/opt/models/portavoz-ner-es"), ModelSource::Explicit));
/// # Ok::<(), portavoz::Error>(())
/// ```
pub fn locate_model(explicit: Option<&Path>) -> Result<(PathBuf, ModelSource)> {
    let env = std::env::var_os(MODEL_ENV)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    search(explicit, env, user_model_dir(), crate_model_dir())
}

/// [`locate_model`] on given candidates (a test seam: no environment read).
fn search(
    explicit: Option<&Path>,
    env: Option<PathBuf>,
    user: Option<PathBuf>,
    krate: PathBuf,
) -> Result<(PathBuf, ModelSource)> {
    if let Some(dir) = explicit {
        return Ok((dir.to_path_buf(), ModelSource::Explicit));
    }
    if let Some(dir) = env {
        return Ok((dir, ModelSource::Environment));
    }
    let mut searched = Vec::new();
    let holds_model = |dir: &Path| dir.join(crate::ner::xlmr::CONFIG_FILE).is_file();
    match user {
        Some(dir) if holds_model(&dir) => return Ok((dir, ModelSource::UserCache)),
        Some(dir) => searched.push(dir),
        None => {}
    }
    if holds_model(&krate) {
        return Ok((krate, ModelSource::Crate));
    }
    searched.push(krate);
    Err(Error::ModelNotFound { searched })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model_folder(root: &Path, name: &str) -> PathBuf {
        let dir = root.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("config.json"), "{}").unwrap();
        dir
    }

    #[test]
    fn the_order_is_explicit_environment_user_copy_crate() {
        let tmp = tempfile::tempdir().unwrap();
        let (user, krate) = (
            model_folder(tmp.path(), "user"),
            model_folder(tmp.path(), "crate"),
        );
        let env = Some(tmp.path().join("env"));
        let explicit = tmp.path().join("explicit");
        let found = |e: Option<&Path>, env: Option<PathBuf>, user: Option<PathBuf>| {
            search(e, env, user, krate.clone()).unwrap()
        };
        assert_eq!(
            found(Some(&explicit), env.clone(), Some(user.clone())),
            (explicit.clone(), ModelSource::Explicit)
        );
        assert_eq!(
            found(None, env.clone(), Some(user.clone())),
            (tmp.path().join("env"), ModelSource::Environment)
        );
        assert_eq!(
            found(None, None, Some(user.clone())),
            (user.clone(), ModelSource::UserCache)
        );
        assert_eq!(
            found(None, None, Some(tmp.path().join("no-copy"))),
            (krate.clone(), ModelSource::Crate)
        );
        assert_eq!(found(None, None, None), (krate.clone(), ModelSource::Crate));
    }

    #[test]
    fn nothing_found_names_every_place_and_the_fix() {
        let tmp = tempfile::tempdir().unwrap();
        let (user, krate) = (tmp.path().join("user"), tmp.path().join("crate"));
        std::fs::create_dir_all(&user).unwrap(); // a folder without config.json is no model
        let err = search(None, None, Some(user.clone()), krate.clone()).unwrap_err();
        let Error::ModelNotFound { searched } = &err else {
            panic!("{err:?}")
        };
        assert_eq!(searched, &vec![user.clone(), krate.clone()]);
        let message = err.to_string();
        for needle in [
            user.to_str().unwrap(),
            krate.to_str().unwrap(),
            "PORTAVOZ_MODEL",
            "make setup",
        ] {
            assert!(message.contains(needle), "{needle} missing from: {message}");
        }
    }

    #[test]
    fn the_version_is_the_first_line_of_the_version_file() {
        let tmp = tempfile::tempdir().unwrap();
        assert_eq!(read_version(tmp.path()), None);
        std::fs::write(tmp.path().join(MODEL_VERSION_FILE), "1.2.3\nnotes\n").unwrap();
        assert_eq!(read_version(tmp.path()), Some("1.2.3".into()));
        std::fs::write(tmp.path().join(MODEL_VERSION_FILE), "\n").unwrap();
        assert_eq!(read_version(tmp.path()), None);
    }

    #[test]
    fn the_shipped_model_has_a_version() {
        assert!(read_version(&crate_model_dir()).is_some());
    }
}

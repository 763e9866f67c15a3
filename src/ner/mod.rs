//! Stage 2: named entities from the transformer token classifier, then the gazetteer pass.
pub mod convert;
pub mod e5s1;
pub mod gazetteer;
pub mod store;
pub mod vocab;
pub mod xlmr;

use std::path::{Path, PathBuf};

use crate::annotation::Entity;
use crate::error::{Error, Result};
use crate::segment::Segmentation;

/// The NER model (placeholder until the XLM-R backend lands).
pub struct NerModel {
    _dir: PathBuf,
}

impl NerModel {
    pub fn load(dir: &Path) -> Result<Self> {
        Err(Error::ModelMissing { path: dir.to_path_buf(), hint: "NER backend not built yet".into() })
    }

    /// Entities of each text, with model labels (PER, LOC, ORG, MISC).
    pub fn recognize(&self, _texts: &[(&str, &Segmentation)]) -> Result<Vec<Vec<Entity>>> {
        Ok(Vec::new())
    }
}

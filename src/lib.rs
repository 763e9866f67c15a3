//! portavoz: who is mentioned, who said what, and for or against whom, in Spanish news and
//! official readouts of diplomatic talks.
//!
//! Data flows one way, one module per stage:
//! text -> [`segment`] -> [`ner`] -> [`mentions`] -> [`claims`] -> [`stance`] -> [`Annotation`].
//!
//! ```
//! use portavoz::{Label, Pipeline, PipelineConfig, Polarity};
//!
//! let pipeline = Pipeline::new(PipelineConfig::default())?; // the model shipped in models/
//! let annotation = pipeline.annotate(
//!     "Wang Yi habló por teléfono con Sergey Lavrov. Lavrov afirmó que Rusia se opone al unilateralismo.",
//! )?;
//! let people: Vec<&str> =
//!     annotation.entities.iter().filter(|e| e.label == Label::Per).map(|e| e.canonical.as_str()).collect();
//! assert!(people.contains(&"Wang Yi") && people.contains(&"Sergey Lavrov"));
//!
//! let claim = &annotation.claims[0];
//! assert_eq!(claim.speaker, vec!["Sergey Lavrov".to_string()]);
//! assert_eq!(claim.cue.as_deref(), Some("afirmó"));
//! assert!(claim.stances.iter().any(|s| s.target == "unilateralismo" && s.polarity == Polarity::Oppose));
//!
//! // one JSON object per document, as `portavoz annotate` writes it
//! let line = serde_json::to_string(&annotation).unwrap();
//! assert!(line.starts_with("{\"id\""));
//! # Ok::<(), portavoz::Error>(())
//! ```
//!
//! The rule layer needs no model: [`attribution::annotate_from_entities`] takes a text and
//! entities from any source.
pub mod annotation;
pub mod corpus;
pub mod doc;
pub mod attribution;
pub mod claims;
pub mod error;
pub mod io;
pub mod lexicon;
pub mod mentions;
pub mod model_folder;
pub mod ner;
pub mod normalize;
pub mod pipeline;
pub mod report;
pub mod segment;
pub mod stance;
pub mod syntax;
pub mod text;

pub use annotation::{Annotation, Claim, Entity, Label, Mode, Polarity, Stance};
pub use doc::{Doc, DocSentence, Token};
pub use error::{Error, Result};
pub use pipeline::{default_model_dir, with_default_pipeline, DeviceChoice, Document, Pipeline, PipelineConfig};

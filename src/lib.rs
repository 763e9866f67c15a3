//! portavoz: who is mentioned, who said what, and for or against whom, in Spanish news and
//! official readouts of diplomatic talks.
//!
//! Data flows one way, one module per stage:
//! text -> [`segment`] -> [`ner`] -> [`mentions`] -> [`claims`] -> [`stance`] -> [`Annotation`].
pub mod annotation;
pub mod corpus;
pub mod attribution;
pub mod claims;
pub mod error;
pub mod io;
pub mod lexicon;
pub mod mentions;
pub mod ner;
pub mod pipeline;
pub mod report;
pub mod segment;
pub mod stance;
pub mod text;

pub use annotation::{Annotation, Claim, Entity, Label, Mode, Polarity, Stance};
pub use error::{Error, Result};
pub use pipeline::{default_model_dir, with_default_pipeline, DeviceChoice, Document, Pipeline, PipelineConfig};

//! portavoz: who is mentioned, who said what, and for or against whom, in Spanish news and
//! official readouts of diplomatic talks.
//!
//! Data flows one way, one (crate-private) module per stage: text -> segment -> model
//! (entities and syntax) -> [`Doc`] -> mentions -> claims -> stance -> [`Annotation`]. A crate
//! user needs [`Pipeline`], its [`PipelineConfig`] and what it returns ([`Annotation`] with its
//! [`Entity`], [`Claim`] and [`Stance`] values), and [`Error`].
//!
//! ```
//! use portavoz::{Label, Pipeline, PipelineConfig, Polarity};
//!
//! let pipeline = Pipeline::new(PipelineConfig::default())?; // finds the model: see model_location
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
//!
//! Where the model is found, and which one it is: [`model_location`], [`Pipeline::model`].
//!
//! # Cargo features
//! - `cli`: the `portavoz` command line (clap) and the modules it is built from, `io`
//!   (reading documents, writing records) and `report` (the HTML report).
//! - `training`: training, conversion and evaluation code, and every stage as a public module
//!   (`ner`, `syntax`, `segment`, `doc`, ...), for the examples, benches and tests that use them.
//!
//! With neither (the default), a dependent crate compiles the pipeline alone.

/// Declares modules that are public with the `training` feature and crate-private without it.
macro_rules! stages {
    ($($(#[$attr:meta])* $name:ident),* $(,)?) => {
        $(
            $(#[$attr])*
            #[cfg(feature = "training")]
            pub mod $name;
            $(#[$attr])*
            #[cfg(not(feature = "training"))]
            mod $name;
        )*
    };
}

stages!(
    annotation,
    claims,
    doc,
    error,
    // Some language data is read by the examples and tests only.
    #[cfg_attr(not(feature = "training"), allow(dead_code))]
    lexicon,
    mentions,
    model_folder,
    ner,
    normalize,
    pipeline,
    segment,
    stance,
    syntax,
    text,
);

/// Corpora for training and evaluation (CoNLL-2002, AnCora).
#[cfg(feature = "training")]
pub mod corpus;

pub mod attribution;
#[cfg(feature = "cli")]
pub mod io;
pub mod model_location;
#[cfg(feature = "cli")]
pub mod report;

pub use annotation::{Annotation, Claim, Entity, Label, Mode, Polarity, Stance};
pub use doc::{Doc, DocSentence, Token};
pub use error::{Error, Result};
pub use model_location::{ModelInfo, VERSION};
pub use ner::{Forward, Precision};
#[cfg(feature = "training")]
pub use pipeline::default_model_dir;
pub use pipeline::{
    with_default_pipeline, DeviceChoice, Document, Pipeline, PipelineConfig, SECTION_BYTES,
};
pub use syntax::export::to_conllu;

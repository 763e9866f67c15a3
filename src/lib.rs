//! portavoz: who is mentioned, who said what, and for or against whom, in Spanish news and
//! official readouts of diplomatic talks.
pub mod annotation;
pub mod error;
pub mod segment;
pub mod text;

pub use annotation::{Annotation, Claim, Entity, Label, Mode, Polarity, Stance};
pub use error::{Error, Result};

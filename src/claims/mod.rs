//! Stage 4: claims — who said what, or which position a party took.
//!
//! On a parsed document ([`tree`]) cues are found by lemma, the speaker is the cue's subject in
//! the dependency tree (or the subject its clause inherits, or the discourse's current speaker
//! for a Spanish zero subject) and the content is the cue's complement. Without a parse the flat
//! token patterns of [`flat`] run instead.
use crate::annotation::{Claim, Polarity};
use crate::doc::Doc;
use crate::mentions::Mentions;

pub mod flat;
pub mod tree;

/// A claim with what later stages need to know about it.
#[derive(Debug, Clone)]
pub struct FoundClaim {
    pub claim: Claim,
    /// Index of the sentence it was found in.
    pub sentence: usize,
    /// Index of the speaker's mention in [`Mentions::mentions`], if the speaker was named.
    pub speaker_mention: Option<usize>,
    /// Polarity carried by the cue toward its object ("se opone" -> oppose).
    pub cue_polarity: Option<Polarity>,
    /// The cue's word in [`Doc::tokens`], for claims found on the parse.
    pub cue_token: Option<usize>,
    /// The speaker was reached through a document ("según el comunicado", "una lectura
    /// china"): later documents speak for the same publisher.
    pub via_source: bool,
}

/// Whether `word` opens a complement headed by `head` that continues the noun phrase before it
/// wherever the parse hung it: a stance preposition before a noun ("su rechazo al cierre"), or
/// "de" before an infinitive ("la necesidad de implementar").
pub(crate) fn opens_complement(word: &crate::doc::Token, head: &crate::doc::Token) -> bool {
    match word.deprel.as_str() {
        "case" => crate::lexicon::lexicon().is(&word.form, "target") && matches!(head.upos.as_str(), "NOUN" | "PROPN"),
        "mark" => word.form.to_lowercase() == "de" && head.feats.contains("VerbForm=Inf"),
        _ => false,
    }
}

/// Opening and closing quotation marks (a straight quote is both).
fn is_open_quote(s: &str) -> bool {
    matches!(s, "«" | "“" | "\"" | "‘" | "'")
}

fn is_close_quote(s: &str) -> bool {
    matches!(s, "»" | "”" | "\"" | "’" | "'")
}

/// Finds the claims of a document: on its parse when it has one.
pub fn extract(doc: &Doc, mentions: &Mentions) -> Vec<FoundClaim> {
    if doc.has_syntax() {
        tree::extract(doc, mentions)
    } else {
        flat::extract(&doc.text, &doc.segmentation(), mentions)
    }
}

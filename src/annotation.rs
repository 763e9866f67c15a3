//! The output of the pipeline, serialized as one JSON object per document (DESIGN.md).
use serde::{Deserialize, Serialize};

/// Entity type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Label {
    #[serde(rename = "PER")]
    Per,
    #[serde(rename = "STATE")]
    State,
    #[serde(rename = "ORG")]
    Org,
    #[serde(rename = "LOC")]
    Loc,
    #[serde(rename = "MISC")]
    Misc,
}

impl Label {
    pub fn as_str(self) -> &'static str {
        match self {
            Label::Per => "PER",
            Label::State => "STATE",
            Label::Org => "ORG",
            Label::Loc => "LOC",
            Label::Misc => "MISC",
        }
    }

    pub fn parse(s: &str) -> Option<Label> {
        Some(match s {
            "PER" => Label::Per,
            "STATE" => Label::State,
            "ORG" => Label::Org,
            "LOC" => Label::Loc,
            "MISC" => Label::Misc,
            _ => return None,
        })
    }
}

impl std::fmt::Display for Label {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A named entity. `start`/`end` are code point offsets (end exclusive), `byte_*` UTF-8 offsets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entity {
    pub text: String,
    pub label: Label,
    pub start: usize,
    pub end: usize,
    pub byte_start: usize,
    pub byte_end: usize,
    /// Mean probability of the span's word labels under the model (1.0 for gazetteer finds).
    pub score: f32,
    /// The name every mention of this participant resolves to ("Sergey Lavrov", "Estados Unidos").
    pub canonical: String,
}

/// How a claim is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Indirect,
    Direct,
    Mixed,
    Position,
    Continuation,
}

/// Direction of a stance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Polarity {
    Support,
    Oppose,
}

/// The speaker's position toward an entity (canonical name) or a concept ("unilateralismo").
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Stance {
    pub target: String,
    pub polarity: Polarity,
}

/// A statement or position attributed to a speaker. Offsets are code points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Claim {
    /// Canonical names; several for a joint position.
    pub speaker: Vec<String>,
    /// The reporting word or phrase; `None` for a continuation sentence.
    pub cue: Option<String>,
    pub cue_start: Option<usize>,
    pub cue_end: Option<usize>,
    pub content: String,
    pub content_start: usize,
    pub content_end: usize,
    pub mode: Mode,
    pub stances: Vec<Stance>,
}

/// Everything portavoz found in one document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Annotation {
    pub id: String,
    pub text: String,
    pub entities: Vec<Entity>,
    pub claims: Vec<Claim>,
    /// The parsed sentences, only when asked for (`PipelineConfig::tokens`, `--tokens`,
    /// `--format conllu`); each names its words' range in `tokens`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sentences: Vec<crate::doc::DocSentence>,
    /// The words of those sentences with their syntax, only when asked for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tokens: Vec<crate::doc::Token>,
}

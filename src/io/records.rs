//! The records that flow through a run: what is read ([`InputRecord`]), what is written
//! ([`OutputRecord`]: an [`Annotation`] or an [`ErrorRecord`]), and reading output lines back
//! ([`parse_output_line`], for `portavoz view` and `--resume`).
use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};

use crate::annotation::{Annotation, Claim, Entity, Label, Mode, Stance};
use crate::doc::{DocSentence, Token};
use crate::text::OffsetMap;

/// Where an error record's input came from, and why it failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordError {
    /// Input path, or `<stdin>`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub source: String,
    /// 1-based line number in a JSONL input; `null` for a whole-file document (a .txt file,
    /// an entry of a folder, stdin read as one text). Always written.
    #[serde(default)]
    pub line: Option<usize>,
    /// A human-readable message.
    pub reason: String,
}

/// The output for a record that could not be read or annotated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorRecord {
    /// The record's id (or the generated `line-N`, or the file stem).
    pub id: String,
    /// Where and why.
    pub error: RecordError,
}

/// One line of output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum OutputRecord {
    /// The record could not be read or annotated.
    Error(ErrorRecord),
    /// The record's annotation.
    Annotation(Annotation),
}

impl OutputRecord {
    /// The record's id.
    pub fn id(&self) -> &str {
        match self {
            OutputRecord::Error(e) => &e.id,
            OutputRecord::Annotation(a) => &a.id,
        }
    }
}

/// One record read from the input, before annotation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputRecord {
    /// The record's id (given, or generated: `line-N`, `NAME:line-N`, the file stem).
    pub id: String,
    /// Input path, or `<stdin>`.
    pub source: String,
    /// 1-based line number in a JSONL input.
    pub line: Option<usize>,
    /// The text, or why it could not be read.
    pub text: std::result::Result<String, String>,
    /// Input bytes this record took (for progress).
    pub bytes: u64,
    /// No further input was ready when this record was read (stdin only): annotate what is
    /// pending now rather than wait for a full batch, so a slow producer gets answers promptly.
    pub flush_hint: bool,
}

impl InputRecord {
    /// The error record that stands for this record, failed for `reason`.
    pub fn error_record(&self, reason: String) -> ErrorRecord {
        ErrorRecord {
            id: self.id.clone(),
            error: RecordError {
                source: self.source.clone(),
                line: self.line,
                reason,
            },
        }
    }
}

// ---------------------------------------------------------------------------------------
// Reading output lines back: serde structures that accept what `annotate` writes and also
// gold files in the DESIGN.md format (no byte offsets, no scores, no canonical names).

/// An id as found in a line: a string, a number, or anything else (read as no id).
#[derive(Deserialize)]
#[serde(untagged)]
enum IdField {
    Text(String),
    Number(serde_json::Number),
    Other(IgnoredAny),
}

impl IdField {
    fn into_string(self) -> String {
        match self {
            IdField::Text(s) => s,
            IdField::Number(n) => n.to_string(),
            IdField::Other(_) => String::new(),
        }
    }
}

/// An `error` member: the object `annotate` writes, or a bare message.
#[derive(Deserialize)]
#[serde(untagged)]
enum ErrorField {
    Full {
        #[serde(default)]
        source: Option<String>,
        #[serde(default)]
        line: Option<usize>,
        reason: String,
    },
    Message(String),
    Other(serde_json::Value),
}

#[derive(Deserialize)]
struct EntityLine {
    label: Label,
    start: usize,
    end: usize,
    #[serde(default)]
    byte_start: Option<usize>,
    #[serde(default)]
    byte_end: Option<usize>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    canonical: Option<String>,
    #[serde(default)]
    score: Option<f32>,
}

/// One or several speakers.
#[derive(Deserialize)]
#[serde(untagged)]
enum SpeakerField {
    Many(Vec<String>),
    One(String),
}

#[derive(Deserialize)]
struct ClaimLine {
    #[serde(default)]
    speaker: Option<SpeakerField>,
    #[serde(default)]
    cue: Option<String>,
    #[serde(default)]
    cue_start: Option<usize>,
    #[serde(default)]
    cue_end: Option<usize>,
    #[serde(default)]
    content: String,
    #[serde(default)]
    content_start: usize,
    #[serde(default)]
    content_end: usize,
    mode: Mode,
    #[serde(default)]
    stances: Vec<Stance>,
}

#[derive(Deserialize)]
struct RecordLine {
    #[serde(default)]
    id: Option<IdField>,
    #[serde(default)]
    error: Option<ErrorField>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    entities: Vec<EntityLine>,
    #[serde(default)]
    claims: Vec<ClaimLine>,
    #[serde(default)]
    sentences: Vec<DocSentence>,
    #[serde(default)]
    tokens: Vec<Token>,
}

/// Parses one line of an annotations file: an error record, or an annotation read leniently
/// (missing `byte_*` offsets are computed from the code point offsets, a missing `score`
/// is NaN, a missing `canonical` is the entity's text), so gold files in the DESIGN.md
/// format without those fields can be viewed too. Entity offsets must lie inside the text.
pub fn parse_output_line(line: &str) -> std::result::Result<OutputRecord, String> {
    let record: RecordLine = serde_json::from_str(line).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => format!("not an output record: {e}"),
        _ => format!("malformed JSON: {e}"),
    })?;
    let id = record.id.map(IdField::into_string).unwrap_or_default();
    if let Some(error) = record.error {
        let error = match error {
            ErrorField::Full {
                source,
                line,
                reason,
            } => RecordError {
                source: source.unwrap_or_default(),
                line,
                reason,
            },
            ErrorField::Message(reason) => RecordError {
                source: String::new(),
                line: None,
                reason,
            },
            ErrorField::Other(v) => RecordError {
                source: String::new(),
                line: None,
                reason: v.to_string(),
            },
        };
        return Ok(OutputRecord::Error(ErrorRecord { id, error }));
    }
    let text = record
        .text
        .ok_or_else(|| "missing \"text\" field".to_string())?;
    let map = OffsetMap::new(&text);
    let n_chars = map.char_len();
    let mut entities = Vec::with_capacity(record.entities.len());
    for (i, e) in record.entities.into_iter().enumerate() {
        if !(e.start <= e.end && e.end <= n_chars) {
            return Err(format!(
                "entity {i}: start/end {}..{} out of range for a text of {n_chars} characters",
                e.start, e.end
            ));
        }
        let (byte_start, byte_end) = match (e.byte_start, e.byte_end) {
            (Some(a), Some(b)) if a <= b && text.get(a..b).is_some() => (a, b),
            _ => (map.byte_of(e.start), map.byte_of(e.end)),
        };
        let etext = e
            .text
            .unwrap_or_else(|| text[byte_start..byte_end].to_string());
        let canonical = e.canonical.unwrap_or_else(|| etext.clone());
        let score = e.score.unwrap_or(f32::NAN);
        entities.push(Entity {
            text: etext,
            label: e.label,
            start: e.start,
            end: e.end,
            byte_start,
            byte_end,
            score,
            canonical,
        });
    }
    let claims = record
        .claims
        .into_iter()
        .map(|c| Claim {
            speaker: match c.speaker {
                Some(SpeakerField::Many(v)) => v,
                Some(SpeakerField::One(s)) => vec![s],
                None => Vec::new(),
            },
            cue: c.cue,
            cue_start: c.cue_start,
            cue_end: c.cue_end,
            content: c.content,
            content_start: c.content_start,
            content_end: c.content_end,
            mode: c.mode,
            stances: c.stances,
        })
        .collect();
    let (sentences, tokens) = (record.sentences, record.tokens);
    Ok(OutputRecord::Annotation(Annotation {
        id,
        text,
        entities,
        claims,
        sentences,
        tokens,
    }))
}

/// The id of an output line and whether it is an error record, read without checking the rest
/// (for `--resume`): `None` when the line is not a JSON object with a string `id`. Other
/// members are skipped unread, so an odd value elsewhere (`"n": 1e400`) does not matter.
pub fn output_line_id(line: &[u8]) -> Option<(String, bool)> {
    #[derive(Deserialize)]
    struct IdAndError {
        id: Option<String>,
        #[serde(default)]
        error: Option<IgnoredAny>,
    }
    let record = serde_json::from_slice::<IdAndError>(line).ok()?;
    Some((record.id?, record.error.is_some()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::annotation::Polarity;
    use crate::io::test_support::{fake, run_jsonl};

    #[test]
    fn output_records_round_trip() {
        let err = OutputRecord::Error(ErrorRecord {
            id: "line-3".into(),
            error: RecordError {
                source: "c.jsonl".into(),
                line: Some(3),
                reason: "malformed JSON".into(),
            },
        });
        let s = serde_json::to_string(&err).unwrap();
        assert_eq!(
            s,
            r#"{"id":"line-3","error":{"source":"c.jsonl","line":3,"reason":"malformed JSON"}}"#
        );
        assert_eq!(serde_json::from_str::<OutputRecord>(&s).unwrap(), err);
        assert_eq!(parse_output_line(&s).unwrap(), err);
        let txt = OutputRecord::Error(ErrorRecord {
            id: "doc".into(),
            error: RecordError {
                source: "doc.txt".into(),
                line: None,
                reason: "invalid UTF-8 at byte 3".into(),
            },
        });
        let written = serde_json::to_string(&txt).unwrap();
        assert!(
            written.contains("\"line\":null"),
            "the documented field is always there: {written}"
        );
        assert_eq!(parse_output_line(&written).unwrap(), txt);
        let (ann, _) = run_jsonl(b"{\"id\":\"a\",\"text\":\"Dijo Lavrov.\"}\n", fake, 1);
        let line = ann[0].to_string();
        match serde_json::from_str::<OutputRecord>(&line).unwrap() {
            OutputRecord::Annotation(a) => assert_eq!(a.entities[0].canonical, "Sergey Lavrov"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn lenient_reading_of_gold_records() {
        let gold = r#"{"id":"g","source":"x.txt","text":"«Sí», dijo Lavrov.","entities":[{"start":11,"end":17,"label":"PER","text":"Lavrov"}],
            "claims":[{"speaker":["Lavrov"],"cue":"dijo","cue_start":6,"cue_end":10,"content":"Sí","content_start":1,"content_end":3,"mode":"direct","stances":[{"target":"X","polarity":"oppose"}]}]}"#;
        let OutputRecord::Annotation(a) = parse_output_line(gold).unwrap() else {
            panic!()
        };
        let e = &a.entities[0];
        assert_eq!(&a.text[e.byte_start..e.byte_end], "Lavrov");
        assert!(e.score.is_nan());
        assert_eq!(e.canonical, "Lavrov");
        assert_eq!(a.claims[0].stances[0].polarity, Polarity::Oppose);
        assert!(parse_output_line(
            r#"{"id":"g","text":"ab","entities":[{"start":1,"end":9,"label":"PER"}]}"#
        )
        .is_err());
        assert!(parse_output_line(
            r#"{"id":"g","text":"ab","entities":[{"start":0,"end":1,"label":"XX"}]}"#
        )
        .is_err());
        assert!(parse_output_line("nope")
            .unwrap_err()
            .starts_with("malformed JSON"));
    }
}

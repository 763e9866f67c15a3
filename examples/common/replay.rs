//! Re-running the rule layer on a parse kept from an earlier run: an [`Annotation`] written
//! with its `sentences` and `tokens` (`PipelineConfig::tokens(true)`) holds everything the
//! [`Doc`] had (each word's entity tag is the model's, before the rules), so the rules can be
//! changed and measured again without another model pass.
#![allow(dead_code)]
use std::io::Write;
use std::path::Path;

use portavoz::ner::bio;
use portavoz::text::OffsetMap;
use portavoz::{Annotation, Doc, Entity, Label};

/// The [`Doc`] an annotation with tokens was made from (entity scores are not kept: 1.0).
pub fn doc_of(a: &Annotation) -> Doc {
    let text = a.text.clone();
    let offsets = OffsetMap::new(&text);
    let paragraphs = portavoz::segment::segment(&text).paragraphs;
    let mut entities = Vec::new();
    for s in &a.sentences {
        let words = &a.tokens[s.first_token..s.first_token + s.token_count];
        // One tag per orthographic token (the words of a contraction share its span).
        let mut spans: Vec<(usize, usize, &str)> = Vec::new();
        for w in words {
            if spans
                .last()
                .map_or(false, |&(b0, b1, _)| b0 == w.byte_start && b1 == w.byte_end)
            {
                continue;
            }
            spans.push((w.byte_start, w.byte_end, w.entity.as_str()));
        }
        let tags: Vec<&str> = spans.iter().map(|s| s.2).collect();
        for span in bio::decode(&tags) {
            let Some(label) = Label::parse(&span.label) else {
                continue;
            };
            let (b0, b1) = (spans[span.start].0, spans[span.end - 1].1);
            let sp = offsets.span_from_bytes(b0, b1);
            let t = text[b0..b1].to_string();
            entities.push(Entity {
                text: t.clone(),
                label,
                start: sp.start,
                end: sp.end,
                byte_start: b0,
                byte_end: b1,
                score: 1.0,
                canonical: t,
            });
        }
    }
    Doc {
        text,
        offsets,
        paragraphs,
        sentences: a.sentences.clone(),
        tokens: a.tokens.clone(),
        entities,
    }
}

/// The annotations of `docs`: read from `cache` when it holds them (same ids, same texts),
/// else made by `annotate` (a pipeline with tokens) and written there.
pub fn parsed(
    cache: Option<&Path>,
    docs: &[portavoz::Document],
    annotate: impl FnOnce() -> Result<Vec<Annotation>, Box<dyn std::error::Error>>,
) -> Result<Vec<Annotation>, Box<dyn std::error::Error>> {
    if let Some(path) = cache {
        if let Ok(s) = std::fs::read_to_string(path) {
            let kept: Vec<Annotation> = s
                .lines()
                .filter(|l| !l.is_empty())
                .map(serde_json::from_str)
                .collect::<Result<_, _>>()?;
            if kept.len() == docs.len()
                && kept
                    .iter()
                    .zip(docs)
                    .all(|(a, d)| a.id == d.id && a.text == d.text)
            {
                eprintln!("parse read from {}", path.display());
                return Ok(kept);
            }
        }
    }
    let annotations = annotate()?;
    if let Some(path) = cache {
        let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
        for a in &annotations {
            writeln!(f, "{}", serde_json::to_string(a)?)?;
        }
    }
    Ok(annotations)
}

/// The rule layer run again on each kept parse.
pub fn reannotate(parsed: &[Annotation]) -> Vec<Annotation> {
    parsed
        .iter()
        .map(|a| portavoz::attribution::annotate(&a.id, &doc_of(a)))
        .collect()
}

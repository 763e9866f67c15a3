//! Tagged corpora in CoNLL columns (`token<TAB or space>tag`, blank line between sentences)
//! and conlleval-style entity scoring (exact span and type).
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use crate::error::{Error, Result};
use crate::ner::bio;

/// Entity types the model is trained on; other tags (AnCora's DATE, NUM) are read as O.
pub const ENTITY_TYPES: [&str; 4] = ["PER", "LOC", "ORG", "MISC"];

/// A sentence with one tag per word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaggedSentence {
    pub words: Vec<String>,
    pub tags: Vec<String>,
}

/// Reads a CoNLL-style file; the word is the first column and the tag the last.
pub fn read_conll(path: &Path) -> Result<Vec<TaggedSentence>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    parse_conll(&text, &path.display().to_string())
}

/// Parses CoNLL-style text (see [`read_conll`]).
pub fn parse_conll(text: &str, source: &str) -> Result<Vec<TaggedSentence>> {
    let mut sentences = Vec::new();
    let mut current = TaggedSentence {
        words: Vec::new(),
        tags: Vec::new(),
    };
    for (n, line) in text.lines().enumerate() {
        let line = line.trim_end();
        if line.is_empty() || line.starts_with("-DOCSTART-") {
            if !current.words.is_empty() {
                sentences.push(std::mem::replace(
                    &mut current,
                    TaggedSentence {
                        words: Vec::new(),
                        tags: Vec::new(),
                    },
                ));
            }
            continue;
        }
        let mut cols = line
            .split(|c| c == '\t' || c == ' ')
            .filter(|c| !c.is_empty());
        let (Some(word), Some(tag)) = (cols.next(), cols.last()) else {
            return Err(Error::Parse {
                path: source.to_string(),
                line: n + 1,
                reason: format!("expected `word tag`, got {line:?}"),
            });
        };
        current.words.push(word.to_string());
        current.tags.push(normalize_tag(tag));
    }
    if !current.words.is_empty() {
        sentences.push(current);
    }
    Ok(sentences)
}

fn normalize_tag(tag: &str) -> String {
    match bio::parse_tag(tag) {
        bio::Tag::Begin(t) | bio::Tag::Inside(t) if ENTITY_TYPES.contains(&t) => tag.to_string(),
        _ => "O".to_string(),
    }
}

/// True positives, predicted and gold entity counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub correct: usize,
    pub predicted: usize,
    pub gold: usize,
}

impl Counts {
    pub fn precision(&self) -> f64 {
        if self.predicted == 0 {
            0.0
        } else {
            self.correct as f64 / self.predicted as f64
        }
    }
    pub fn recall(&self) -> f64 {
        if self.gold == 0 {
            0.0
        } else {
            self.correct as f64 / self.gold as f64
        }
    }
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
}

/// Entity-level scores, overall and per type.
#[derive(Debug, Clone, Default)]
pub struct EntityScores {
    pub overall: Counts,
    pub per_type: BTreeMap<String, Counts>,
}

impl EntityScores {
    /// Adds one sentence: gold and predicted tags of the same words.
    pub fn add<S: AsRef<str>, T: AsRef<str>>(&mut self, gold: &[S], predicted: &[T]) {
        let g = bio::decode(gold);
        let p = bio::decode(predicted);
        for s in &g {
            self.overall.gold += 1;
            self.per_type.entry(s.label.clone()).or_default().gold += 1;
        }
        for s in &p {
            self.overall.predicted += 1;
            let c = self.per_type.entry(s.label.clone()).or_default();
            c.predicted += 1;
            if g.contains(s) {
                c.correct += 1;
                self.overall.correct += 1;
            }
        }
    }
}

impl fmt::Display for EntityScores {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:<8} {:>7} {:>7} {:>7} {:>6} {:>6}",
            "label", "P", "R", "F1", "gold", "pred"
        )?;
        let row = |f: &mut fmt::Formatter<'_>, name: &str, c: &Counts| {
            writeln!(
                f,
                "{:<8} {:>7.2} {:>7.2} {:>7.2} {:>6} {:>6}",
                name,
                100.0 * c.precision(),
                100.0 * c.recall(),
                100.0 * c.f1(),
                c.gold,
                c.predicted
            )
        };
        for (label, c) in &self.per_type {
            row(f, label, c)?;
        }
        row(f, "overall", &self.overall)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_tab_and_space_columns_and_maps_other_types_to_o() {
        let text = "El\tO\nRubio\tB-PER\nayer\tB-DATE\n\nLa B-LOC\nCoruña I-LOC\n";
        let s = parse_conll(text, "t").unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].tags, vec!["O", "B-PER", "O"]);
        assert_eq!(s[1].words, vec!["La", "Coruña"]);
        assert!(parse_conll("solo\n", "t").is_err());
    }

    #[test]
    fn scores_exact_span_and_type() {
        let mut sc = EntityScores::default();
        sc.add(
            &["B-PER", "I-PER", "O", "B-LOC"],
            &["B-PER", "I-PER", "O", "B-ORG"],
        );
        sc.add(&["B-ORG", "I-ORG"], &["B-ORG", "O"]);
        assert_eq!(
            sc.overall,
            Counts {
                correct: 1,
                predicted: 3,
                gold: 3
            }
        );
        assert_eq!(sc.per_type["PER"].f1(), 1.0);
        assert_eq!(sc.per_type["ORG"].correct, 0);
        assert!((sc.overall.f1() - 1.0 / 3.0).abs() < 1e-9);
    }
}

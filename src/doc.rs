//! The parsed document: the one structure built once per document after the model pass and
//! read by the later stages. Alignment to the text is stored here once (every token carries
//! its code point and byte span), never guessed again downstream.
//!
//! A pipeline built with [`crate::PipelineConfig::tokens`] hands the words to the caller:
//!
//! ```
//! use portavoz::{Pipeline, PipelineConfig};
//!
//! let pipeline = Pipeline::new(PipelineConfig::default().tokens(true))?;
//! let a = pipeline.annotate("La ministra dijo que el acuerdo llegará pronto.")?;
//! let dijo = a.tokens.iter().position(|t| t.form == "dijo").unwrap();
//! assert_eq!(a.tokens[dijo].lemma, "decir");
//! assert_eq!(a.tokens[dijo].deprel, "root");
//! let subject = a.tokens.iter().find(|t| t.deprel == "nsubj" && t.head == Some(dijo)).unwrap();
//! assert_eq!(subject.form, "ministra");
//! assert!(subject.feats.contains("Gender=Fem"));
//! # Ok::<(), portavoz::Error>(())
//! ```
use serde::{Deserialize, Serialize};

use crate::annotation::Entity;
use crate::ner::TextAnalysis;
use crate::segment::{segment, Segmentation};
use crate::text::{OffsetMap, Span};

/// One syntactic word. A contraction ("del") or a verb with enclitics ("decirlo") is several
/// words that share their orthographic token's span; `multiword` then names the token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Token {
    /// The syntactic word ("de", "el" of "del").
    pub form: String,
    /// Lemma (the form itself when the model has no syntax heads).
    pub lemma: String,
    /// Universal part of speech ("_" without syntax heads).
    pub upos: String,
    /// Universal features, `Feat=Value|...` ("_" for none).
    pub feats: String,
    /// Index (in [`Doc::tokens`]) of the head word; `None` for the sentence's root.
    pub head: Option<usize>,
    /// Universal dependency relation ("root" for the root).
    pub deprel: String,
    /// Code point span of the orthographic token (end exclusive).
    pub start: usize,
    pub end: usize,
    /// UTF-8 byte span of the orthographic token.
    pub byte_start: usize,
    pub byte_end: usize,
    /// Index of its sentence in [`Doc::sentences`].
    pub sentence: usize,
    /// The orthographic token's text when it is split into several words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multiword: Option<String>,
    /// Entity BIO tag of the model ("O", "B-PER", ...), before the rule layer.
    pub entity: String,
}

impl Token {
    /// The value of one universal feature ("Number" -> "Sing"), if the word has it.
    pub fn feat(&self, name: &str) -> Option<&str> {
        self.feats.split('|').find_map(|kv| kv.strip_prefix(name).and_then(|r| r.strip_prefix('=')))
    }
}

/// A sentence of a [`Doc`]: its span and its words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocSentence {
    /// Index of its paragraph in [`Doc::paragraphs`].
    pub paragraph: usize,
    pub start: usize,
    pub end: usize,
    pub byte_start: usize,
    pub byte_end: usize,
    /// Its words: `tokens[first_token..first_token + token_count]` of the document.
    pub first_token: usize,
    pub token_count: usize,
}

/// A text with its sentences, words (with syntax when the model has syntax heads) and the
/// model's entities.
#[derive(Debug, Clone)]
pub struct Doc {
    pub text: String,
    pub offsets: OffsetMap,
    /// Paragraphs (lines of the text), in order.
    pub paragraphs: Vec<Span>,
    pub sentences: Vec<DocSentence>,
    pub tokens: Vec<Token>,
    /// The model's entities (labels PER, LOC, ORG, MISC), before the rule layer.
    pub entities: Vec<Entity>,
}

impl Doc {
    /// Builds the document from what the model stage found in `text`; `labels` are the
    /// model's entity tags.
    pub fn build(text: &str, paragraphs: &[Span], analysis: TextAnalysis, labels: &[String]) -> Doc {
        let TextAnalysis { sentences, entities, offsets } = analysis;
        let mut doc =
            Doc { text: text.to_string(), offsets, paragraphs: paragraphs.to_vec(), sentences: Vec::new(), tokens: Vec::new(), entities };
        for sentence in &sentences {
            let (span, words, tags, syntax) = (sentence.span, &sentence.words, &sentence.analysis.tags, &sentence.analysis.syntax);
            let first = doc.tokens.len();
            let index = doc.sentences.len();
            let tag_of = |w: usize| tags.get(w).and_then(|t| labels.get(t.label)).cloned().unwrap_or_else(|| "O".into());
            let offsets = &doc.offsets;
            let span_of = |w: usize| {
                let (b0, b1) = words.get(w).copied().unwrap_or((span.byte_start, span.byte_start));
                offsets.span_from_bytes(b0, b1)
            };
            let mut tokens = Vec::new();
            if syntax.is_empty() {
                for (w, &(b0, b1)) in words.iter().enumerate() {
                    let sp = span_of(w);
                    let form = text.get(b0..b1).unwrap_or("").to_string();
                    tokens.push(Token {
                        lemma: form.clone(),
                        form,
                        upos: "_".into(),
                        feats: "_".into(),
                        head: None,
                        deprel: "_".into(),
                        start: sp.start,
                        end: sp.end,
                        byte_start: sp.byte_start,
                        byte_end: sp.byte_end,
                        sentence: index,
                        multiword: None,
                        entity: tag_of(w),
                    });
                }
            } else {
                let mut parts = vec![0usize; words.len()];
                for word in syntax {
                    if let Some(n) = parts.get_mut(word.token) {
                        *n += 1;
                    }
                }
                for word in syntax {
                    let sp = span_of(word.token);
                    let multiword = (parts.get(word.token).copied().unwrap_or(0) > 1).then(|| sp.slice(text).to_string());
                    tokens.push(Token {
                        form: word.form.clone(),
                        lemma: word.lemma.clone(),
                        upos: word.upos.clone(),
                        feats: word.feats.clone(),
                        head: (word.head > 0).then(|| first + word.head - 1),
                        deprel: word.deprel.clone(),
                        start: sp.start,
                        end: sp.end,
                        byte_start: sp.byte_start,
                        byte_end: sp.byte_end,
                        sentence: index,
                        multiword,
                        entity: tag_of(word.token),
                    });
                }
            }
            if !syntax.is_empty() {
                crate::syntax::compounds::repair(&mut tokens, first);
            }
            doc.sentences.push(DocSentence {
                paragraph: sentence.paragraph,
                start: span.start,
                end: span.end,
                byte_start: span.byte_start,
                byte_end: span.byte_end,
                first_token: first,
                token_count: tokens.len(),
            });
            doc.tokens.append(&mut tokens);
        }
        doc
    }

    /// A document without a model pass: sentences and words of `text`, with `entities` as the
    /// model's entities and no syntax (lemma = form, part of speech and relations "_"). Lets the
    /// rule layer run on entities from any source.
    pub fn from_entities(text: &str, entities: Vec<Entity>) -> Doc {
        let segmentation = segment(text);
        let offsets = OffsetMap::new(text);
        let sentences = segmentation
            .sentences
            .iter()
            .filter_map(|s| {
                let base = s.span.byte_start;
                let words: Vec<(usize, usize)> =
                    crate::ner::words::split(s.span.slice(text)).into_iter().map(|(a, b)| (a + base, b + base)).collect();
                let tags = words.iter().map(|_| crate::ner::WordTag { label: 0, prob: 0.0 }).collect();
                let analysis = crate::ner::AnalyzedSentence { tags, ..Default::default() };
                (!words.is_empty()).then_some(crate::ner::SentenceAnalysis { span: s.span, paragraph: s.paragraph, words, analysis })
            })
            .collect();
        let mut doc = Doc::build(text, &segmentation.paragraphs, TextAnalysis { sentences, entities: Vec::new(), offsets }, &[]);
        doc.entities = entities;
        doc
    }

    /// The paragraphs and sentences as a [`Segmentation`].
    pub fn segmentation(&self) -> Segmentation {
        Segmentation {
            paragraphs: self.paragraphs.clone(),
            sentences: self
                .sentences
                .iter()
                .map(|s| crate::segment::Sentence {
                    span: Span { start: s.start, end: s.end, byte_start: s.byte_start, byte_end: s.byte_end },
                    paragraph: s.paragraph,
                })
                .collect(),
        }
    }

    /// Whether the words carry a parse (the model has syntax heads).
    pub fn has_syntax(&self) -> bool {
        self.tokens.iter().any(|t| t.deprel != "_")
    }

    /// The dependents of each word of sentence `i`, as indices into [`Doc::sentence_tokens`]
    /// (in order; heads outside the sentence and self-loops are left out).
    pub fn sentence_children(&self, i: usize) -> Vec<Vec<usize>> {
        let first = self.sentences.get(i).map_or(0, |s| s.first_token);
        let toks = self.sentence_tokens(i);
        let mut children = vec![Vec::new(); toks.len()];
        for (k, t) in toks.iter().enumerate() {
            if let Some(h) = t.head.and_then(|h| h.checked_sub(first)).filter(|&h| h < toks.len() && h != k) {
                children[h].push(k);
            }
        }
        children
    }

    /// The words of sentence `i`.
    pub fn sentence_tokens(&self, i: usize) -> &[Token] {
        self.sentences.get(i).and_then(|s| self.tokens.get(s.first_token..s.first_token + s.token_count)).unwrap_or(&[])
    }
}
